package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDumpFixtures(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/fixtures/*")
	for _, fn := range files {
		f, _ := os.Open(fn)
		b, err := Parse(f, filepath.Base(fn), Options{})
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", fn, err)
			continue
		}
		t.Logf("%s: %s inc=%d dep=%d pages=%d sli=%d toil=%d ai=%d rej=%d warn=%v", filepath.Base(fn), b.Format, len(b.Incidents), len(b.Deploys), len(b.Pages), len(b.SLIDays), len(b.Toil), len(b.ActionItems), len(b.Rejects), b.Warnings)
		for _, r := range b.Rejects {
			t.Logf("   reject line %d: %s", r.Line, r.Reason)
		}
	}
}
