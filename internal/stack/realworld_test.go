package stack

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// realworldDir holds the fixtures modelled on real public repositories:
// testdata/realworld/<name>/ is a small repository of the same shape and
// testdata/realworld/<name>.facts.yaml the facts Detect must report on it
// (docs/real-repositories.md lists the repositories they are shaped on).
const realworldDir = "../../testdata/realworld"

// maxFixtureBytes bounds one fixture: a small repository of the same shape,
// not a copy of the real one.
const maxFixtureBytes = 30 << 10

// dirBytes adds up the sizes of the files under dir.
func dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	return n
}

// realworldFacts is one facts file. Services, Workspaces and Unsupported
// mirror the JSON of Repo, listing only the fields the author was sure of;
// they stay generic maps so that a field the file does not state is not
// compared.
type realworldFacts struct {
	// ShapeOf is the public repository (URL@commit) the fixture copies the
	// shape of.
	ShapeOf string `json:"shape_of"`
	// Pending, when set, says why detection does not report these facts
	// yet: the fixture is skipped with that reason while it fails, and the
	// test fails once it passes so that the mark is removed.
	Pending     string           `json:"pending"`
	Services    []map[string]any `json:"services"`
	Workspaces  []map[string]any `json:"workspaces"`
	Unsupported []map[string]any `json:"unsupported"`
}

// TestRealWorldFixtures runs Detect on every fixture under
// testdata/realworld and compares each field its facts file states. A
// service is matched by dir; a unit the facts do not list fails the test
// when detection calls it a service or a worker, or gives it no kind at all
// (the engine would containerize and deploy it).
func TestRealWorldFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(realworldDir, "*.facts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 25 {
		t.Fatalf("found %d facts files under %s; want at least 25", len(files), realworldDir)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".facts.yaml")
		t.Run(name, func(t *testing.T) {
			facts := readFacts(t, file)
			dir := filepath.Join(realworldDir, name)
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				t.Fatalf("%s: no fixture directory %s beside its facts file", name, dir)
			}
			if n := dirBytes(t, dir); n > maxFixtureBytes {
				t.Fatalf("%s: %d bytes; keep a fixture under %d (manifests, lock file headers, a few sources)", name, n, maxFixtureBytes)
			}
			repo, err := Detect(os.DirFS(dir), Options{})
			if err != nil {
				t.Fatalf("%s: Detect: %v", name, err)
			}
			got, err := toGeneric(repo)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			mismatches := compareFacts(facts, got)
			switch {
			case facts.Pending != "" && len(mismatches) == 0:
				t.Errorf("%s: every fact holds now; remove its pending mark (%q)", name, facts.Pending)
			case facts.Pending != "":
				t.Skipf("%s pending: %s\n  %s", name, facts.Pending, strings.Join(mismatches, "\n  "))
			case len(mismatches) > 0:
				t.Errorf("%s: %d fact(s) do not hold:\n  %s\ndetected: %s", name, len(mismatches),
					strings.Join(mismatches, "\n  "), dump(repo.Services))
			}
		})
	}
}

// readFacts reads and checks one facts file: it must name the repository
// it is shaped on, and every field it states must be a field of the model.
func readFacts(t *testing.T, file string) realworldFacts {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var f realworldFacts
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if !strings.Contains(f.ShapeOf, "@") || !strings.HasPrefix(f.ShapeOf, "https://") {
		t.Fatalf("%s: shape_of %q: want <repository url>@<commit>", file, f.ShapeOf)
	}
	check := func(what string, items []map[string]any, model any) {
		known := jsonFields(reflect.TypeOf(model))
		for i, item := range items {
			if _, ok := item["dir"].(string); !ok {
				t.Fatalf("%s: %s[%d] has no dir", file, what, i)
			}
			for k := range item {
				if !known[k] {
					t.Fatalf("%s: %s[%d] states %q, which is no field of the model", file, what, i, k)
				}
			}
		}
	}
	check("services", f.Services, Service{})
	check("workspaces", f.Workspaces, Workspace{})
	check("unsupported", f.Unsupported, Unsupported{})
	if len(f.Services)+len(f.Workspaces)+len(f.Unsupported) == 0 {
		t.Fatalf("%s: states no facts", file)
	}
	return f
}

