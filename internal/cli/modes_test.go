package cli

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/modes"
)

// modesCLI runs "devops-lead modes args..." and returns the exit code and
// outputs.
func modesCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(append([]string{"modes"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// writeModes writes files (name -> content) into a new directory.
func writeModes(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// embeddedModes returns the embedded mode files by name.
func embeddedModes(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	names, err := fs.Glob(modes.FS, "*.md")
	if err != nil || len(names) == 0 {
		t.Fatalf("embedded modes: %v", err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(modes.FS, n)
		if err != nil {
			t.Fatal(err)
		}
		files[n] = string(b)
	}
	return files
}

const ciOverride = "---\nslug: cicd-specialist\nname: Our CI\ndescription: our pipelines\nlevel: specialist\nwrites:\n  - .ci/**\n---\nOur rules.\n"

func TestModesList(t *testing.T) {
	code, out, errs := modesCLI(t)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 12 {
		t.Fatalf("%d lines, want header + 11 modes:\n%s", len(lines), out)
	}
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "SLUG LEVEL WRITES DELEGATES" {
		t.Errorf("header = %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "devops-lead ") || !strings.Contains(lines[1], "kubernetes-specialist") {
		t.Errorf("lead row = %q", lines[1])
	}
	var ci string
	for _, l := range lines {
		if strings.HasPrefix(l, "cicd-specialist ") {
			ci = l
		}
	}
	if f := strings.Fields(ci); len(f) < 3 || f[1] != "specialist" || !strings.Contains(ci, ".github/workflows/**") {
		t.Errorf("cicd row = %q", ci)
	}
}

func TestModesListJSON(t *testing.T) {
	code, out, errs := modesCLI(t, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got []struct {
		Slug   string   `json:"slug"`
		Level  string   `json:"level"`
		Writes []string `json:"writes"`
		Source string   `json:"source"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(got) != 11 || got[0].Slug != "devops-lead" || got[0].Level != "lead" || len(got[0].Writes) != 0 {
		t.Fatalf("got %+v", got)
	}
	for _, m := range got[1:] {
		if m.Level != "specialist" || len(m.Writes) == 0 || m.Source != "embedded:"+m.Slug+".md" {
			t.Errorf("mode %+v", m)
		}
	}
}

func TestModesRepoOverrides(t *testing.T) {
	repo := t.TempDir()
	writeModes(t, filepath.Join(repo, ".github", "devops-lead", "modes"), map[string]string{"cicd-specialist.md": ciOverride})
	code, out, errs := modesCLI(t, "--repo", repo)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, ".ci/**") || strings.Contains(out, ".github/dependabot.yml") {
		t.Errorf("override not applied:\n%s", out)
	}
	code, out, _ = modesCLI(t, "show", "--repo", repo, "cicd-specialist")
	if code != 0 || !strings.Contains(out, "Our CI") || !strings.Contains(out, "Our rules.") {
		t.Errorf("show with --repo: exit %d\n%s", code, out)
	}

	bad := t.TempDir()
	writeModes(t, filepath.Join(bad, ".github", "devops-lead", "modes"), map[string]string{
		"boss.md": "---\nslug: boss\nname: Boss\ndescription: d\nlevel: lead\n---\nb\n",
	})
	code, out, errs = modesCLI(t, "--repo", bad)
	want := filepath.Join(bad, ".github", "devops-lead", "modes", "boss.md") + ":5: "
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "second lead") || !strings.Contains(errs, "1 problem") {
		t.Errorf("exit %d, want 1 and %q in:\n%s%s", code, want, out, errs)
	}
	if code, _, _ := modesCLI(t, "--repo", filepath.Join(bad, "missing")); code != 2 {
		t.Errorf("missing --repo: exit %d, want 2", code)
	}
}

func TestModesShow(t *testing.T) {
	code, out, errs := modesCLI(t, "show", "containerization-developer")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"slug:", "containerization-developer", "level:", "specialist", "**/Dockerfile", "escalates_to:", "devops-lead", "source:", "embedded:containerization-developer.md", "# Role: Containerization Developer"} {
		if !strings.Contains(out, want) {
			t.Errorf("show output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = modesCLI(t, "show", "devops-lead", "--json")
	var v struct {
		Slug, Level, Body string
		DelegatesTo       []string `json:"delegates_to"`
	}
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if v.Slug != "devops-lead" || v.Level != "lead" || len(v.DelegatesTo) != 10 || !strings.Contains(v.Body, "# Role: DevOps Lead") {
		t.Errorf("show --json = %+v", v)
	}
}

func TestModesShowUnknown(t *testing.T) {
	tests := []struct{ arg, hint string }{
		{"cicd", `Did you mean "cicd-specialist"?`},
		{"kubernetes-specialst", `Did you mean "kubernetes-specialist"?`},
		{"zzzzzz", ""},
	}
	for _, tt := range tests {
		code, out, errs := modesCLI(t, "show", tt.arg)
		if code != 1 || out != "" || !strings.Contains(errs, `no mode "`+tt.arg+`"`) {
			t.Errorf("show %s: exit %d, stdout %q, stderr %q", tt.arg, code, out, errs)
		}
		if tt.hint != "" && !strings.Contains(errs, tt.hint) {
			t.Errorf("show %s: stderr lacks %q: %s", tt.arg, tt.hint, errs)
		}
		if tt.hint == "" && strings.Contains(errs, "Did you mean") {
			t.Errorf("show %s: unexpected suggestion: %s", tt.arg, errs)
		}
	}
}

func TestModesCheck(t *testing.T) {
	good := writeModes(t, t.TempDir(), embeddedModes(t))
	code, out, errs := modesCLI(t, "check", good)
	if code != 0 || !strings.Contains(out, "ok, 11 modes (lead devops-lead)") {
		t.Errorf("check of the embedded set: exit %d\n%s%s", code, out, errs)
	}

	files := embeddedModes(t)
	files["aws-architect.md"] = strings.Replace(files["aws-architect.md"], "level: specialist", "level: architect", 1)
	files["gcp-architect.md"] = strings.Replace(files["gcp-architect.md"], "delegates_to: [infrastructure-specialist, cicd-specialist]", "delegates_to: [infra-specialist]", 1)
	bad := writeModes(t, t.TempDir(), files)
	code, out, _ = modesCLI(t, "check", bad)
	for _, want := range []string{
		filepath.Join(bad, "aws-architect.md") + `:5: level "architect" is not valid`,
		filepath.Join(bad, "gcp-architect.md") + `:6: delegates_to names "infra-specialist"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("check of a bad set: exit %d, want 1", code)
	}

	// A single file is not a complete set, but it is a valid overlay.
	one := writeModes(t, t.TempDir(), map[string]string{"cicd-specialist.md": ciOverride})
	if code, out, _ := modesCLI(t, "check", one); code != 1 || !strings.Contains(out, "has no lead") {
		t.Errorf("check of one specialist: exit %d\n%s", code, out)
	}
	if code, out, errs := modesCLI(t, "check", one, "--overlay"); code != 0 || !strings.Contains(out, "ok, 11 modes") {
		t.Errorf("check --overlay: exit %d\n%s%s", code, out, errs)
	}
	lead2 := writeModes(t, t.TempDir(), map[string]string{"boss.md": "---\nslug: boss\nname: Boss\ndescription: d\nlevel: lead\n---\nb\n"})
	if code, out, _ := modesCLI(t, "check", "--overlay", lead2); code != 1 || !strings.Contains(out, filepath.Join(lead2, "boss.md")+":5:") {
		t.Errorf("check --overlay with a second lead: exit %d\n%s", code, out)
	}
}

func TestModesUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "Usage: devops-lead modes"},
		{[]string{"frobnicate"}, 2, `unknown subcommand "frobnicate"`},
		{[]string{"--nope"}, 2, "flag provided but not defined"},
		{[]string{"show"}, 2, "takes one mode slug"},
		{[]string{"show", "a", "b"}, 2, "takes one mode slug"},
		{[]string{"check"}, 2, "takes one directory"},
		{[]string{"check", filepath.Join(t.TempDir(), "missing")}, 2, "is not a directory"},
		{[]string{"check", "--help"}, 0, "--overlay"},
	}
	for _, tt := range tests {
		code, out, errs := modesCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errs, tt.want) {
			t.Errorf("modes %v: exit %d (want %d), output lacks %q:\n%s%s", tt.args, code, tt.code, tt.want, out, errs)
		}
	}
}
