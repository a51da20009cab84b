package kit

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/validate"
	"gopkg.in/yaml.v3"
)

// ciPlainRE matches the characters a plain scalar may hold.
var ciPlainRE = regexp.MustCompile(`^[A-Za-z0-9_./$~][A-Za-z0-9 _./@:+=,${}()|&!'*<>\[\]-]*$`)

// YAMLScalar renders s as a single-line YAML scalar: plain when that reads back as
// the same string, double-quoted otherwise.
func YAMLScalar(s string) string {
	if YAMLPlainSafe(s) {
		return s
	}
	b, _ := json.Marshal(s) // a JSON string is a valid YAML double-quoted scalar
	return string(b)
}

// YAMLPlainSafe reports whether s reads back as the same string when
// written as a plain (unquoted) YAML scalar.
func YAMLPlainSafe(s string) bool {
	if s == "" || !ciPlainRE.MatchString(s) || strings.HasSuffix(s, " ") || strings.HasSuffix(s, ":") ||
		strings.Contains(s, ": ") || strings.Contains(s, " #") {
		return false
	}
	// Flow indicators outside an expression would start a flow collection.
	if strings.ContainsAny(s, "[]") || (strings.ContainsAny(s, "{}") && !strings.HasPrefix(s, "${{")) {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~":
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return false
	}
	if _, err := strconv.ParseInt(s, 0, 64); err == nil {
		return false
	}
	return true
}

// MapValue returns the value node of key in a mapping node, or nil.
func MapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// KeepOrPut writes a file unless the workspace already has one at that
// path that passes the gate with no errors: that one is kept. A failing one
// is replaced, and the note says why. The Kubernetes and monitoring
// specialists share it.
func KeepOrPut(ws fs.FS, cs *change.ChangeSet, p string, content []byte, note string) error {
	old, err := ReadOptional(ws, p)
	if err != nil {
		return err
	}
	if old != nil {
		errs := validate.Errors(validate.CheckFile(p, old, validate.Options{}))
		if len(errs) == 0 {
			return nil
		}
		note = "replaced the existing file because the gate found " + DescribeFindings(errs) + "; " + note
	}
	cs.Put(p, content, old, note)
	return nil
}
