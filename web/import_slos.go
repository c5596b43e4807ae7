package web

import (
	"strconv"
	"strings"

	"sreport/analytics/store"
	"sreport/views"
)

// sloChangeTable shows what an import of SLO definitions (OpenSLO, Sloth)
// does to each SLO: created, updated (with the fields that change) or
// unchanged, so a re-import visibly changes nothing.
func sloChangeTable(changes []store.SLOChange, future bool) views.Table {
	t := views.Table{TestID: "slo-changes", Caption: "SLO definitions",
		Columns: []views.Column{{Label: "Line", Numeric: true}, {Label: "Service"}, {Label: "SLO"}, {Label: "Change"}, {Label: "Details"}}}
	for _, c := range changes {
		words := map[string]string{"create": "created", "update": "changed", "unchanged": "unchanged"}
		if future {
			words = map[string]string{"create": "would be created", "update": "would change", "unchanged": "unchanged"}
		}
		action := words[c.Action]
		t.Rows = append(t.Rows, []views.Cell{{Text: strconv.Itoa(c.Line), Class: "num"}, {Text: c.Service}, {Text: c.Name},
			{Text: action, TestID: "slo-action"}, {Text: strings.Join(c.Changes, " · ")}})
	}
	return t
}
