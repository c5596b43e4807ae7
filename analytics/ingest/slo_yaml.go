package ingest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"sreport/analytics"
	"sreport/analytics/imports"
)

// DefaultSLOWindowDays is the rolling window of an OpenSLO definition
// without a timeWindow (the slos table's default).
const DefaultSLOWindowDays = 28

// SlothWindowDays is Sloth's default SLO period (sloth generate
// --default-slo-period=30d); Sloth files do not carry their window.
const SlothWindowDays = 30

var (
	openSLOHead = regexp.MustCompile(`(?m)^\s*apiVersion:\s*["']?openslo/`)
	slothHead   = regexp.MustCompile(`(?m)^(version:\s*["']?prometheus/v1["']?|kind:\s*["']?PrometheusServiceLevel["']?)\s*$`)
)

// yamlDocs decodes every document of a YAML stream, calling fn with each
// non-empty document's root node. The decoder holds a whole document, so
// each may be at most MaxYAMLDocumentBytes; with whole set, the documents
// together may (for a caller that keeps every document until the end).
func yamlDocs(in *bufio.Reader, whole bool, fn func(root *yaml.Node)) error {
	budget := &recordBudget{r: in, max: MaxYAMLDocumentBytes}
	dec := yaml.NewDecoder(budget)
	for doc := 0; ; doc++ {
		if !whole {
			budget.mark()
		}
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if budget.err != nil {
			// The decoder reports a reader's error as text only.
			if le, ok := budget.err.(*LimitError); ok && le.What == LimitRecord {
				return &LimitError{What: LimitYAMLDocument, Limit: le.Limit}
			}
			return budget.err
		}
		if err != nil {
			return fmt.Errorf("YAML document %d: %w", doc+1, err)
		}
		root := &n
		if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
			root = root.Content[0]
		}
		if root.Kind == yaml.MappingNode {
			fn(root)
		}
	}
}

// yamlPath follows mapping keys from n; nil when one is missing.
func yamlPath(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		n = yamlValue(n, k)
	}
	return n
}

// yamlText is the scalar at a path ("" if absent or not a scalar).
func yamlText(n *yaml.Node, keys ...string) string {
	if v := yamlPath(n, keys...); v != nil && v.Kind == yaml.ScalarNode {
		return strings.TrimSpace(v.Value)
	}
	return ""
}

// yamlItems is the sequence at a path (nil if absent or not a sequence).
func yamlItems(n *yaml.Node, keys ...string) []*yaml.Node {
	if v := yamlPath(n, keys...); v != nil && v.Kind == yaml.SequenceNode {
		return v.Content
	}
	return nil
}

// addSLO checks a definition and adds it to the batch.
func (p *parser) addSLO(line int, d analytics.SLODefinition) {
	switch {
	case d.Service == "":
		p.b.reject(line, d.Name, "SLO %q: no service", d.Name)
		return
	case d.Name == "":
		p.b.reject(line, "", "SLO without a name")
		return
	case !(d.Objective > 0 && d.Objective < 1):
		p.b.reject(line, d.Name, "SLO %q: objective %g is not between 0 and 100%% (exclusive)", d.Name, d.Objective)
		return
	}
	key := imports.SLOKey(d.Service, d.Name)
	if prev, ok := p.b.Lines[key]; ok {
		p.b.reject(line, d.Name, "SLO %q of service %q is defined twice (first at line %d)", d.Name, d.Service, prev)
		return
	}
	p.b.produced()
	p.b.Lines[key] = line
	p.b.SLOs = append(p.b.SLOs, d)
}

