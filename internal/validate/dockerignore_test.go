package validate

import (
	"strings"
	"testing"
)

func TestDockerignore(t *testing.T) {
	cases := []struct {
		name, src string
		parse     []int // lines of dockerignore-parse findings
		missing   []string
	}{
		{"complete", ".git\n.env\n", nil, nil},
		{"leading slash and glob", "/.git\n**/.env*\n", nil, nil},
		{"re-included", ".git\n.env\n!.env\n", nil, []string{".env"}},
		{"empty", "", nil, []string{".git", ".env"}},
		{"node hint", ".git\n.env\nnpm-debug.log*\n", nil, []string{"node_modules"}},
		{"node covered", ".git\n.env\nyarn-error.log\n**/node_modules\n", nil, nil},
		{"bad lines", "# c\n.git\n.env\n[\n\\\n", []int{4, 5}, nil}, // [ and a lone backslash
		{"crlf and bom", "\ufeff.git\r\n.env\r\n", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var parse []int
			var missing []string
			for _, f := range checkDockerignore(".dockerignore", []byte(c.src)) {
				switch f.Rule {
				case ruleDockerignoreParse.ID:
					parse = append(parse, f.Line)
				case ruleDockerignoreMissing.ID:
					missing = append(missing, strings.Fields(f.Message)[0])
				default:
					t.Errorf("unexpected %v", f)
				}
			}
			if fmtInts(parse) != fmtInts(c.parse) {
				t.Errorf("parse errors on lines %v, want %v", parse, c.parse)
			}
			if strings.Join(missing, ",") != strings.Join(c.missing, ",") {
				t.Errorf("missing %v, want %v", missing, c.missing)
			}
		})
	}
}

func fmtInts(xs []int) string {
	var s []string
	for _, x := range xs {
		s = append(s, itoa(x))
	}
	return strings.Join(s, ",")
}