// jsonFields returns the JSON names of a struct's fields.
func jsonFields(typ reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// genericRepo is the detected Repo as JSON maps, the form facts are in.
type genericRepo struct {
	Services    []map[string]any `json:"services"`
	Workspaces  []map[string]any `json:"workspaces"`
	Unsupported []map[string]any `json:"unsupported"`
}

// toGeneric turns the Repo into maps through its JSON.
func toGeneric(repo *Repo) (genericRepo, error) {
	var g genericRepo
	data, err := json.Marshal(repo)
	if err != nil {
		return g, fmt.Errorf("marshal repo: %w", err)
	}
	if err := json.Unmarshal(data, &g); err != nil {
		return g, fmt.Errorf("unmarshal repo: %w", err)
	}
	return g, nil
}

// compareFacts lists every stated fact that the detected repository does
// not hold, one line each.
func compareFacts(facts realworldFacts, got genericRepo) []string {
	var out []string
	out = append(out, compareUnits("service", facts.Services, got.Services)...)
	out = append(out, compareUnits("workspace", facts.Workspaces, got.Workspaces)...)
	out = append(out, compareUnits("unsupported", facts.Unsupported, got.Unsupported)...)
	listed := map[string]bool{}
	for _, s := range facts.Services {
		listed[s["dir"].(string)] = true
	}
	for _, s := range got.Services {
		dir, _ := s["dir"].(string)
		kind, _ := s["kind"].(string)
		if listed[dir] {
			continue
		}
		if kind == "" || kind == string(KindService) || kind == string(KindWorker) {
			out = append(out, fmt.Sprintf("extra unit %s detected as %q (%v): the facts list no unit there", dir, kind, s["language"]))
		}
	}
	return out
}

// compareUnits matches stated units to detected ones by dir and compares
// each stated field.
func compareUnits(what string, want, got []map[string]any) []string {
	byDir := map[string]map[string]any{}
	for _, g := range got {
		if dir, ok := g["dir"].(string); ok {
			byDir[dir] = g
		}
	}
	var out []string
	for _, w := range want {
		dir := w["dir"].(string)
		g, ok := byDir[dir]
		if !ok {
			out = append(out, fmt.Sprintf("%s %s: not detected", what, dir))
			continue
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "dir" {
				continue
			}
			if msg := compareField(k, w[k], g[k]); msg != "" {
				out = append(out, fmt.Sprintf("%s %s: %s: %s", what, dir, k, msg))
			}
		}
	}
	return out
}

// compareField compares one stated field with the detected value (nil when
// the JSON omitted it, which stands for the zero value). Lists compare by
// their meaning: mains is the ranked prefix (an empty list means none),
// frameworks a subset, env the stated variables with their stated flags,
// and other lists (deps, members) the same set.
func compareField(key string, want, got any) string {
	switch key {
	case "mains":
		w, g := strs(want), strs(got)
		if len(w) == 0 {
			if len(g) != 0 {
				return fmt.Sprintf("want none, got %v", g)
			}
			return ""
		}
		if len(g) < len(w) || !slices.Equal(g[:len(w)], w) {
			return fmt.Sprintf("want %v first, got %v", w, g)
		}
		return ""
	case "frameworks":
		g := strs(got)
		var missing []string
		for _, f := range strs(want) {
			if !slices.Contains(g, f) {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			return fmt.Sprintf("missing %v, got %v", missing, g)
		}
		return ""
	case "env":
		return compareEnv(want, got)
	}
	switch w := want.(type) {
	case []any:
		ws, gs := strs(w), strs(got)
		sort.Strings(ws)
		sort.Strings(gs)
		if !slices.Equal(ws, gs) {
			return fmt.Sprintf("want %v, got %v", ws, gs)
		}
		return ""
	case nil:
		return ""
	default:
		if got == nil {
			got = reflect.Zero(reflect.TypeOf(want)).Interface()
		}
		if fmt.Sprint(want) != fmt.Sprint(got) {
			return fmt.Sprintf("want %v, got %v", want, got)
		}
		return ""
	}
}

// compareEnv checks that each stated variable is read, with the stated
// required, secret and default values.
func compareEnv(want, got any) string {
	byName := map[string]map[string]any{}
	if gl, ok := got.([]any); ok {
		for _, g := range gl {
			if m, ok := g.(map[string]any); ok {
				if n, ok := m["name"].(string); ok {
					byName[n] = m
				}
			}
		}
	}
	wl, _ := want.([]any)
	var msgs []string
	for _, w := range wl {
		m, ok := w.(map[string]any)
		if !ok {
			return fmt.Sprintf("env entry %v: want a map with a name", w)
		}
		name, _ := m["name"].(string)
		g, ok := byName[name]
		if !ok {
			msgs = append(msgs, name+" not read")
			continue
		}
		for k, v := range m {
			if k == "name" {
				continue
			}
			if msg := compareField(k, v, g[k]); msg != "" {
				msgs = append(msgs, name+"."+k+": "+msg)
			}
		}
	}
	sort.Strings(msgs)
	return strings.Join(msgs, "; ")
}

// strs turns a JSON list into strings.
func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// TestCompareFacts holds the comparison itself: each stated field that
// detection gets wrong is one mismatch, and an unlisted service fails.
func TestCompareFacts(t *testing.T) {
	facts := realworldFacts{
		Services: []map[string]any{{
			"dir": ".", "kind": "cli", "port": float64(0), "mains": []any{"./cmd/gh"},
			"deps": []any{}, "env": []any{map[string]any{"name": "TOKEN", "required": true}},
			"frameworks": []any{"gin"},
		}},
		Workspaces: []map[string]any{{"dir": ".", "tool": "go"}},
	}
	right := genericRepo{
		Services: []map[string]any{
			{"dir": ".", "kind": "cli", "mains": []any{"./cmd/gh", "./cmd/gen-docs"},
				"env": []any{map[string]any{"name": "TOKEN", "required": true}}, "frameworks": []any{"gin", "cobra"}},
			{"dir": "docs", "kind": "site"},
		},
		Workspaces: []map[string]any{{"dir": ".", "tool": "go"}},
	}
	if m := compareFacts(facts, right); len(m) != 0 {
		t.Fatalf("right repo: want no mismatch, got %v", m)
	}
	wrong := genericRepo{
		Services: []map[string]any{
			{"dir": ".", "kind": "service", "port": float64(8080), "mains": []any{"./cmd/gen-docs", "./cmd/gh"},
				"deps": []any{"mongodb"}, "env": []any{map[string]any{"name": "TOKEN"}}},
			{"dir": "tools/x", "language": "go"},
		},
	}
	m := compareFacts(facts, wrong)
	for _, part := range []string{"kind", "port", "mains", "deps", "TOKEN.required", "frameworks", "workspace .: not detected", "extra unit tools/x"} {
		found := false
		for _, line := range m {
			if strings.Contains(line, part) {
				found = true
			}
		}
		if !found {
			t.Errorf("wrong repo: no mismatch mentions %q in %v", part, m)
		}
	}
}
