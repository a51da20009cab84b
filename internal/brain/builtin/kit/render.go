package kit

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"
	"text/template"
)

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	"join":    strings.Join,
	"lower":   strings.ToLower,
	"upper":   strings.ToUpper,
	"trim":    strings.TrimSpace,
	"quote":   func(s string) string { return fmt.Sprintf("%q", s) },
	"indent":  indent,
	"default": func(def, v string) string { return map[bool]string{true: def, false: v}[v == ""] },
}

// Render executes the template at templates/<name> in fsys (a specialist's
// embedded templates) with data.
func Render(fsys fs.FS, name string, data any) ([]byte, error) {
	return RenderDelims(fsys, name, data, "{{", "}}")
}

// RenderDelims is Render with other action delimiters, for templates whose
// output holds {{ }} of its own (Helm charts).
func RenderDelims(fsys fs.FS, name string, data any, left, right string) ([]byte, error) {
	src, err := fs.ReadFile(fsys, "templates/"+name)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	t, err := template.New(name).Delims(left, right).Funcs(funcs).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// indent prefixes every non-empty line of s with n spaces.
func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}