// openSLO reads OpenSLO v1 (and Sloth's v1alpha flavour) documents: SLO
// objects with an inline indicator or an indicatorRef to an SLI object of
// the same file. Each objective of an SLO becomes one sreport SLO (named
// "slo/objective" when there are several), since each has its own target.
func (p *parser) openSLO(in *bufio.Reader) error {
	var slos []*yaml.Node
	slis := map[string]*yaml.Node{}
	// An SLO may name an SLI defined further down: every document is kept
	// until the end, so they count together against the document cap.
	err := yamlDocs(in, true, func(root *yaml.Node) {
		api, kind := yamlScalar(root, "apiVersion"), yamlScalar(root, "kind")
		switch {
		case !strings.HasPrefix(api, "openslo/"):
			p.b.skipped("YAML documents that are not OpenSLO", fmt.Sprintf("%s at line %d", kind, root.Line))
		case api != "openslo/v1" && api != "openslo/v1alpha":
			p.b.reject(root.Line, api, "%s is not supported (OpenSLO v1 and v1alpha are)", api)
		case kind == "SLO":
			slos = append(slos, root)
		case kind == "SLI":
			slis[yamlText(root, "metadata", "name")] = yamlValue(root, "spec")
		default:
			p.b.skipped("OpenSLO objects that are not SLOs", fmt.Sprintf("%s at line %d", kind, root.Line))
		}
	})
	if err != nil {
		return err
	}
	for _, n := range slos {
		if yamlScalar(n, "apiVersion") == "openslo/v1alpha" {
			p.openSLOv1alpha(n)
		} else {
			p.openSLOv1(n, slis)
		}
	}
	if len(slos) == 0 {
		p.b.warn("no OpenSLO SLO in the file")
	}
	return nil
}

func (p *parser) openSLOv1(n *yaml.Node, slis map[string]*yaml.Node) {
	name := yamlText(n, "metadata", "name")
	spec := yamlValue(n, "spec")
	base := analytics.SLODefinition{Service: yamlText(spec, "service"), Name: name, Description: yamlText(spec, "description")}
	if err := openSLOWindow(&base, yamlItems(spec, "timeWindow")); err != nil {
		p.b.reject(n.Line, name, "SLO %q: %v", name, err)
		return
	}
	ind := yamlPath(spec, "indicator", "spec")
	if ref := yamlText(spec, "indicatorRef"); ind == nil && ref != "" {
		if ind = slis[ref]; ind == nil {
			p.b.reject(n.Line, name, "SLO %q: indicatorRef %q names no SLI in the file", name, ref)
			return
		}
	}
	objs := yamlItems(spec, "objectives")
	if len(objs) == 0 {
		p.b.reject(n.Line, name, "SLO %q: no objectives", name)
		return
	}
	for i, o := range objs {
		d := base
		if len(objs) > 1 {
			label := yamlText(o, "name")
			if label == "" {
				label = yamlText(o, "displayName")
			}
			if label == "" {
				label = strconv.Itoa(i + 1)
			}
			d.Name = name + "/" + label
		}
		oind := ind
		if x := yamlPath(o, "indicator", "spec"); x != nil {
			oind = x // composite SLOs carry the indicator per objective
		} else if ref := yamlText(o, "indicatorRef"); ref != "" {
			oind = slis[ref]
		}
		var err error
		if d.Objective, err = openSLOTarget(o); err != nil {
			p.b.reject(o.Line, d.Name, "SLO %q: %v", d.Name, err)
			continue
		}
		openSLOQueries(&d, oind)
		p.addSLO(o.Line, d)
	}
}

// openSLOTarget reads target (a ratio) or targetPercent.
func openSLOTarget(o *yaml.Node) (float64, error) {
	if t := yamlText(o, "target"); t != "" {
		return strconv.ParseFloat(t, 64)
	}
	if t := yamlText(o, "targetPercent"); t != "" {
		v, err := strconv.ParseFloat(t, 64)
		return percentRatio(v), err
	}
	return 0, errors.New("objective without target or targetPercent")
}

// percentRatio turns a percentage into a ratio without the binary
// rounding of a plain division (99.9 / 100 = 0.9990000000000001), so the
// objective stored is the one written and a re-import compares equal.
func percentRatio(p float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(p/100, 'g', 12, 64), 64)
	return r
}

