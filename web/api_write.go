package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
)

// Write API limits: records per request and bytes per body.
const (
	maxWriteItems = 1000
	maxWriteBytes = 4 << 20
)

// writeResult is a write request's answer: what it changed, and the import
// that records it (none when nothing changed).
type writeResult struct {
	ImportID  int64    `json:"import_id,omitempty"`
	Inserted  int      `json:"inserted"`
	Updated   int      `json:"updated"`
	Unchanged int      `json:"unchanged"`
	Warnings  []string `json:"warnings"`
	Ignored   string   `json:"ignored,omitempty"`
}

// writeRejected is the 400 answer of a request of which nothing was
// written: every record's problems.
type writeRejected struct {
	Error  string             `json:"error"`
	Errors []ingest.ItemError `json:"errors,omitempty"`
}

// apiDeployments, apiIncidents and apiPages take one record or
// {"items": […]} and apply them as one import.
func (h *Handler) apiDeployments(c echo.Context) error { return h.apiWrite(c, "deploys") }
func (h *Handler) apiIncidents(c echo.Context) error   { return h.apiWrite(c, "incidents") }
func (h *Handler) apiPages(c echo.Context) error       { return h.apiWrite(c, "pages") }

func (h *Handler) apiWrite(c echo.Context, kind string) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	items, err := writeItems(body)
	if err != nil {
		return err
	}
	b, errs := ingest.ParseRecords(kind, items, ingest.Options{})
	if len(errs) > 0 {
		return rejectWrite(c, errs)
	}
	return h.applyWrite(c, b, body)
}

// readBody reads the whole (capped) request body.
func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		if tooLarge := bodyTooLarge(c); tooLarge != nil {
			return nil, tooLarge
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, userError{http.StatusRequestEntityTooLarge, "The request is too large."}
		}
		return nil, badRequest("cannot read the request body")
	}
	return body, nil
}

// writeItems splits a body into its records: one JSON object, or an object
// whose only field is "items", an array of at most maxWriteItems objects.
func writeItems(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, badRequest(`send one record as a JSON object, or {"items": [...]}`)
	}
	var wrap map[string]json.RawMessage
	if err := json.Unmarshal(body, &wrap); err != nil {
		return nil, badRequest("the body is not valid JSON: " + err.Error())
	}
	raw, ok := wrap["items"]
	if !ok {
		return []json.RawMessage{body}, nil
	}
	if len(wrap) != 1 {
		return nil, badRequest(`{"items": [...]} takes no other field; put "source" and the rest in each record`)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, badRequest(`"items" must be an array of records`)
	}
	if len(items) == 0 {
		return nil, badRequest(`"items" is empty`)
	}
	if len(items) > maxWriteItems {
		return nil, badRequest(fmt.Sprintf(`"items" holds %d records; send at most %d per request`, len(items), maxWriteItems))
	}
	return items, nil
}

func rejectWrite(c echo.Context, errs []ingest.ItemError) error {
	records := map[int]bool{}
	for _, e := range errs {
		records[e.Index] = true
	}
	return c.JSON(http.StatusBadRequest, writeRejected{
		Error:  fmt.Sprintf("nothing was written: %d record(s) are not valid", len(records)),
		Errors: errs,
	})
}

// applyWrite applies a write request's batch as one import recorded like a
// file's (history, audit, roll back), all or nothing. A request that would
// change nothing records nothing.
func (h *Handler) applyWrite(c echo.Context, b *imports.Batch, body []byte) error {
	u := currentUser(c)
	sum := sha256.Sum256(body)
	req := c.Request()
	opt := store.ApplyOptions{UserID: u.ID, Actor: u.Email, FileName: req.Method + " " + req.URL.Path,
		SHA256: hex.EncodeToString(sum[:]), SkipUnchanged: true, Audit: h.Audit(c)}
	res, err := h.store.ApplyBatch(req.Context(), b, opt)
	var ie *store.ImportError
	if errors.As(err, &ie) {
		return rejectWrite(c, storeItemErrors(ie))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, writeResult{ImportID: res.ImportID, Inserted: res.Inserted, Updated: res.Updated,
		Unchanged: res.Unchanged, Warnings: nonNilStrings(res.Warnings)})
}

// storeItemErrors turns the store's refusal into per-record errors: an
// unknown service is the record's service field, anything else the record.
// Lines of API batches are record index + 1.
func storeItemErrors(ie *store.ImportError) []ingest.ItemError {
	var out []ingest.ItemError
	unknown := map[int]bool{}
	for _, u := range ie.Unknown {
		for _, l := range u.Lines {
			unknown[l] = true
			out = append(out, ingest.ItemError{Index: l - 1, Field: "service",
				Reason: fmt.Sprintf("unknown service %q: create it or map the name to a service (Settings → Services, aliases of this source)", u.Name)})
		}
	}
	for _, e := range ie.Errors {
		if !unknown[e.Line] {
			out = append(out, ingest.ItemError{Index: e.Line - 1, Reason: e.Reason})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
