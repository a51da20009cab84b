package validate

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want.txt from the current findings")

// TestTestdata runs the gate over every case under testdata. A case is a
// directory laid out like a repository (testdata/<case>/Dockerfile,
// testdata/<case>/.github/workflows/ci.yml...) with a want.txt listing the
// expected findings, one "path:line:col: severity [rule]" per line; an
// empty want.txt means every file must pass. The case directory is also
// the workspace, so the build-context rules see its files; a
// contexts.txt maps a Dockerfile to another context ("path: dir" lines).
func TestTestdata(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cases {
		if !c.IsDir() || c.Name() == "precision" { // precision: TestPrecision's corpus
			continue
		}
		n++
		dir := filepath.Join("testdata", c.Name())
		t.Run(c.Name(), func(t *testing.T) {
			var files []File
			err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(dir, p)
				rel = filepath.ToSlash(rel)
				if rel == "want.txt" || rel == "contexts.txt" {
					return nil
				}
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				files = append(files, File{Path: rel, Content: data})
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			opts := Options{Workspace: os.DirFS(dir), Contexts: readContexts(t, dir)}
			for _, f := range Check(files, opts) {
				got = append(got, findingKey(f))
			}
			sort.Strings(got)
			wantPath := filepath.Join(dir, "want.txt")
			if *update {
				out := strings.Join(got, "\n")
				if out != "" {
					out += "\n"
				}
				if err := os.WriteFile(wantPath, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			data, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatalf("%v (run go test -run TestTestdata -update to create it, then review it)", err)
			}
			var want []string
			for _, l := range strings.Split(string(data), "\n") {
				if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
					want = append(want, l)
				}
			}
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("findings differ\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
	if n == 0 {
		t.Skip("no testdata cases yet")
	}
}

func findingKey(f Finding) string {
	line, col := f.Line, f.Col
	return strings.Join([]string{f.Path, itoa(line), itoa(col)}, ":") + ": " + string(f.Severity) + " [" + f.Rule + "]"
}

func itoa(i int) string { return strconv.Itoa(max(i, 0)) }

// readContexts reads a case's contexts.txt: "Dockerfile path: context dir".
func readContexts(t *testing.T, dir string) map[string]string {
	data, err := os.ReadFile(filepath.Join(dir, "contexts.txt"))
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		} else if strings.TrimSpace(l) != "" {
			t.Fatalf("contexts.txt: %q is not \"path: dir\"", l)
		}
	}
	return out
}