var durationShorthand = regexp.MustCompile(`^(\d+)\s*([mhdwMQY])$`)

// openSLOWindow reads timeWindow: a rolling duration (in whole days, since
// SLI days are daily) or one calendar period (1d, 1w, 1M, 1Q, 1Y).
func openSLOWindow(d *analytics.SLODefinition, tw []*yaml.Node) error {
	d.WindowDays = DefaultSLOWindowDays
	if len(tw) == 0 {
		return nil
	}
	w := tw[0]
	dur := yamlText(w, "duration")
	m := durationShorthand.FindStringSubmatch(dur)
	if m == nil {
		return fmt.Errorf("time window duration %q is not a duration shorthand (e.g. 28d, 4w, 1M)", dur)
	}
	count, _ := strconv.Atoi(m[1])
	rolling := yamlText(w, "isRolling") == "true" || yamlText(w, "isRolling") == "" && yamlPath(w, "calendar") == nil
	if !rolling {
		cal := map[string]string{"d": analytics.CalendarDay, "w": analytics.CalendarWeek, "M": analytics.CalendarMonth,
			"Q": analytics.CalendarQuarter, "Y": analytics.CalendarYear}[m[2]]
		if count != 1 || cal == "" {
			return fmt.Errorf("calendar window %q: only one day, week, month, quarter or year (1d, 1w, 1M, 1Q, 1Y) is supported", dur)
		}
		d.Calendar = cal
		d.WindowDays = map[string]int{analytics.CalendarDay: 1, analytics.CalendarWeek: 7, analytics.CalendarMonth: 30,
			analytics.CalendarQuarter: 91, analytics.CalendarYear: 365}[cal]
		return nil
	}
	days := map[string]int{"d": 1, "w": 7}[m[2]] * count
	if days == 0 {
		return fmt.Errorf("rolling window %q: sreport measures SLOs by whole days (use d or w)", dur)
	}
	d.WindowDays = days
	return nil
}

// openSLOQueries keeps the ratio metric's queries. A threshold metric or a
// raw ratio has no event counts: the SLO is imported without queries.
func openSLOQueries(d *analytics.SLODefinition, ind *yaml.Node) {
	rm := yamlPath(ind, "ratioMetric")
	if rm == nil {
		return
	}
	q := func(part string) (typ, query string) {
		src := yamlPath(rm, part, "metricSource")
		typ = strings.ToLower(yamlText(src, "type"))
		for _, k := range []string{"query", "promql"} {
			if s := yamlText(src, "spec", k); s != "" {
				return typ, s
			}
		}
		return typ, ""
	}
	tt, total := q("total")
	if total == "" {
		return
	}
	gt, good := q("good")
	bt, bad := q("bad")
	if good == "" && bad == "" {
		return
	}
	d.TotalQuery, d.GoodQuery, d.BadQuery = total, good, bad
	d.QueryType = tt
	if d.QueryType == "" {
		d.QueryType = gt + bt
	}
}

