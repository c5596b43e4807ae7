package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/views"
)

// roadmapCSVHeader is the export's header; the importer reads every column
// but the last two back, so an export re-imports unchanged.
var roadmapCSVHeader = []string{"code", "title", "description", "owner", "start quarter", "end quarter", "status",
	"kpi", "target kind", "target", "services", "risks", "updated at", "updated by"}

// maxRoadmapUpload caps an uploaded roadmap; roadmaps are tens of rows.
const maxRoadmapUpload = 1 << 20

// downloadRoadmapCSV exports the roadmap, text cells neutralised against
// formula injection.
func (h *Handler) downloadRoadmapCSV(c echo.Context) error {
	ins, err := h.store.Initiatives(c.Request().Context())
	if err != nil {
		return err
	}
	w := csvAttachment(c, "sreport-roadmap-"+h.cfg.Now().Format("2006-01-02")+".csv")
	if err := w.Write(roadmapCSVHeader); err != nil {
		return err
	}
	for _, in := range ins {
		rec := []string{in.Code, csvSafe(in.Title), csvSafe(in.Description), csvSafe(in.Owner), in.StartQuarter, in.EndQuarter,
			in.Status, in.KPI, in.TargetKind, csvSafe(targetInput(in)), csvSafe(strings.Join(in.Services, "; ")),
			strings.Join(in.Risks, " "), in.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z"), csvSafe(in.UpdatedBy)}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	return w.Flush()
}

// roadmapKnown is what rows are checked against: the catalogue's service
// names and the register's risk codes, by lower-case name.
type roadmapKnown struct{ services, risks map[string]string }

func (h *Handler) roadmapKnown(c echo.Context) (roadmapKnown, error) {
	ctx := c.Request().Context()
	k := roadmapKnown{services: map[string]string{}, risks: map[string]string{}}
	svcs, err := h.store.Services(ctx)
	if err != nil {
		return k, err
	}
	for _, s := range svcs {
		k.services[strings.ToLower(s.Name)] = s.Name
	}
	risks, err := h.store.Risks(ctx, store.RiskFilter{})
	if err != nil {
		return k, err
	}
	for _, r := range risks {
		k.risks[strings.ToLower(r.Code)] = r.Code
	}
	return k, nil
}

// roadmapRow is one valid row of an uploaded roadmap and its line.
type roadmapRow struct {
	line int
	in   analytics.Initiative
}

// parseRoadmapCSV reads an uploaded roadmap: the initiatives of the rows
// that are valid, and for the others their line and every reason. err is
// a file that cannot be read as a roadmap at all.
func parseRoadmapCSV(r io.Reader, known roadmapKnown) ([]roadmapRow, []views.RejectRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("the file is empty")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("the file is not CSV: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[ingest.NormHeader(h)] = i
	}
	for _, need := range []string{"title", "owner", "start_quarter", "end_quarter", "status", "kpi", "target_kind", "target"} {
		if _, ok := col[need]; !ok {
			return nil, nil, fmt.Errorf("the header lacks the %q column (columns: %s)", strings.ReplaceAll(need, "_", " "),
				strings.Join(roadmapCSVHeader[:12], ", "))
		}
	}
	var (
		rows    []roadmapRow
		rejects []views.RejectRow
		codes   = map[string]int{}
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			rejects = append(rejects, views.RejectRow{Line: line, Reason: "not CSV: " + err.Error()})
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(csvUnsafe(rec[i]))
			}
			return ""
		}
		v := views.InitiativeValues{Title: get("title"), Description: get("description"), Owner: get("owner"),
			StartQuarter: get("start_quarter"), EndQuarter: get("end_quarter"), Status: get("status"), KPI: get("kpi"),
			TargetKind: get("target_kind"), Target: get("target")}
		var reasons []string
		var services, risks []string
		for _, s := range strings.Split(get("services"), ";") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			} else if name, ok := known.services[strings.ToLower(s)]; ok {
				services = append(services, name)
			} else {
				reasons = append(reasons, fmt.Sprintf("services: no service %q in the catalogue", s))
			}
		}
		for _, c := range strings.Fields(strings.ReplaceAll(get("risks"), ",", " ")) {
			if code, ok := known.risks[strings.ToLower(c)]; ok {
				risks = append(risks, code)
			} else {
				reasons = append(reasons, fmt.Sprintf("risks: no risk %s in the register", c))
			}
		}
		// As the store keeps them, so the preview's diff is the store's.
		slices.Sort(services)
		slices.Sort(risks)
		in, errs := readInitiative(v, slices.Compact(services), slices.Compact(risks))
		in.Code = strings.ToUpper(get("code"))
		if in.Code != "" {
			if first, dup := codes[in.Code]; dup {
				reasons = append(reasons, fmt.Sprintf("code: %s is also on line %d", in.Code, first))
			}
			codes[in.Code] = line
		}
		for _, f := range analytics.InitiativeFields {
			if m, ok := errs[f]; ok {
				reasons = append(reasons, strings.ReplaceAll(f, "_", " ")+": "+m)
			}
		}
		if len(reasons) > 0 {
			rejects = append(rejects, views.RejectRow{Line: line, Reason: strings.Join(reasons, "; ")})
			continue
		}
		rows = append(rows, roadmapRow{line: line, in: in})
	}
	return rows, rejects, nil
}

// limitRoadmapUploads caps the upload and confirm bodies before any middleware (the CSRF
// check parses the form) reads it.
func limitRoadmapUploads(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodPost || (req.URL.Path != "/roadmap/import" && req.URL.Path != "/roadmap/import/confirm") {
			return next(c)
		}
		// Form encoding of the confirm step's payload can triple its size.
		if err := capBody(c, 4*maxRoadmapUpload+64<<10, userError{http.StatusRequestEntityTooLarge, "The roadmap file is larger than 1 MiB."}); err != nil {
			return err
		}
		return next(c)
	}
}
