package mode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/devops-lead/devops-lead/internal/suggest"
	"gopkg.in/yaml.v3"
)

// MaxFileSize is the largest mode file read, in bytes.
const MaxFileSize = 64 << 10

// knownKeys are the front matter keys a mode file may use, in the order
// they are documented.
var knownKeys = []string{"slug", "name", "description", "level", "delegates_to", "escalates_to", "writes", "model", "tags"}

// listKeys are the keys whose value is a list of strings.
var listKeys = map[string]bool{"delegates_to": true, "escalates_to": true, "writes": true, "tags": true}

// Parse parses one mode file: front matter between a first line "---" and
// the next "---" line, decoded strictly (unknown or repeated keys are
// errors), then the Markdown body. name is used as the mode's Source and
// in errors. Parse also checks the mode on its own (required fields, slug
// form, level, globs); checks that need the whole set are left to New and
// Load. The error, if any, joins *Problem values with file and line.
func Parse(name string, data []byte) (*Mode, error) {
	m, ps := parse(name, data)
	if m != nil {
		ps = append(ps, checkMode(m)...)
	}
	if len(ps) > 0 {
		return nil, join(ps)
	}
	return m, nil
}

// parse decodes a mode file. It returns a nil mode when the file cannot be
// decoded at all, and a mode plus problems when only some keys are wrong
// (so a set check can still see it).
func parse(name string, data []byte) (*Mode, []*Problem) {
	at := func(line int, format string, args ...any) []*Problem {
		return []*Problem{{File: name, Line: line, Message: fmt.Sprintf(format, args...)}}
	}
	if len(data) > MaxFileSize {
		return nil, at(0, "is %d bytes; a mode file may be at most %d bytes (64 KiB): shorten it", len(data), MaxFileSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, at(0, "is not valid UTF-8 text: save it as UTF-8")
	}
	front, body, closeLine, ok := split(data)
	if !ok {
		if closeLine == 0 {
			return nil, at(1, "must start with a line \"---\" that opens the YAML front matter")
		}
		return nil, at(1, "front matter opened here is never closed: add a line \"---\" after the last key")
	}

	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(front)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlProblems(name, err)
	}
	var root *yaml.Node
	if len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if root == nil || (root.Kind == yaml.ScalarNode && root.Tag == "!!null") {
		return nil, at(1, "front matter is empty: add at least slug, name, description and level")
	}
	if root.Kind != yaml.MappingNode {
		return nil, at(root.Line, "front matter must be a mapping of keys (slug: ..., name: ...), not a %s", kindName(root))
	}

	m := &Mode{Source: name, lines: map[string]int{"": 1}}
	var ps []*Problem
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if prev, dup := seen[key]; dup {
			ps = append(ps, at(k.Line, "key %q is repeated (first on line %d): keep one", key, prev)...)
			continue
		}
		seen[key] = k.Line
		if !isKnownKey(key) {
			hint := ""
			if s := suggest.Nearest(key, knownKeys, 3); s != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			ps = append(ps, at(k.Line, "unknown key %q%s; known keys: %s", key, hint, strings.Join(knownKeys, ", "))...)
			continue
		}
		m.lines[key] = k.Line
		if listKeys[key] {
			switch {
			case v.Kind == yaml.SequenceNode:
				for j, item := range v.Content {
					m.lines[key+"."+strconv.Itoa(j)] = item.Line
					if item.Kind != yaml.ScalarNode {
						ps = append(ps, at(item.Line, "%s item %d must be a string, not a %s", key, j+1, kindName(item))...)
					}
				}
			case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			default:
				ps = append(ps, at(v.Line, "%s must be a list (for example [a, b] or one \"- item\" per line), not a %s", key, kindName(v))...)
			}
		} else if v.Kind != yaml.ScalarNode {
			ps = append(ps, at(v.Line, "%s must be a single string, not a %s", key, kindName(v))...)
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}

	// Decode strictly into the struct; the walk above already caught
	// unknown keys and wrong shapes, so this reports what remains.
	dec := yaml.NewDecoder(bytes.NewReader(front))
	dec.KnownFields(true)
	if err := dec.Decode(m); err != nil {
		return nil, yamlProblems(name, err)
	}
	m.Body = body
	if strings.TrimSpace(body) == "" {
		ps = append(ps, at(closeLine, "has no body: write the mode's role and instructions in Markdown after this line")...)
	}
	return m, ps
}

// split cuts data into the front matter (including the opening "---"
// line, so YAML line numbers are file line numbers), the body, and the
// line number of the closing "---". ok is false when there is no opening
// line (closeLine 0) or no closing line (closeLine -1).
func split(data []byte) (front []byte, body string, closeLine int, ok bool) {
	line, rest, found := bytes.Cut(data, []byte("\n"))
	if strings.TrimRight(string(line), "\r \t") != "---" {
		return nil, "", 0, false
	}
	if !found {
		return nil, "", -1, false
	}
	off := len(line) + 1
	n := 1
	for len(rest) > 0 {
		n++
		line, next, _ := bytes.Cut(rest, []byte("\n"))
		if strings.TrimRight(string(line), "\r \t") == "---" {
			body := strings.TrimLeft(string(next), "\r\n")
			return data[:off], strings.TrimRight(body, " \t\r\n") + "\n", n, true
		}
		off += len(line) + 1
		rest = next
	}
	return nil, "", -1, false
}

// yamlLine matches the "line N: message" parts of yaml.v3 errors.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlProblems turns a yaml.v3 error into problems with file lines.
func yamlProblems(name string, err error) []*Problem {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var ps []*Problem
	for _, msg := range msgs {
		p := &Problem{File: name, Message: "invalid YAML front matter: " + strings.TrimPrefix(msg, "yaml: "), Err: err}
		if sm := yamlLine.FindStringSubmatch(strings.TrimSpace(msg)); sm != nil {
			p.Line, _ = strconv.Atoi(sm[1])
			p.Message = "invalid YAML front matter: " + sm[2]
		}
		ps = append(ps, p)
	}
	return ps
}

func isKnownKey(key string) bool {
	for _, k := range knownKeys {
		if k == key {
			return true
		}
	}
	return false
}

// kindName names a YAML node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "alias"
	case yaml.ScalarNode:
		return "scalar"
	}
	return "document"
}
