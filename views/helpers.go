package views

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }

func ariaSort(s string) string {
	switch s {
	case "asc":
		return "ascending"
	case "desc":
		return "descending"
	}
	return "none"
}

// boolAttr renders a flag for a data- attribute: "true" or "false".
func boolAttr(b bool) string { return strconv.FormatBool(b) }
