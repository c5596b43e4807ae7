package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics/ingest"
	"sreport/analytics/program"
	"sreport/views"
)

// maxProgramUpload caps an uploaded program file: inputs are a few
// thousand rows at most, and every form body is capped at maxFormBytes.
const maxProgramUpload = maxFormBytes - 16<<10

// exportProgramCSV writes an input's records as CSV: a header of field
// keys, text neutralised against formula injection (csvSafe), numbers
// plain. Importing the file back changes nothing.
func (h *Handler) exportProgramCSV(c echo.Context) error {
	in, err := programInput(c)
	if err != nil {
		return err
	}
	recs, err := h.store.ProgramRecords(c.Request().Context(), in)
	if err != nil {
		return err
	}
	w := csvAttachment(c, "sreport-"+in.Key+".csv")
	if err := w.Write(in.Keys()); err != nil {
		return err
	}
	for _, r := range recs {
		rec := make([]string, len(in.Fields))
		for i, f := range in.Fields {
			rec[i] = r.Values[f.Key]
			if !f.Numeric() {
				rec[i] = csvSafe(rec[i])
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	return w.Flush()
}

func (h *Handler) programImportView(c echo.Context, in program.Input) views.ProgramImportView {
	return views.ProgramImportView{Layout: h.layout(c, "Import "+strings.ToLower(in.Title), views.NavProgram),
		Action: programHref(in) + "/import", BackHref: programHref(in), Header: strings.Join(in.Keys(), ", ")}
}

// showProgramImport shows the upload form.
func (h *Handler) showProgramImport(c echo.Context) error {
	in, err := programInput(c)
	if err != nil {
		return err
	}
	return ok(c, views.ProgramImportPage(h.programImportView(c, in)))
}

// importProgramCSV imports an uploaded file whole or not at all: any row
// with an error refuses the file, listing each such row's line and reason.
func (h *Handler) importProgramCSV(c echo.Context) error {
	in, err := programInput(c)
	if err != nil {
		return err
	}
	v := h.programImportView(c, in)
	refuse := func(status int, msg string) error {
		v.Errors = []string{msg}
		return render(c, status, views.ProgramImportPage(v))
	}
	data, status, problem, err := readCSVUpload(c)
	if err != nil {
		return err
	}
	if problem != "" {
		return refuse(status, problem)
	}
	ctx := c.Request().Context()
	names, err := h.programNames(ctx)
	if err != nil {
		return err
	}
	rows, rejects, err := parseProgramCSV(in, data, names)
	if err != nil {
		return refuse(http.StatusUnprocessableEntity, err.Error())
	}
	if len(rejects) > 0 {
		v.RowErrors = rejects
		return render(c, http.StatusUnprocessableEntity, views.ProgramImportPage(v))
	}
	if len(rows) == 0 {
		return refuse(http.StatusUnprocessableEntity, "The file has a header but no records.")
	}
	res, err := h.store.ImportProgramRecords(ctx, h.Audit(c), in, rows)
	if err != nil {
		return err
	}
	n := fmt.Sprintf("%d added, %d updated, %d unchanged", res.Inserted, res.Updated, res.Unchanged)
	return c.Redirect(http.StatusSeeOther, programHref(in)+"?done=imported&n="+url.QueryEscape(n))
}

// readCSVUpload reads a form's uploaded "file" as UTF-8 text (gzip, byte
// order marks and windows-1252 undone) of at most maxProgramUpload bytes.
// problem, with its status, is what to tell the user when the upload is
// unusable; err is an error for the error handler (a body over the limit).
func readCSVUpload(c echo.Context) (data []byte, status int, problem string, err error) {
	fh, err := c.FormFile("file")
	if err != nil {
		if tooLarge := bodyTooLarge(c); tooLarge != nil {
			return nil, 0, "", tooLarge
		}
		return nil, http.StatusUnprocessableEntity, "Choose a CSV file to upload.", nil
	}
	f, err := fh.Open()
	if err != nil {
		return nil, 0, "", err
	}
	defer f.Close()
	text, err := ingest.DecodeText(io.LimitReader(f, maxProgramUpload+1))
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(text, maxProgramUpload+1))
	}
	if err != nil {
		return nil, http.StatusUnprocessableEntity, "The file is not readable: " + err.Error(), nil
	}
	if len(data) > maxProgramUpload {
		return nil, http.StatusRequestEntityTooLarge, "The file is larger than 1 MiB.", nil
	}
	return data, 0, "", nil
}

// parseProgramCSV reads a program file: its header must name every field
// of in once; each row is normalised, and one that fails, or repeats an
// earlier row's natural key, becomes a reject with its line. err is a
// problem with the file as a whole.
func parseProgramCSV(in program.Input, data []byte, names program.Names) ([]program.Values, []views.RejectRow, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("the file is empty")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("the header is not CSV: %w", err)
	}
	col := map[string]int{}
	var unknown []string
	for i, hname := range head {
		k := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(hname, "\ufeff")))
		if _, ok := in.Field(k); !ok {
			unknown = append(unknown, hname)
			continue
		}
		if _, dup := col[k]; dup {
			return nil, nil, fmt.Errorf("the header names %s twice", k)
		}
		col[k] = i
	}
	var missing []string
	for _, k := range in.Keys() {
		if _, ok := col[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(unknown) > 0 || len(missing) > 0 {
		msg := "The header must name the columns " + strings.Join(in.Keys(), ", ") + "."
		if len(missing) > 0 {
			msg += " Missing: " + strings.Join(missing, ", ") + "."
		}
		if len(unknown) > 0 {
			msg += " Not known: " + strings.Join(unknown, ", ") + "."
		}
		return nil, nil, errors.New(msg)
	}
	var (
		out     []program.Values
		rejects []views.RejectRow
		seen    = map[string]int{}
	)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			rejects = append(rejects, views.RejectRow{Line: line, Reason: "not valid CSV: " + err.Error()})
			if !errors.Is(err, csv.ErrFieldCount) {
				break // the reader cannot resynchronise after a quoting error
			}
			continue
		}
		if !slices.ContainsFunc(rec, func(s string) bool { return strings.TrimSpace(s) != "" }) {
			continue // a blank line
		}
		raw := map[string]string{}
		for k, i := range col {
			if i < len(rec) {
				raw[k] = csvUnsafe(rec[i])
			}
		}
		vals, errs := in.Normalise(raw, names)
		if len(errs) > 0 {
			var reasons []string
			for _, f := range in.Fields {
				if m := errs[f.Key]; m != "" {
					reasons = append(reasons, f.Key+": "+m)
				}
			}
			rejects = append(rejects, views.RejectRow{Line: line, Reason: strings.Join(reasons, " ")})
			continue
		}
		key := in.NaturalKey(vals)
		if first, dup := seen[key]; dup {
			rejects = append(rejects, views.RejectRow{Line: line, Reason: fmt.Sprintf("the same %s as line %d", naturalLabels(in), first)})
			continue
		}
		seen[key] = line
		out = append(out, vals)
	}
	return out, rejects, nil
}
