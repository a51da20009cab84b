package validate

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestLineColAt(t *testing.T) {
	content := []byte("ab\ncd\n\nef")
	for _, c := range []struct{ off, line, col int }{
		{0, 1, 1}, {1, 1, 2}, {3, 2, 1}, {4, 2, 2}, {7, 4, 1}, {9, 4, 3}, {100, 4, 3}, {-5, 1, 1},
	} {
		line, col := lineColAt(content, c.off)
		if line != c.line || col != c.col {
			t.Errorf("lineColAt(%d) = %d:%d, want %d:%d", c.off, line, col, c.line, c.col)
		}
	}
}

func TestStripJSONC(t *testing.T) {
	in := "{\n  // note \"x\"\n  \"a\": \"//not a comment\", /* block\n */ \"b\": [1, 2,],\n}"
	out := stripJSONC([]byte(in))
	if len(out) != len(in) {
		t.Fatalf("length changed: %d != %d", len(out), len(in))
	}
	if strings.Count(string(out), "\n") != strings.Count(in, "\n") {
		t.Errorf("newlines changed:\n%s", out)
	}
	if !strings.Contains(string(out), `"//not a comment"`) {
		t.Errorf("a // inside a string was blanked:\n%s", out)
	}
	if strings.Contains(string(out), "note") || strings.Contains(string(out), "block") {
		t.Errorf("comments left:\n%s", out)
	}
	if got := checkJSON("tsconfig.json", []byte(in)); len(got) != 0 {
		t.Errorf("JSONC file rejected: %v", got)
	}
	if got := checkJSON("data.json", []byte(in)); len(got) != 1 {
		t.Errorf("plain JSON with comments: got %v, want one json-parse finding", got)
	}
}

// TestCheckJSONTsconfigShaped: a TypeScript configuration under another
// name (a base.json a tsconfig extends) may hold comments, as tsc reads it;
// other JSON files may not, and a broken tsconfig-shaped file is still
// reported.
func TestCheckJSONTsconfigShaped(t *testing.T) {
	for _, tc := range []struct {
		name, path, in string
		findings       int
	}{
		{"compilerOptions with comments", "tooling/typescript/base.json", "{\n  \"compilerOptions\": {\n    /** Base Options */\n    \"strict\": true,\n  },\n}\n", 0},
		{"tsconfig $schema with comments", "config/shared.json", "{\n  \"$schema\": \"https://json.schemastore.org/tsconfig\",\n  // extended by the apps\n  \"extends\": \"./base.json\"\n}\n", 0},
		{"other JSON with comments", "data/users.json", "{\n  // a comment\n  \"users\": []\n}\n", 1},
		{"tsconfig-shaped but broken", "tooling/typescript/base.json", "{\n  \"compilerOptions\": {\n    \"strict\": true\n  \n", 1},
		{"a config named like its tool keeps its comments", ".devcontainer/devcontainer.json", "{\n  // the image\n  \"image\": \"mcr.microsoft.com/devcontainers/go:1\"\n}\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkJSON(tc.path, []byte(tc.in)); len(got) != tc.findings {
				t.Errorf("got %v, want %d finding(s)", got, tc.findings)
			}
		})
	}
}

func TestCheckYAMLMultiDoc(t *testing.T) {
	good := []byte("a: 1\n---\nb: [1, 2]\n")
	if got := checkYAML("x.yaml", good); len(got) != 0 {
		t.Errorf("valid multi-document YAML rejected: %v", got)
	}
	bad := []byte("a: 1\n---\nb: [1, 2\n")
	got := checkYAML("x.yaml", bad)
	if len(got) != 1 || got[0].Rule != "yaml-parse" || got[0].Line < 2 {
		t.Errorf("broken second document: got %v, want yaml-parse past the first document", got)
	}
	if got := checkYAML("chart/templates/deploy.yaml", []byte("a: {{ .Values.x }\n")); len(got) != 0 {
		t.Errorf("a Helm template was parsed as YAML: %v", got)
	}
}

func TestCheckTOMLPosition(t *testing.T) {
	got := checkTOML("x.toml", []byte("a = 1\nb = = 2\n"))
	if len(got) != 1 || got[0].Line != 2 || got[0].Col == 0 {
		t.Errorf("got %v, want one toml-parse finding on line 2 with a column", got)
	}
}

