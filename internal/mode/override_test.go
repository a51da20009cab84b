package mode

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/modes"
)

const overDir = ".github/devops-lead/modes"

func TestWithOverridesReplaceAndAdd(t *testing.T) {
	base, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ci := base.Get("cicd-specialist")
	repl := strings.Replace(readEmbedded(t, "cicd-specialist.md"), "  - .github/dependabot.yml\n", "  - .github/dependabot.yml\n  - .ci/**\n", 1)
	lead := strings.Replace(readEmbedded(t, "devops-lead.md"), "  - cloudflare-workers-specialist\n", "  - cloudflare-workers-specialist\n  - docs-writer\n", 1)
	add := "---\nslug: docs-writer\nname: Docs Writer\ndescription: writes docs\nlevel: specialist\nescalates_to: [devops-lead]\nwrites: [docs/**]\n---\nWrite docs.\n"
	fsys := fstest.MapFS{
		overDir + "/cicd-specialist.md": {Data: []byte(repl)},
		overDir + "/devops-lead.md":     {Data: []byte(lead)},
		overDir + "/docs-writer.md":     {Data: []byte(add)},
	}
	r, err := WithOverrides(base, fsys, overDir)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(r.All()); got != 12 {
		t.Errorf("%d modes, want 12", got)
	}
	nci := r.Get("cicd-specialist")
	if nci == ci || !nci.MayWrite(".ci/run") || nci.Source != overDir+"/cicd-specialist.md" {
		t.Errorf("cicd-specialist not replaced: source %q", nci.Source)
	}
	if ci.MayWrite(".ci/run") || base.Get("cicd-specialist") != ci || len(base.All()) != 11 {
		t.Error("WithOverrides changed the base registry")
	}
	if !r.CanDelegate("devops-lead", "docs-writer") || !r.Get("docs-writer").MayWrite("docs/x.md") {
		t.Error("docs-writer not added or not delegated to")
	}
	if r.Get("kubernetes-specialist") != base.Get("kubernetes-specialist") {
		t.Error("a mode not overridden was changed")
	}
}

func TestWithOverridesRejects(t *testing.T) {
	base, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, src string
		line            int
		want            string
	}{
		{"second lead", "boss.md", "---\nslug: boss\nname: Boss\ndescription: d\nlevel: lead\n---\nb\n", 5, "second lead"},
		{"lead with writes", "devops-lead.md", "---\nslug: devops-lead\nname: L\ndescription: d\nlevel: lead\nwrites: [x/**]\n---\nb\n", 6, "a lead writes no files"},
		{"unknown key", "x.md", "---\nslug: x\nname: X\ndescription: d\nlevel: specialist\nwrites: [x/**]\nprompt: hi\n---\nb\n", 7, "unknown key \"prompt\""},
		{"cycle through base", "cicd-specialist.md", "---\nslug: cicd-specialist\nname: C\ndescription: d\nlevel: specialist\nwrites: [a/**]\ndelegates_to: [aws-architect]\n---\nb\n", 7, "delegation cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{overDir + "/" + tt.file: {Data: []byte(tt.src)}}
			_, err := WithOverrides(base, fsys, overDir)
			for _, p := range Problems(err) {
				if p.File == overDir+"/"+tt.file && p.Line == tt.line && strings.Contains(p.Message, tt.want) {
					return
				}
			}
			t.Errorf("no problem at %s/%s:%d containing %q; got:\n%v", overDir, tt.file, tt.line, tt.want, err)
		})
	}
}

func TestWithOverridesMissingDir(t *testing.T) {
	base, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, fsys := range []fstest.MapFS{nil, {}, {"README.md": {Data: []byte("x")}}, {overDir + "/README.md": {Data: []byte("x")}}} {
		r, err := WithOverrides(base, fsys, overDir)
		if err != nil || r != base {
			t.Errorf("WithOverrides(%v) = %p, %v; want base unchanged", fsys, r, err)
		}
	}
	if _, err := WithOverrides(nil, fstest.MapFS{}, overDir); err == nil {
		t.Error("nil base accepted")
	}
}

func readEmbedded(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(modes.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
