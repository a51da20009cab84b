package validate

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// YAML helpers shared by the Compose, Kubernetes, Prometheus and generic
// YAML checks: multi-document decoding, error positions, and lookups on
// yaml.v3 nodes that keep line and column.

// yamlDocs decodes every document of a YAML stream into nodes. Node lines
// and columns count from the start of the stream.
func yamlDocs(content []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(content))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		docs = append(docs, &n)
	}
}

var yamlLineRe = regexp.MustCompile(`line (\d+)`)

// yamlErrLine returns the line a yaml.v3 error names, or 0.
func yamlErrLine(err error) int {
	if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// yamlErrText shortens a yaml.v3 error to one line without the "yaml:" prefix.
func yamlErrText(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.Join(strings.Fields(s), " ")
}

// ynRoot returns the top mapping or sequence of a document node.
func ynRoot(doc *yaml.Node) *yaml.Node {
	if doc != nil && doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return ynDeref(doc.Content[0])
	}
	return ynDeref(doc)
}

// ynDeref follows an alias to the node it names.
func ynDeref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// ynGet returns the key node and value node of a key in a mapping, or nils.
// Merge keys (<<) are followed one level.
func ynGet(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	m = ynDeref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i].Tag != "!!merge" {
			return m.Content[i], ynDeref(m.Content[i+1])
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag == "!!merge" {
			v := ynDeref(m.Content[i+1])
			if v != nil && v.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(v.Content); j += 2 {
					if v.Content[j].Value == key {
						return v.Content[j], ynDeref(v.Content[j+1])
					}
				}
			}
		}
	}
	return nil, nil
}

// ynPath walks nested mapping keys and returns the last value node.
func ynPath(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		_, n = ynGet(n, k)
		if n == nil {
			return nil
		}
	}
	return n
}

// ynPairs returns the key/value pairs of a mapping in order.
func ynPairs(m *yaml.Node) [][2]*yaml.Node {
	m = ynDeref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make([][2]*yaml.Node, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag == "!!merge" {
			continue
		}
		out = append(out, [2]*yaml.Node{m.Content[i], ynDeref(m.Content[i+1])})
	}
	return out
}

// ynScalar returns the value of a scalar node and whether it is one.
func ynScalar(n *yaml.Node) (string, bool) {
	n = ynDeref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	return n.Value, true
}

// ynTrue reports whether a node is the boolean true.
func ynTrue(n *yaml.Node) bool {
	s, ok := ynScalar(n)
	return ok && (s == "true" || s == "True" || s == "TRUE")
}

// ynFindKey returns the first key node named key anywhere under n, depth
// first, or nil.
func ynFindKey(n *yaml.Node, key string) *yaml.Node {
	n = ynDeref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i]
			}
		}
	}
	if n.Kind == yaml.AliasNode {
		return nil
	}
	for _, c := range n.Content {
		if k := ynFindKey(c, key); k != nil {
			return k
		}
	}
	return nil
}

// ynLine returns a node's line and column, or 0, 0 for nil.
func ynLine(n *yaml.Node) (int, int) {
	if n == nil {
		return 0, 0
	}
	return n.Line, n.Column
}
