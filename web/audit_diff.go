package web

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"sreport/views"
)

// auditChanges turns an audit row's before and after JSON into the fields
// that differ, each with its value before and after ("—" for none): one
// changed target out of 48 is one line, not two dumps to compare by eye.
// Objects are walked by key; a list of objects is keyed by its elements'
// identifying fields (tier and KPI of a target, code of a risk, …) so a
// reordered list is no change; a list of plain values is one value.
func auditChanges(before, after string) []views.AuditChange {
	b, a := flattenJSON(before), flattenJSON(after)
	paths := make([]string, 0, len(a)+len(b))
	seen := map[string]bool{}
	for _, m := range []map[string]string{b, a} {
		for p := range m {
			if !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
	}
	sort.Strings(paths)
	var out []views.AuditChange
	for _, p := range paths {
		bv, hasB := b[p]
		av, hasA := a[p]
		if hasA == hasB && av == bv {
			continue
		}
		if !hasB {
			bv = "—"
		}
		if !hasA {
			av = "—"
		}
		out = append(out, views.AuditChange{Field: p, Before: bv, After: av})
	}
	return out
}

// flattenJSON maps each leaf of a JSON document to its text by path; an
// empty or malformed document is empty (the raw text stays on the page).
func flattenJSON(doc string) map[string]string {
	out := map[string]string{}
	if strings.TrimSpace(doc) == "" {
		return out
	}
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return out
	}
	flattenValue(v, "", out)
	return out
}

func flattenValue(v any, path string, out map[string]string) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + " · " + k
	}
	key := func(k string) string { return strings.ReplaceAll(k, "_", " ") }
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			flattenValue(e, join(key(k)), out)
		}
	case []any:
		labels, ok := elementLabels(x)
		if !ok {
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = scalarText(e)
			}
			out[orRoot(path)] = strings.Join(parts, ", ")
			return
		}
		for i, e := range x {
			flattenValue(e, join(labels[i]), out)
		}
	default:
		out[orRoot(path)] = scalarText(x)
	}
}

func orRoot(path string) string {
	if path == "" {
		return "value"
	}
	return path
}

// identityKeys are the fields that name a list element, in label order.
var identityKeys = []string{"code", "email", "name", "source", "alias", "metric", "band", "tier", "kpi", "id"}

// elementLabels names each element of a list of objects by its identifying
// fields ("tier 0 mttr_minutes"); ok is false for other lists, or when two
// elements would get the same name (then positions would be guesses).
func elementLabels(list []any) ([]string, bool) {
	if len(list) == 0 {
		return nil, false
	}
	labels := make([]string, len(list))
	seen := map[string]bool{}
	for i, e := range list {
		obj, isObj := e.(map[string]any)
		if !isObj {
			return nil, false
		}
		var parts []string
		for _, k := range identityKeys {
			if val, has := obj[k]; has {
				if _, nested := val.(map[string]any); !nested {
					parts = append(parts, k+" "+scalarText(val))
				}
			}
		}
		if len(parts) == 0 {
			parts = []string{"#" + strconv.Itoa(i+1)}
		}
		labels[i] = strings.Join(parts, " ")
		if seen[labels[i]] {
			return nil, false
		}
		seen[labels[i]] = true
	}
	return labels, true
}

func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		return x
	case bool:
		return yesNo(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// auditActionLabel and auditEntityLabel name an audit row's action and
// entity in words: a sign-in is "signed in" by "user #2", not "login" on
// "sessions #2".
func auditActionLabel(action, entity string) string {
	switch {
	case entity == "sessions" && action == "login":
		return "signed in"
	case entity == "sessions" && action == "logout":
		return "signed out"
	}
	switch action {
	case "set_password":
		return "set password"
	case "change_password":
		return "changed own password"
	case "reset_password":
		return "reset password"
	case "set_role":
		return "changed role"
	}
	return strings.ReplaceAll(action, "_", " ")
}

func auditEntityLabel(entity, id string) string {
	name := strings.ReplaceAll(entity, "_", " ")
	switch entity {
	case "sessions", "users":
		name = "user"
	case "incident_overrides":
		name = "incident"
	}
	if id == "" {
		return name
	}
	if _, err := strconv.ParseInt(id, 10, 64); err == nil {
		return name + " #" + id
	}
	return name + " " + id
}
