package mode

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// Lines in these files matter: the tests expect problems on them.
const (
	leadMD = "---\nslug: lead\nname: Lead\ndescription: plans\nlevel: lead\ndelegates_to:\n  - ci\n  - box\n---\nPlan.\n"
	ciMD   = "---\nslug: ci\nname: CI\ndescription: pipelines\nlevel: specialist\nescalates_to: [lead, technical-architect]\nwrites:\n  - .github/workflows/**\n---\nPipelines.\n"
	boxMD  = "---\nslug: box\nname: Box\ndescription: images\nlevel: specialist\nwrites:\n  - \"**/Dockerfile\"\n---\nImages.\n"
)

func validSet() fstest.MapFS {
	return fstest.MapFS{
		"set/lead.md":      {Data: []byte(leadMD)},
		"set/ci.md":        {Data: []byte(ciMD)},
		"set/box.md":       {Data: []byte(boxMD)},
		"set/README.md":    {Data: []byte("# not a mode\n")},
		"set/notes.txt":    {Data: []byte("ignored")},
		"set/sub/extra.md": {Data: []byte("not read")},
	}
}

func TestLoad(t *testing.T) {
	r, err := Load(validSet(), "set")
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, m := range r.All() {
		slugs = append(slugs, m.Slug)
	}
	if got := strings.Join(slugs, " "); got != "lead box ci" {
		t.Errorf("All() = %s, want lead box ci", got)
	}
	if r.Lead().Slug != "lead" || r.Get("ci").Source != "set/ci.md" || r.Get("nope") != nil {
		t.Errorf("Lead %v, ci source %q", r.Lead().Slug, r.Get("ci").Source)
	}
	for _, c := range []struct {
		from, to string
		want     bool
	}{{"lead", "ci", true}, {"lead", "box", true}, {"ci", "box", false}, {"lead", "lead", false}, {"nope", "ci", false}, {"lead", "nope", false}} {
		if got := r.CanDelegate(c.from, c.to); got != c.want {
			t.Errorf("CanDelegate(%s, %s) = %v", c.from, c.to, got)
		}
	}
	// All returns a copy.
	r.All()[0] = nil
	if r.Lead() == nil || r.All()[0] == nil {
		t.Error("All exposes the registry's slice")
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name string
		edit map[string]string // file -> content; "" deletes
		file string
		line int
		want string
	}{
		{"duplicate slug", map[string]string{"set/box2.md": strings.Replace(boxMD, "name: Box", "name: Box Two", 1)},
			"set/box2.md", 2, `slug "box" is already used by set/box.md:2`},
		{"unknown delegate", map[string]string{"set/lead.md": strings.Replace(leadMD, "  - box\n", "  - box\n  - cii\n", 1)},
			"set/lead.md", 9, `delegates_to names "cii", which is not a mode of this set (did you mean "ci"?)`},
		{"cycle", map[string]string{"set/ci.md": strings.Replace(ciMD, "escalates_to:", "delegates_to: [box]\nescalates_to:", 1),
			"set/box.md": strings.Replace(boxMD, "writes:", "delegates_to: [ci]\nwrites:", 1)},
			"set/ci.md", 6, "delegation cycle box -> ci -> box"},
		{"self cycle", map[string]string{"set/box.md": strings.Replace(boxMD, "writes:", "delegates_to: [box]\nwrites:", 1)},
			"set/box.md", 6, "delegation cycle box -> box"},
		{"missing lead", map[string]string{"set/lead.md": ""}, "set", 0, "the set has no lead"},
		{"two leads", map[string]string{"set/boss.md": strings.Replace(leadMD, "slug: lead", "slug: boss", 1)},
			"set/lead.md", 5, `"lead" is a second lead (the lead is "boss" at set/boss.md:5)`},
		{"specialist without writes", map[string]string{"set/box.md": "---\nslug: box\nname: Box\ndescription: d\nlevel: specialist\n---\nb\n"},
			"set/box.md", 1, "has no writes"},
		{"bad file", map[string]string{"set/box.md": "no front matter\n"}, "set/box.md", 1, "must start with"},
		{"too big", map[string]string{"set/big.md": leadMD + strings.Repeat("x", MaxFileSize)}, "set/big.md", 0, "larger than 65536 bytes"},
		{"delegate to lead", map[string]string{"set/box.md": strings.Replace(boxMD, "writes:", "delegates_to: [lead]\nwrites:", 1)},
			"set/box.md", 6, `delegates_to names the lead "lead"`},
		{"empty", map[string]string{"set/lead.md": "", "set/ci.md": "", "set/box.md": ""}, "set", 0, "has no mode files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := validSet()
			for f, c := range tt.edit {
				if c == "" {
					delete(fsys, f)
				} else {
					fsys[f] = &fstest.MapFile{Data: []byte(c)}
				}
			}
			r, err := Load(fsys, "set")
			if err == nil {
				t.Fatalf("Load accepted the set: %v", r.All())
			}
			for _, p := range Problems(err) {
				if p.File == tt.file && p.Line == tt.line && strings.Contains(p.Message, tt.want) {
					return
				}
			}
			t.Errorf("no problem at %s:%d containing %q; got:\n%v", tt.file, tt.line, tt.want, err)
		})
	}
}