// partBKinds are the kinds whose rules this part of the package owns.
var partBKinds = map[Kind]string{
	KindCompose: "compose-", KindTerraform: "terraform-", KindKubernetes: "k8s-",
	KindPrometheus: "prom-", KindYAML: "generic-", KindJSON: "generic-", KindTOML: "generic-",
	KindHelmChart: "helm-", KindHelmTemplate: "helm-",
}

// TestPartBRulesHaveCases checks that every rule of the Compose,
// Terraform, Kubernetes, Prometheus, generic and Helm kinds fails in at least one
// testdata case, and that each kind has a case that passes.
func TestPartBRulesHaveCases(t *testing.T) {
	wants := map[string]string{} // case dir -> want.txt
	dirs, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if b, err := os.ReadFile(filepath.Join("testdata", d.Name(), "want.txt")); err == nil {
			wants[d.Name()] = string(b)
		}
	}
	for _, r := range Rules() {
		prefix, ok := partBKinds[r.Kind]
		if !ok {
			continue
		}
		if !strings.HasPrefix(r.ID, strings.TrimSuffix(prefix, "-")) && !strings.HasSuffix(r.ID, "-parse") {
			t.Errorf("rule %s of kind %s lacks the kind prefix", r.ID, r.Kind)
		}
		found := false
		for name, w := range wants {
			if strings.HasPrefix(name, prefix) && strings.Contains(w, "["+r.ID+"]") {
				found = true
			}
		}
		if !found {
			t.Errorf("rule %s has no failing testdata case (%s*)", r.ID, prefix)
		}
		if r.Summary == "" || r.Help == "" {
			t.Errorf("rule %s has no summary or help", r.ID)
		}
	}
	for _, prefix := range []string{"compose-", "terraform-", "k8s-", "prom-", "generic-", "helm-"} {
		pass := prefix + "pass"
		w, ok := wants[pass]
		if !ok {
			t.Errorf("no passing case %s", pass)
			continue
		}
		if strings.TrimSpace(w) != "" {
			t.Errorf("%s/want.txt is not empty", pass)
		}
		n := 0
		_ = filepath.WalkDir(filepath.Join("testdata", pass), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && d.Name() != "want.txt" {
				n++
			}
			return nil
		})
		if n == 0 {
			t.Errorf("%s holds no files", pass)
		}
	}
}

// seedFiles returns the contents of the testdata files of the cases with
// a prefix whose kind is k, for fuzz seeds.
func seedFiles(t testing.TB, prefix string, k Kind) [][]byte {
	var out [][]byte
	dirs, _ := filepath.Glob(filepath.Join("testdata", prefix+"*"))
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() == "want.txt" {
				return nil
			}
			rel, _ := filepath.Rel(dir, p)
			b, err := os.ReadFile(p)
			if err == nil && KindOf(filepath.ToSlash(rel), b) == k {
				out = append(out, b)
			}
			return nil
		})
	}
	if len(out) == 0 {
		t.Fatalf("no seed files for %s", prefix)
	}
	return out
}

// TestPartBConcurrent runs the checkers of every case at once from several
// goroutines, for the race detector, and checks they agree with a
// sequential run.
func TestPartBConcurrent(t *testing.T) {
	var files []File
	for _, prefix := range []string{"compose-", "terraform-", "k8s-", "prom-", "generic-", "helm-"} {
		dirs, _ := filepath.Glob(filepath.Join("testdata", prefix+"*"))
		for _, dir := range dirs {
			_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && d.Name() != "want.txt" {
					b, _ := os.ReadFile(p)
					rel, _ := filepath.Rel(dir, p)
					files = append(files, File{Path: filepath.ToSlash(rel), Content: b})
				}
				return nil
			})
		}
	}
	// findings at one position of one rule may come in map order: compare
	// sorted texts
	texts := func(fs []Finding) string {
		s := make([]string, len(fs))
		for i, f := range fs {
			s[i] = f.String()
		}
		sort.Strings(s)
		return strings.Join(s, "\n")
	}
	want := Check(files, Options{})
	if len(want) == 0 {
		t.Fatal("no findings in the failing cases")
	}
	results := make(chan []Finding, 4)
	for range 4 {
		go func() { results <- Check(files, Options{}) }()
	}
	for range 4 {
		if got := <-results; texts(got) != texts(want) {
			t.Fatalf("a concurrent run differs from the sequential one:\n%s\nvs\n%s", texts(got), texts(want))
		}
	}
}
