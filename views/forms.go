package views

import "sort"

// FieldError is one invalid field of a form as the error summary lists it:
// the input's id (the summary links to it), its label and the message.
type FieldError struct {
	ID      string
	Label   string
	Message string
}

// FieldID is the id of a form's input named name; prefix keeps the ids of
// two forms on one page apart.
func FieldID(prefix, name string) string { return prefix + "-" + name }

// ErrorList orders errs (keyed by field name) as the form shows its fields:
// fields lists name, label pairs in form order; an error of a field not
// listed (a form-wide message) comes last under its own name.
func ErrorList(prefix string, errs map[string]string, fields ...string) []FieldError {
	if len(errs) == 0 {
		return nil
	}
	out := make([]FieldError, 0, len(errs))
	seen := map[string]bool{}
	for i := 0; i+1 < len(fields); i += 2 {
		if msg := errs[fields[i]]; msg != "" {
			out = append(out, FieldError{ID: FieldID(prefix, fields[i]), Label: fields[i+1], Message: msg})
		}
		seen[fields[i]] = true
	}
	var rest []string
	for name, msg := range errs {
		if !seen[name] && msg != "" {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		out = append(out, FieldError{ID: FieldID(prefix, name), Label: name, Message: errs[name]})
	}
	return out
}

// fieldsNeedFixing is the error summary's heading.
func fieldsNeedFixing(n int) string {
	if n == 1 {
		return "Not saved: 1 field needs fixing"
	}
	return "Not saved: " + itoa(n) + " fields need fixing"
}

func dueHint(computed string) string {
	if computed == "" {
		return ""
	}
	return " · computed from severity and settings: " + computed
}

// ariaInvalid is an input's aria-invalid value; a bare attribute would
// read as the empty string, which ARIA treats as "false".
func ariaInvalid(invalid bool) string {
	if invalid {
		return "true"
	}
	return "false"
}

// resetNote tells the admin what a password reset did.
func resetNote(r CreatedUser) string {
	ended := "their sessions were ended"
	if r.TokensRevoked {
		ended = "their sessions were ended and their API tokens revoked"
	}
	return "Reset the password of " + r.Email + ": " + ended + ". This temporary password is shown only now; pass it on securely. " +
		"It opens one page, where they must choose their own password:"
}

// programErrors lists a program record form's invalid fields in form order.
func programErrors(fields []ProgramField) []FieldError {
	var out []FieldError
	for _, f := range fields {
		if f.Error != "" {
			out = append(out, FieldError{ID: FieldID("f", f.Key), Label: f.Label, Message: f.Error})
		}
	}
	return out
}

// settingErrors lists the KPI settings form's invalid fields in form order.
func settingErrors(groups ...[]SettingField) []FieldError {
	var out []FieldError
	for _, fs := range groups {
		for _, f := range fs {
			if f.Error != "" {
				out = append(out, FieldError{ID: FieldID("set", f.Key), Label: f.Label, Message: f.Error})
			}
		}
	}
	return out
}

// targetErrors lists the tier target grid's invalid cells row by row,
// each labelled with its KPI and tier.
func targetErrors(g TargetGrid) []FieldError {
	var out []FieldError
	for _, r := range g.Rows {
		if r.DirError != "" {
			out = append(out, FieldError{ID: FieldID("grid", r.DirName), Label: "Direction of " + r.Label, Message: r.DirError})
		}
		for i, c := range r.Cells {
			if c.Error != "" && i < len(g.Tiers) {
				out = append(out, FieldError{ID: FieldID("grid", c.Name), Label: r.Label + " target, " + g.Tiers[i], Message: c.Error})
			}
		}
	}
	return out
}

// bandErrors lists the DORA band grid's invalid cells row by row.
func bandErrors(g BandGrid) []FieldError {
	var out []FieldError
	for _, r := range g.Rows {
		for i, c := range r.Cells {
			if c.Error != "" && i < len(g.Bands) {
				out = append(out, FieldError{ID: FieldID("grid", c.Name), Label: r.Label + " " + g.Bands[i], Message: c.Error})
			}
		}
	}
	return out
}
