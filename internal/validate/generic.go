package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// This file holds the checks for YAML, JSON and TOML files that are no
// other known kind (they only have to parse), and the YAML node helpers the
// Compose, Kubernetes and Prometheus checks share.

var (
	ruleYAMLParse = register(Rule{
		ID: "yaml-parse", Kind: KindYAML, Severity: Error,
		Summary: "a YAML file must parse (every document of a multi-document file)",
		Help:    "fix the YAML syntax at the reported line: indentation, an unclosed quote or bracket, a tab",
	})
	ruleJSONParse = register(Rule{
		ID: "json-parse", Kind: KindJSON, Severity: Error,
		Summary: "a JSON file must parse",
		Help:    "fix the JSON syntax at the reported position: a trailing comma, a missing quote or bracket, comments",
	})
	ruleTOMLParse = register(Rule{
		ID: "toml-parse", Kind: KindTOML, Severity: Error,
		Summary: "a TOML file must parse",
		Help:    "fix the TOML syntax at the reported position: an unquoted string, a duplicate key or table",
	})
)

func init() {
	registerChecker(KindYAML, checkYAML)
	registerChecker(KindJSON, checkJSON)
	registerChecker(KindTOML, checkTOML)
}

// checkYAML parses every document of a YAML file.
func checkYAML(p string, content []byte) []Finding {
	if isHelmTemplate(p, content) {
		return nil
	}
	if _, err := yamlDocs(content); err != nil {
		return []Finding{ruleYAMLParse.at(p, yamlErrLine(err), 0, "the YAML does not parse: %s", yamlErrText(err))}
	}
	return nil
}

// checkJSON parses a JSON file: one value, nothing after it. Files that
// their tools read as JSON with comments (tsconfig.json, devcontainer.json,
// VS Code settings) may hold comments and trailing commas, and so may a
// TypeScript configuration under another name (a base.json that a
// tsconfig extends: its compilerOptions or tsconfig $schema say so).
func checkJSON(p string, content []byte) []Finding {
	if isJSONWithComments(p) {
		return parseJSON(p, stripJSONC(content))
	}
	out := parseJSON(p, content)
	if len(out) > 0 && tsconfigShaped(stripJSONC(content)) {
		return nil
	}
	return out
}

// tsconfigShaped reports whether a JSON-with-comments text parses to a
// TypeScript configuration: an object with compilerOptions, or whose
// $schema is the tsconfig schema.
func tsconfigShaped(content []byte) bool {
	var v struct {
		Schema          string          `json:"$schema"`
		CompilerOptions json.RawMessage `json:"compilerOptions"`
	}
	if json.Unmarshal(content, &v) != nil {
		return false
	}
	return len(v.CompilerOptions) > 0 || strings.Contains(v.Schema, "tsconfig")
}

// parseJSON reports where a JSON text stops being one JSON value.
func parseJSON(p string, content []byte) []Finding {
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		off := int(dec.InputOffset())
		for off < len(content) && isJSONSpace(content[off]) {
			off++
		}
		if off < len(content) {
			line, col := lineColAt(content, off)
			return []Finding{ruleJSONParse.at(p, line, col, "the JSON has more data after its first value: a file holds exactly one value")}
		}
		return nil
	}
	if errors.Is(err, io.EOF) {
		return []Finding{ruleJSONParse.at(p, 0, 0, "the JSON file is empty: write a value such as {}")}
	}
	off := int(dec.InputOffset())
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset) - 1 // Offset counts the bad byte
	}
	line, col := lineColAt(content, off)
	return []Finding{ruleJSONParse.at(p, line, col, "the JSON does not parse: %v", err)}
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// stripJSONC blanks comments and trailing commas outside strings, keeping
// every other byte where it was so that positions stay right.
func stripJSONC(in []byte) []byte {
	out := append([]byte(nil), in...)
	inStr := false
	lastComma := -1
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr, lastComma = true, -1
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			stop := len(out)
			if end := bytes.Index(out[i+2:], []byte("*/")); end >= 0 {
				stop = i + 2 + end + 2
			}
			for k := i; k < stop; k++ {
				if out[k] != '\n' {
					out[k] = ' '
				}
			}
			i = stop - 1
		case c == ',':
			lastComma = i
		case c == '}' || c == ']':
			if lastComma >= 0 {
				out[lastComma] = ' '
			}
			lastComma = -1
		case isJSONSpace(c):
		default:
			lastComma = -1
		}
	}
	return out
}

// checkTOML parses a TOML file.
func checkTOML(p string, content []byte) []Finding {
	var v map[string]any
	err := toml.Unmarshal(content, &v)
	if err == nil {
		return nil
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		return []Finding{ruleTOMLParse.at(p, row, col, "the TOML does not parse: %s", de.Error())}
	}
	return []Finding{ruleTOMLParse.at(p, 0, 0, "the TOML does not parse: %v", err)}
}

// isHelmTemplate reports whether a file looks like a Helm chart template:
// Go template text that is not YAML until rendered, so it is not parsed.
// Check renders the templates of the charts in its set (helm.go) and
// never gives them to the YAML checks; this covers a template checked
// without its chart (CheckFile, or a set without the Chart.yaml).
func isHelmTemplate(p string, content []byte) bool {
	return (strings.HasPrefix(p, "templates/") || strings.Contains(p, "/templates/")) && bytes.Contains(content, []byte("{{"))
}

// lineColAt turns a byte offset into a 1-based line and column.
func lineColAt(content []byte, off int) (int, int) {
	if off > len(content) {
		off = len(content)
	}
	if off < 0 {
		off = 0
	}
	before := content[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - bytes.LastIndexByte(before, '\n')
	return line, col
}