func TestLoadCollectsAcrossFiles(t *testing.T) {
	fsys := validSet()
	fsys["set/ci.md"] = &fstest.MapFile{Data: []byte(strings.Replace(ciMD, "level: specialist", "level: expert", 1))}
	fsys["set/box.md"] = &fstest.MapFile{Data: []byte(strings.Replace(boxMD, `"**/Dockerfile"`, `"/abs"`, 1))}
	_, err := Load(fsys, "set")
	ps := Problems(err)
	var got []string
	for _, p := range ps {
		got = append(got, p.File)
	}
	if len(ps) != 2 || !strings.Contains(strings.Join(got, " "), "set/box.md") || !strings.Contains(strings.Join(got, " "), "set/ci.md") {
		t.Errorf("want one problem in each of set/box.md and set/ci.md, got:\n%v", err)
	}
}

func TestLoadRefusesSymlink(t *testing.T) {
	fsys := validSet()
	fsys["set/link.md"] = &fstest.MapFile{Data: []byte("x"), Mode: fs.ModeSymlink}
	_, err := Load(fsys, "set")
	ps := Problems(err)
	if len(ps) != 1 || ps[0].File != "set/link.md" || !strings.Contains(ps[0].Message, "not a regular file") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadTooManyFiles(t *testing.T) {
	fsys := validSet()
	for i := 0; i <= MaxFiles; i++ {
		fsys["set/m"+strings.Repeat("x", i)+".md"] = &fstest.MapFile{Data: []byte(boxMD)}
	}
	_, err := Load(fsys, "set")
	if err == nil || !strings.Contains(err.Error(), "at most 100") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadMissingDir(t *testing.T) {
	_, err := Load(fstest.MapFS{}, "nope")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want one wrapping fs.ErrNotExist", err)
	}
}

func TestNew(t *testing.T) {
	lead := &Mode{Slug: "lead", Name: "L", Description: "d", Level: LevelLead, DelegatesTo: []string{"w"}}
	w := &Mode{Slug: "w", Name: "W", Description: "d", Level: LevelSpecialist, Writes: []string{"w/**"}}
	r, err := New([]*Mode{w, lead})
	if err != nil {
		t.Fatal(err)
	}
	if r.Lead() != lead || !r.CanDelegate("lead", "w") || !r.Get("w").MayWrite("w/x") {
		t.Error("registry from New is wrong")
	}
	bad := &Mode{Slug: "w", Name: "W", Description: "d", Level: LevelSpecialist}
	_, err = New([]*Mode{lead, bad, nil})
	text := ""
	if err != nil {
		text = err.Error()
	}
	if !strings.Contains(text, "mode w: specialist \"w\" has no writes") || !strings.Contains(text, "nil") {
		t.Errorf("err = %v", err)
	}
}

func TestProblemsOfPlainError(t *testing.T) {
	e := errors.New("boom")
	ps := Problems(errors.Join(&Problem{File: "a", Line: 2, Message: "x"}, e))
	if len(ps) != 2 || ps[0].Error() != "a:2: x" || ps[1].Err != e || Problems(nil) != nil {
		t.Errorf("Problems = %v", ps)
	}
	wrapped := fmt.Errorf("repo modes: %w", errors.Join(&Problem{File: "a", Message: "x"}, &Problem{File: "b", Message: "y"}))
	if ps := Problems(wrapped); len(ps) != 2 || ps[1].File != "b" {
		t.Errorf("Problems(wrapped) = %v", ps)
	}
	plain := fmt.Errorf("context: %w", e)
	if ps := Problems(plain); len(ps) != 1 || ps[0].Message != "context: boom" {
		t.Errorf("Problems(plain) = %v", ps)
	}
}
