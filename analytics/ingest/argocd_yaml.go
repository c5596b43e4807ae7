package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// argocdYAML reads Argo CD Applications as kubectl writes them: one
// Application (kubectl get application NAME -o yaml), a List of them
// (kubectl get applications -o yaml), or several documents separated by
// "---". Documents are decoded one at a time; each Application goes
// through the same mapping as argocd-app's JSON. A document is parsed
// whole, so each may be at most MaxYAMLDocumentBytes long.
func (p *parser) argocdYAML(in *bufio.Reader) error {
	apps := 0
	err := yamlDocs(in, false, func(root *yaml.Node) {
		kind := yamlScalar(root, "kind")
		items := yamlValue(root, "items")
		switch {
		case items != nil && items.Kind == yaml.SequenceNode:
			for _, it := range items.Content {
				if p.argoYAMLApp(it) {
					apps++
				}
				if p.b.over != nil {
					return // a limit: the parse ends with it
				}
			}
		case strings.EqualFold(kind, "Application") || kind == "" && yamlValue(root, "status") != nil:
			if p.argoYAMLApp(root) {
				apps++
			}
		default:
			p.b.skipped("YAML documents that are not Argo CD Applications", fmt.Sprintf("%s at line %d", kind, root.Line))
		}
	})
	if err != nil {
		return err
	}
	if apps == 0 {
		p.b.warn("no Argo CD Application in the file")
	}
	return nil
}

// argoYAMLApp maps one Application node; false when it is not one.
func (p *parser) argoYAMLApp(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode {
		p.b.reject(n.Line, "", "list item is not an object")
		return false
	}
	if k := yamlScalar(n, "kind"); k != "" && !strings.EqualFold(k, "Application") {
		p.b.skipped("list items that are not Argo CD Applications", fmt.Sprintf("%s at line %d", k, n.Line))
		return false
	}
	var buf bytes.Buffer
	if err := yamlToJSON(&buf, n); err != nil {
		if isLimit(err) {
			p.b.stop(err)
			return false
		}
		p.b.reject(n.Line, "", "application: %v", err)
		return false
	}
	p.argoApp(json.RawMessage(buf.Bytes()), n.Line)
	return true
}

// yamlValue returns the value node of key in a mapping node.
func yamlValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func yamlScalar(m *yaml.Node, key string) string {
	if v := yamlValue(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// yamlToJSON writes a YAML node as JSON. Scalars keep their text: numbers
// stay numbers only when the text is a JSON number (a revision such as
// 12e4567 is not read as a float), timestamps and everything else become
// strings. Aliases are expanded, so a few lines of anchors can stand for
// gigabytes (a "billion laughs"): the JSON of one Application may be at
// most MaxRecordBytes.
func yamlToJSON(w *bytes.Buffer, n *yaml.Node) error {
	if w.Len() > MaxRecordBytes {
		return &LimitError{What: LimitRecord, Limit: MaxRecordBytes, Line: n.Line}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			w.WriteString("null")
			return nil
		}
		return yamlToJSON(w, n.Content[0])
	case yaml.AliasNode:
		if n.Alias == nil {
			return errors.New("dangling YAML alias")
		}
		return yamlToJSON(w, n.Alias)
	case yaml.MappingNode:
		w.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				w.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			w.Write(k)
			w.WriteByte(':')
			if err := yamlToJSON(w, n.Content[i+1]); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	case yaml.SequenceNode:
		w.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := yamlToJSON(w, c); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			w.WriteString("null")
		case "!!bool":
			if b, err := strconv.ParseBool(strings.ToLower(n.Value)); err == nil {
				w.WriteString(strconv.FormatBool(b))
				return nil
			}
			fallthrough
		case "!!int", "!!float":
			if json.Valid([]byte(n.Value)) {
				w.WriteString(n.Value)
				return nil
			}
			fallthrough
		default:
			s, _ := json.Marshal(n.Value)
			w.Write(s)
		}
	default:
		return fmt.Errorf("unsupported YAML node at line %d", n.Line)
	}
	return nil
}
