package mode

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := "\xef\xbb\xbf---\r\n" +
		"slug: box\r\n" +
		"name: Box Builder\r\n" +
		"description: builds boxes\r\n" +
		"level: specialist\r\n" +
		"delegates_to: []\r\n" +
		"escalates_to: [lead, technical-architect]\r\n" +
		"writes:\r\n" +
		"  - \"**/Dockerfile\"\r\n" +
		"  - box/**\r\n" +
		"model: gemini-2.5-flash\r\n" +
		"tags: [a, b]\r\n" +
		"---\r\n" +
		"\r\n" +
		"# Role\r\n" +
		"Build boxes.\r\n"
	m, err := Parse("modes/box.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if m.Slug != "box" || m.Name != "Box Builder" || m.Description != "builds boxes" || m.Level != LevelSpecialist ||
		m.Model != "gemini-2.5-flash" || m.Source != "modes/box.md" {
		t.Errorf("fields: %+v", m)
	}
	if strings.Join(m.Writes, " ") != "**/Dockerfile box/**" || strings.Join(m.EscalatesTo, " ") != "lead technical-architect" ||
		strings.Join(m.Tags, " ") != "a b" || len(m.DelegatesTo) != 0 {
		t.Errorf("lists: writes %q escalates %q tags %q delegates %q", m.Writes, m.EscalatesTo, m.Tags, m.DelegatesTo)
	}
	if !strings.HasPrefix(m.Body, "# Role") || !strings.Contains(m.Body, "Build boxes.") {
		t.Errorf("body = %q", m.Body)
	}
	for key, want := range map[string]int{"slug": 2, "level": 5, "writes": 8, "writes.0": 9, "writes.1": 10, "tags": 12, "escalates_to.1": 7, "name.0": 3, "": 1} {
		if got := m.Line(key); got != want {
			t.Errorf("Line(%q) = %d, want %d", key, got, want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	const head = "---\nslug: box\nname: Box\ndescription: d\nlevel: specialist\n"
	tests := []struct {
		name, src string
		line      int
		want      string
	}{
		{"no front matter", "# just markdown\n", 1, "must start with a line \"---\""},
		{"never closed", "---\nslug: box\n", 1, "never closed"},
		{"empty front matter", "---\n---\nbody\n", 1, "front matter is empty"},
		{"not a mapping", "---\n- a\n- b\n---\nbody\n", 2, "must be a mapping"},
		{"yaml syntax", "---\nslug: box\nname: a: b\n---\nbody\n", 3, "invalid YAML front matter: mapping values"},
		{"unknown key", head + "writes: [a/**]\nLevel: lead\n---\nbody\n", 7, `unknown key "Level" (did you mean "level"?)`},
		{"repeated key", head + "slug: other\nwrites: [a/**]\n---\nbody\n", 6, "repeated (first on line 2)"},
		{"list not a list", head + "writes: a/**\n---\nbody\n", 6, "writes must be a list"},
		{"string not a string", head + "writes: [a/**]\nmodel: [x]\n---\nbody\n", 7, "model must be a single string"},
		{"list item not a string", head + "writes:\n  - a/**\n  - {x: 1}\n---\nbody\n", 8, "writes item 2 must be a string"},
		{"no body", head + "writes: [a/**]\n---\n\n  \n", 7, "has no body"},
		{"missing slug", "---\nname: Box\ndescription: d\nlevel: specialist\nwrites: [a/**]\n---\nbody\n", 1, "slug is missing"},
		{"bad slug", "---\nslug: Box_1\nname: Box\ndescription: d\nlevel: specialist\nwrites: [a/**]\n---\nbody\n", 2, "lowercase letters"},
		{"missing name", "---\nslug: box\ndescription: d\nlevel: specialist\nwrites: [a/**]\n---\nbody\n", 1, "name is missing"},
		{"missing description", "---\nslug: box\nname: Box\nlevel: specialist\nwrites: [a/**]\n---\nbody\n", 1, "description is missing"},
		{"missing level", "---\nslug: box\nname: Box\ndescription: d\nwrites: [a/**]\n---\nbody\n", 1, "level is missing"},
		{"bad level", "---\nslug: box\nname: Box\ndescription: d\nlevel: worker\nwrites: [a/**]\n---\nbody\n", 5, `level "worker" is not valid`},
		{"specialist without writes", head + "---\nbody\n", 1, "has no writes"},
		{"specialist with empty writes", head + "writes: []\n---\nbody\n", 6, "has no writes"},
		{"lead with writes", "---\nslug: box\nname: Box\ndescription: d\nlevel: lead\nwrites:\n  - a/**\n---\nbody\n", 6, "a lead writes no files"},
		{"absolute glob", head + "writes:\n  - ok/**\n  - /etc/**\n---\nbody\n", 8, "is absolute"},
		{"dotdot glob", head + "writes:\n  - ../x/**\n---\nbody\n", 7, `contains ".."`},
		{"unclean glob", head + "writes:\n  - ./x/**\n---\nbody\n", 7, "not a clean path"},
		{"malformed glob", head + "writes:\n  - \"x/[ab\"\n---\nbody\n", 7, "not a valid glob"},
		{"empty glob", head + "writes:\n  - \"\"\n---\nbody\n", 7, "is empty"},
		{"backslash glob", head + "writes:\n  - 'x\\y'\n---\nbody\n", 7, "backslash"},
		{"bad delegate slug", head + "writes: [a/**]\ndelegates_to:\n  - Not A Slug\n---\nbody\n", 8, "is not a mode slug"},
		{"delegate twice", head + "writes: [a/**]\ndelegates_to:\n  - x\n  - x\n---\nbody\n", 9, `lists "x" twice`},
		{"too big", head + "writes: [a/**]\n---\n" + strings.Repeat("x", MaxFileSize), 0, "at most 65536 bytes"},
		{"not utf-8", head + "writes: [a/**]\n---\n\xff\xfe\n", 0, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("x/box.md", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", m)
			}
			if m != nil {
				t.Error("Parse returned a mode with an error")
			}
			ps := Problems(err)
			for _, p := range ps {
				if p.File == "x/box.md" && p.Line == tt.line && strings.Contains(p.Message, tt.want) {
					return
				}
			}
			t.Errorf("no problem at x/box.md:%d containing %q; got:\n%v", tt.line, tt.want, err)
		})
	}
}

func TestParseCollectsAllProblems(t *testing.T) {
	src := "---\nslug: BAD\nlevel: boss\nwrites:\n  - /abs\n  - ../up\n---\nbody\n"
	_, err := Parse("m.md", []byte(src))
	got := map[int]int{}
	for _, p := range Problems(err) {
		got[p.Line]++
	}
	// slug (2), name+description (1), level (3), two globs (5, 6).
	want := map[int]int{1: 2, 2: 1, 3: 1, 5: 1, 6: 1}
	for line, n := range want {
		if got[line] != n {
			t.Errorf("line %d: %d problems, want %d; all:\n%v", line, got[line], n, err)
		}
	}
	if !strings.Contains(err.Error(), "m.md:3: level \"boss\"") {
		t.Errorf("error text lacks file:line form:\n%v", err)
	}
}
