package chromium

import (
	"bytes"
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// OutlinePages reads the outline PrintPDF writes from the document's
// headings and returns the page (1-based) each heading title first
// appears on. Chromium cannot number pages in the document itself (CSS
// target-counter is not supported), so a contents list takes its numbers
// from a first print.
func OutlinePages(pdf []byte) (map[string]int, error) {
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	bms, err := api.Bookmarks(bytes.NewReader(pdf), conf)
	if err != nil {
		return nil, fmt.Errorf("pdf: read outline: %w", err)
	}
	out := map[string]int{}
	var walk func([]pdfcpu.Bookmark)
	walk = func(bs []pdfcpu.Bookmark) {
		for _, b := range bs {
			if _, seen := out[b.Title]; !seen {
				out[b.Title] = b.PageFrom
			}
			walk(b.Kids)
		}
	}
	walk(bms)
	return out, nil
}
