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

	"sreport/analytics/store"
	"sreport/views"
)

// peopleColumns is the header of the on-call people file.
var peopleColumns = []string{"name", "email", "aliases"}

// exportOnCallPeopleCSV writes every on-call person as CSV, aliases
// comma-separated in one cell, text neutralised against formula injection.
// Importing the file back changes nothing.
func (h *Handler) exportOnCallPeopleCSV(c echo.Context) error {
	people, err := h.store.OnCallPeople(c.Request().Context())
	if err != nil {
		return err
	}
	w := csvAttachment(c, "sreport-oncall-people.csv")
	if err := w.Write(peopleColumns); err != nil {
		return err
	}
	for _, p := range people {
		if err := w.Write([]string{csvSafe(p.Name), csvSafe(p.Email), csvSafe(strings.Join(p.Aliases, ", "))}); err != nil {
			return err
		}
	}
	return w.Flush()
}

// importOnCallPeopleCSV imports an uploaded people file whole or not at
// all: a row whose name (or else e-mail) is a person's replaces that
// person's e-mail and aliases, the others are added; any row with an
// error refuses the file, each such row listed by its line.
func (h *Handler) importOnCallPeopleCSV(c echo.Context) error {
	ctx := c.Request().Context()
	f := views.PersonForm{Action: "/oncall/people", Heading: "Add a person", Submit: "Add person"}
	refuse := func(status int, msgs []string, rejects []views.RejectRow) error {
		people, err := h.store.OnCallPeople(ctx)
		if err != nil {
			return err
		}
		v := h.peopleView(c, people, f)
		v.ImportErrors, v.ImportRejects = msgs, rejects
		return render(c, status, views.OnCallPeoplePage(v))
	}
	data, status, problem, err := readCSVUpload(c)
	if err != nil {
		return err
	}
	if problem != "" {
		return refuse(status, []string{problem}, nil)
	}
	existing, err := h.store.OnCallPeople(ctx)
	if err != nil {
		return err
	}
	rows, lines, rejects, err := parsePeopleCSV(data, existing)
	if err != nil {
		return refuse(http.StatusUnprocessableEntity, []string{"Nothing was imported: " + err.Error() + "."}, nil)
	}
	if len(rejects) > 0 {
		return refuse(http.StatusUnprocessableEntity, nil, rejects)
	}
	if len(rows) == 0 {
		return refuse(http.StatusUnprocessableEntity, []string{"The file has a header but no people."}, nil)
	}
	res, err := h.store.ImportOnCallPeople(ctx, h.Audit(c), rows)
	if re := (*store.PersonRowError)(nil); errors.As(err, &re) && errors.Is(err, store.ErrPersonTaken) {
		return refuse(http.StatusUnprocessableEntity, nil, []views.RejectRow{{Line: lines[re.Index],
			Reason: "a name, the e-mail or an alias already belongs to another person: a responder must mean one person"}})
	}
	if err != nil {
		return err
	}
	n := fmt.Sprintf("%d added, %d updated, %d unchanged", res.Created, res.Updated, res.Unchanged)
	return c.Redirect(http.StatusSeeOther, "/oncall/people?done=imported&n="+url.QueryEscape(n))
}

// parsePeopleCSV reads a people file: its header names each of
// peopleColumns once, in any order. Each row becomes a person, with the ID
// of the existing person whose name (ignoring case), or else e-mail, it
// names; lines holds each row's line in the file. A row without a name,
// with an e-mail that is not one, or naming a person an earlier row named
// is a reject; err is a problem with the file as a whole.
func parsePeopleCSV(data []byte, existing []store.OnCallPerson) (rows []store.OnCallPerson, lines []int, rejects []views.RejectRow, err error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, nil, errors.New("the file is empty")
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("the file is not CSV: %v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; dup || !slices.Contains(peopleColumns, h) {
			return nil, nil, nil, fmt.Errorf("the header must name %s once each; %q is not one of them or is repeated", strings.Join(peopleColumns, ", "), head[i])
		}
		col[h] = i
	}
	if len(col) != len(peopleColumns) {
		return nil, nil, nil, fmt.Errorf("the header must name %s", strings.Join(peopleColumns, ", "))
	}
	byName, byEmail := map[string]int64{}, map[string]int64{}
	for _, p := range existing {
		byName[strings.ToLower(p.Name)] = p.ID
		if p.Email != "" {
			byEmail[strings.ToLower(p.Email)] = p.ID
		}
	}
	claimed := map[int64]int{} // person → the line that named them
	seen := map[string]int{}   // lower-case name → line
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("the file is not CSV: %v", err)
		}
		line, _ := r.FieldPos(0) // the row's first line
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != len(head) {
			rejects = append(rejects, views.RejectRow{Line: line, Reason: fmt.Sprintf("%d cells, the header has %d", len(rec), len(head))})
			continue
		}
		p := store.OnCallPerson{Name: strings.TrimSpace(csvUnsafe(rec[col["name"]])), Email: strings.TrimSpace(csvUnsafe(rec[col["email"]])),
			Aliases: splitAliases(csvUnsafe(rec[col["aliases"]]))}
		switch key := strings.ToLower(p.Name); {
		case p.Name == "":
			rejects = append(rejects, views.RejectRow{Line: line, Reason: "name: Enter the person's name."})
			continue
		case p.Email != "" && !strings.Contains(p.Email, "@"):
			rejects = append(rejects, views.RejectRow{Line: line, Reason: "email: Enter an e-mail address, or leave it empty."})
			continue
		case seen[key] != 0:
			rejects = append(rejects, views.RejectRow{Line: line, Reason: fmt.Sprintf("the same name as line %d", seen[key])})
			continue
		default:
			seen[key] = line
		}
		if id, ok := byName[strings.ToLower(p.Name)]; ok {
			p.ID = id
		} else if id, ok := byEmail[strings.ToLower(p.Email)]; ok && p.Email != "" {
			p.ID = id
		}
		if p.ID != 0 {
			if first, ok := claimed[p.ID]; ok {
				rejects = append(rejects, views.RejectRow{Line: line, Reason: fmt.Sprintf("the same person as line %d", first)})
				continue
			}
			claimed[p.ID] = line
		}
		rows, lines = append(rows, p), append(lines, line)
	}
	return rows, lines, rejects, nil
}
