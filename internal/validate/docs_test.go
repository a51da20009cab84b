package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rulesDocPath is docs/rules.md seen from this package's directory.
var rulesDocPath = filepath.Join("..", "..", "docs", "rules.md")

// TestRulesDoc fails when docs/rules.md differs from RulesMarkdown, that is
// when a rule was added or changed without regenerating the document.
func TestRulesDoc(t *testing.T) {
	want := RulesMarkdown()
	if *update {
		if err := os.WriteFile(rulesDocPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(rulesDocPath)
	if err != nil {
		t.Fatalf("%v: run go test ./internal/validate -run TestRulesDoc -update to create it", err)
	}
	if string(got) != want {
		t.Errorf("docs/rules.md is out of date (%s): run go test ./internal/validate -run TestRulesDoc -update and commit the result",
			rulesDocDiff(string(got), want))
	}
}

// rulesDocDiff names the first line where two texts differ.
func rulesDocDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + itoa(i+1) + ": has " + rulesDocQuote(gl) + ", want " + rulesDocQuote(wl)
		}
	}
	return "same lines"
}

func rulesDocQuote(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return "\"" + s + "\""
}

func TestRulesMarkdownListsEveryRule(t *testing.T) {
	md := RulesMarkdown()
	rules := Rules()
	if len(rules) == 0 {
		t.Fatal("no rules registered")
	}
	for _, r := range rules {
		row := "| <a id=\"" + anchor(r.ID) + "\"></a>`" + r.ID + "` | " + string(r.Severity) + " | "
		if !strings.Contains(md, row) {
			t.Errorf("rule %s has no row starting %q", r.ID, row)
		}
		if !strings.Contains(md, "(`"+string(r.Kind)+"`)") {
			t.Errorf("kind %s of rule %s has no section", r.Kind, r.ID)
		}
		for _, e := range Equivalents(r) {
			if !strings.Contains(md, e) {
				t.Errorf("rule %s: equivalent %s missing", r.ID, e)
			}
		}
	}
	for _, want := range []string{"# devops-lead:ignore RULE reason", "-run TestRulesDoc -update"} {
		if !strings.Contains(md, want) {
			t.Errorf("the document lacks %q", want)
		}
	}
	if md != RulesMarkdown() {
		t.Error("RulesMarkdown is not deterministic")
	}
}

func TestMarkdownCellAndAnchor(t *testing.T) {
	if got, want := cell(" a | b\nc <d> *e* "), `a \| b c &lt;d&gt; \*e\*`; got != want {
		t.Errorf("cell = %q, want %q", got, want)
	}
	if got := cell(" "); got != "—" {
		t.Errorf("empty cell = %q, want a dash", got)
	}
	for id, want := range map[string]string{"path-allowed": "path-allowed", "DL3007": "dl3007", "a b/c": "a-b-c"} {
		if got := anchor(id); got != want {
			t.Errorf("anchor(%q) = %q, want %q", id, got, want)
		}
	}
}