// openSLOv1alpha reads Sloth's OpenSLO flavour: objectives[].ratioMetrics
// with good/total queries and timeWindows[] of count and unit.
func (p *parser) openSLOv1alpha(n *yaml.Node) {
	name := yamlText(n, "metadata", "name")
	spec := yamlValue(n, "spec")
	base := analytics.SLODefinition{Service: yamlText(spec, "service"), Name: name, Description: yamlText(spec, "description"),
		WindowDays: DefaultSLOWindowDays}
	if tw := yamlItems(spec, "timeWindows"); len(tw) > 0 {
		count, _ := strconv.Atoi(yamlText(tw[0], "count"))
		per := map[string]int{"day": 1, "week": 7}[strings.ToLower(yamlText(tw[0], "unit"))]
		if count <= 0 || per == 0 {
			p.b.reject(n.Line, name, "SLO %q: time window %s %s: only days and weeks are supported", name,
				yamlText(tw[0], "count"), yamlText(tw[0], "unit"))
			return
		}
		base.WindowDays = count * per
		if yamlText(tw[0], "isRolling") == "false" && base.WindowDays == 7 {
			base.Calendar = analytics.CalendarWeek
		}
	}
	objs := yamlItems(spec, "objectives")
	if len(objs) == 0 {
		p.b.reject(n.Line, name, "SLO %q: no objectives", name)
		return
	}
	for i, o := range objs {
		d := base
		if len(objs) > 1 {
			d.Name = fmt.Sprintf("%s/%d", name, i+1)
			if dn := yamlText(o, "displayName"); dn != "" {
				d.Name = name + "/" + dn
			}
		}
		var err error
		if d.Objective, err = openSLOTarget(o); err != nil {
			p.b.reject(o.Line, d.Name, "SLO %q: %v", d.Name, err)
			continue
		}
		if rm := yamlValue(o, "ratioMetrics"); rm != nil {
			d.GoodQuery, d.TotalQuery = yamlText(rm, "good", "query"), yamlText(rm, "total", "query")
			d.QueryType = strings.ToLower(yamlText(rm, "total", "source"))
			if d.GoodQuery == "" || d.TotalQuery == "" {
				d.GoodQuery, d.TotalQuery, d.QueryType = "", "", ""
			}
		}
		p.addSLO(o.Line, d)
	}
}

// sloth reads Sloth's prometheus/v1 spec and the Kubernetes
// PrometheusServiceLevel (sloth.slok.dev/v1), one or several documents.
// Objectives are percentages; the events SLI gives the error and total
// queries. Raw and plugin SLIs have no event counts and import without
// queries.
func (p *parser) sloth(in *bufio.Reader) error {
	found := 0
	err := yamlDocs(in, false, func(root *yaml.Node) {
		var spec *yaml.Node
		var errKey, totalKey string
		switch {
		case yamlScalar(root, "version") == "prometheus/v1":
			spec, errKey, totalKey = root, "error_query", "total_query"
		case yamlScalar(root, "kind") == "PrometheusServiceLevel":
			spec, errKey, totalKey = yamlValue(root, "spec"), "errorQuery", "totalQuery"
		default:
			p.b.skipped("YAML documents that are not Sloth SLOs", fmt.Sprintf("%s at line %d", yamlScalar(root, "kind"), root.Line))
			return
		}
		found++
		service := yamlText(spec, "service")
		for _, s := range yamlItems(spec, "slos") {
			d := analytics.SLODefinition{Service: service, Name: yamlText(s, "name"), Description: yamlText(s, "description"),
				WindowDays: SlothWindowDays}
			pct, err := strconv.ParseFloat(yamlText(s, "objective"), 64)
			if err != nil {
				p.b.reject(s.Line, d.Name, "SLO %q: objective %q is not a percentage", d.Name, yamlText(s, "objective"))
				continue
			}
			d.Objective = percentRatio(pct)
			if ev := yamlPath(s, "sli", "events"); ev != nil {
				d.BadQuery, d.TotalQuery = yamlText(ev, errKey), yamlText(ev, totalKey)
				if d.BadQuery != "" && d.TotalQuery != "" {
					d.QueryType = "prometheus"
				} else {
					d.BadQuery, d.TotalQuery = "", ""
				}
			}
			p.addSLO(s.Line, d)
		}
	})
	if err != nil {
		return err
	}
	if found == 0 {
		p.b.warn("no Sloth SLO spec in the file")
	}
	return nil
}

// sloYAMLFormat tells OpenSLO from Sloth in a YAML head ("" = neither).
func sloYAMLFormat(h []byte) string {
	h = h[:min(len(h), detectSize)]
	switch {
	case openSLOHead.Match(h):
		return "openslo"
	case slothHead.Match(h):
		return "sloth"
	}
	return ""
}
