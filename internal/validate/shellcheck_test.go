package validate

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// shellcheckPath returns shellcheck on the PATH or skips the test (CI
// installs it).
func shellcheckPath(t *testing.T) string {
	t.Helper()
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck is not installed (CI installs it)")
	}
	return sc
}

// shellcheckOnly returns the shellcheck findings as strings.
func shellcheckOnly(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		if strings.HasPrefix(f.Rule, "shellcheck/") {
			out = append(out, f.String())
		}
	}
	return out
}

// TestShellcheckMatchesActionlint checks every workflow of the testdata
// cases with actionlint's own linter, as its CLI does with shellcheck
// installed, and with the gate: the shellcheck findings are the same ones
// (code, level, message, each as many times), the gate's are at the run:
// key or inside the script below it.
func TestShellcheckMatchesActionlint(t *testing.T) {
	sc := shellcheckPath(t)
	files, err := filepath.Glob(filepath.Join("testdata", "*", ".github", "workflows", "*.yml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("%d workflows, %v", len(files), err)
	}
	// The workflows of the real-world fixtures, shaped like public ones.
	real, err := filepath.Glob(filepath.Join("..", "..", "testdata", "realworld", "*", ".github", "workflows", "*.yml"))
	if err != nil || len(real) < 10 {
		t.Fatalf("%d real-world workflows, %v", len(real), err)
	}
	files = append(files, real...)
	reMsg := regexp.MustCompile(`^SC(\d+):(\w+):-?\d+:\d+: (.*)$`)
	total := 0
	for _, p := range files {
		content, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{Shellcheck: sc})
		if err != nil {
			t.Fatal(err)
		}
		errs, err := l.LintFile(p, nil)
		if err != nil {
			t.Fatalf("%s: actionlint: %v", p, err)
		}
		var want []string
		runLines := map[string][]int{}
		for _, e := range errs {
			if e.Kind != "shellcheck" {
				continue
			}
			m := reMsg.FindStringSubmatch(strings.TrimPrefix(e.Message, "shellcheck reported issue in this script: "))
			if m == nil {
				t.Fatalf("%s: unexpected actionlint message %q", p, e.Message)
			}
			key := fmt.Sprintf("shellcheck/SC%04s %s (shellcheck %s)", m[1], m[3], m[2])
			want = append(want, key)
			runLines[key] = append(runLines[key], e.Line)
		}
		var got []string
		for _, f := range CheckFile(p, content, Options{Shellcheck: sc}) {
			if !strings.HasPrefix(f.Rule, "shellcheck/") {
				continue
			}
			key := f.Rule + " " + f.Message
			got = append(got, key)
			ok := false
			for _, rl := range runLines[key] {
				ok = ok || f.Line >= rl
			}
			if !ok {
				t.Errorf("%s: %s is above every run: actionlint reports it at (%v)", p, f, runLines[key])
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\ngate:\n%s\nactionlint:\n%s", p, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		total += len(want)
	}
	if total < 20 {
		t.Errorf("only %d shellcheck findings in the fixtures: the comparison proves little", total)
	}
}

// TestShellcheckWorkflowPositions pins the line and column of each finding
// in the fixture workflows (checked by hand against the files).
func TestShellcheckWorkflowPositions(t *testing.T) {
	sc := shellcheckPath(t)
	cases := map[string][]string{
		"ci.yml": {
			"8:19: note [shellcheck/SC2086]",   // run: echo $HOME
			"11:20: error [shellcheck/SC2045]", // for f in $(ls *.txt)
			"11:25: note [shellcheck/SC2035]",
			"12:17: note [shellcheck/SC2086]",
			"14:13: note [shellcheck/SC2086]",    // [ $FOO == 1 ]
			"15:18: note [shellcheck/SC2086]",    // run: "cd $DIR"
			"17:9: note [shellcheck/SC2086]",     // folded: at the run: key
			"21:34: note [shellcheck/SC2086]",    // after a ${{ }} expression
			"22:14: warning [shellcheck/SC3010]", // [[ ]] under shell: sh
		},
		"matrix.yml": {
			"18:30: note [shellcheck/SC2086]", // a blank first line in the block
			"20:23: style [shellcheck/SC2004]",
			"24:16: error [shellcheck/SC2068]", // run: |- under bash -e {0}
			"27:20: note [shellcheck/SC2086]",  // 'echo $GITHUB_SHA': quoted for YAML
			"32:19: note [shellcheck/SC2086]",  // shell: bash on windows
		},
	}
	for name, want := range cases {
		p := filepath.Join("testdata", "shellcheck", ".github", "workflows", name)
		content, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range shellcheckOnly(CheckFile(p, content, Options{Shellcheck: sc})) {
			s = strings.TrimPrefix(s, p+":")
			got = append(got, s[:strings.Index(s, "]")+1])
		}
		for i, w := range want {
			want[i] = strings.Replace(w, "style", "note", 1)
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestShellcheckDockerfile(t *testing.T) {
	sc := shellcheckPath(t)
	p := filepath.Join("testdata", "shellcheck", "Dockerfile")
	content, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	got := shellcheckOnly(CheckFile(p, content, Options{Shellcheck: sc}))
	want := []string{
		p + ":5:10: note [shellcheck/SC2086] Double quote to prevent globbing and word splitting (shellcheck info)", // after a comment line inside the RUN
		p + ":8:14: error [shellcheck/SC2045] Iterating over ls output is fragile. Use globs (shellcheck error)",    // after --mount on the line above
		p + ":8:41: note [shellcheck/SC2086] Double quote to prevent globbing and word splitting (shellcheck info)",
		p + ":15:8: warning [shellcheck/SC3010] In POSIX sh, [[ ]] is undefined (shellcheck warning)", // alpine: sh; the stage FROM build keeps bash
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Suppressed in place like any finding.
	sup := strings.Replace(string(content), "RUN if [[", "# devops-lead:ignore shellcheck/SC3010 busybox sh has [[\nRUN if [[", 1)
	for _, s := range shellcheckOnly(CheckFile(p, []byte(sup), Options{Shellcheck: sc})) {
		if strings.Contains(s, "SC3010") {
			t.Errorf("suppression ignored: %s", s)
		}
	}
}

func TestDockerfileRunScripts(t *testing.T) {
	df := "# syntax=docker/dockerfile:1\nFROM alpine AS a\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo 1\nFROM a\nRUN echo 2\nFROM a AS b\nSHELL [\"pwsh\", \"-c\"]\nRUN Write-Host 3\nFROM b\nRUN echo 4\nFROM scratch\nrun  --network=none \\\n  --mount=type=cache,target=/x \\\n  echo 5\n"
	var got []string
	for _, r := range dockerfileRunScripts([]byte(df)) {
		got = append(got, fmt.Sprintf("%d %s %q", r.line, r.shell, r.script))
	}
	want := []string{
		`4 bash "    echo 1"`,
		`6 bash "    echo 2"`,
		`13 sh "                     \n                                \n  echo 5"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rs := dockerfileRunScripts([]byte("# escape=`\nFROM alpine\nRUN echo `\n  1\n")); len(rs) != 0 {
		t.Errorf("a Dockerfile escaped with a backtick was checked: %v", rs)
	}
}

func TestShellcheckCannotRun(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "shellcheck")
	wf := []byte("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo $HOME\n")
	df := []byte("FROM alpine:3.20\nRUN echo $HOME\n")
	for p, c := range map[string][]byte{".github/workflows/a.yml": wf, "Dockerfile": df} {
		var notes []Finding
		for _, f := range CheckFile(p, c, Options{Shellcheck: missing}) {
			if f.Rule == ruleShellcheck.ID {
				notes = append(notes, f)
			}
		}
		if len(notes) != 1 || notes[0].Severity != Note || !strings.Contains(notes[0].Message, "shellcheck did not run") {
			t.Errorf("%s: %v", p, notes)
		}
	}
}

func TestShellcheckSuppressedInScript(t *testing.T) {
	sc := shellcheckPath(t)
	for _, comment := range []string{"# devops-lead:ignore shellcheck/SC2086 HOME has no spaces", "# shellcheck disable=SC2086"} {
		wf := "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          " + comment + "\n          echo $HOME\n          echo $PATH\n"
		got := shellcheckOnly(CheckFile(".github/workflows/a.yml", []byte(wf), Options{Shellcheck: sc}))
		if len(got) != 1 || !strings.HasPrefix(got[0], ".github/workflows/a.yml:9:16: note [shellcheck/SC2086]") {
			t.Errorf("%s: want only the finding on line 9, got %v", comment, got)
		}
	}
}
