package stack

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzDetect feeds arbitrary manifest contents to Detect: it must never
// panic and never fail (bad manifests are warnings).
func FuzzDetect(f *testing.F) {
	f.Add(`{"name":"x","engines":{"node":">=18"},"scripts":{"start":"node s.js -p 3000"}}`,
		"module x\n\ngo 1.22\n", "[project]\nrequires-python='>=3.11'\n", "[package]\nname='x'\n", "<project/>")
	f.Add(`{"engines":[1],"scripts":[],"workspaces":{},"dependencies":{"pg":1}}`,
		"module\n", "[tool.poetry.dependencies]\npython = 3\n", "[package]\nedition = 5\n", "<project><properties><a>${b}</a>")
	f.Add("", "", "", "", "")
	f.Fuzz(func(t *testing.T, pkg, gomod, pyproject, cargo, pomXML string) {
		files := map[string]string{
			"package.json":             pkg,
			"a/go.mod":                 gomod,
			"a/main.go":                "package main\n" + pkg,
			"b/pyproject.toml":         pyproject,
			"b/Procfile":               "web: " + pkg,
			"c/Cargo.toml":             cargo,
			"d/pom.xml":                pomXML,
			"e/build.gradle":           pomXML,
			"e/.nvmrc":                 gomod,
			"f/requirements.txt":       pyproject,
			"k8s/x.yaml":               pkg,
			"g/setup.py":               pyproject,
			"g/setup.cfg":              cargo,
			"g/pkg/__init__.py":        "",
			"h/settings.gradle":        "include 'x'\n" + pomXML,
			"h/build.gradle":           cargo,
			"h/x/src/main/java/A.java": pkg,
			"i/go.mod":                 "module i\n",
			"i/cmd/i.go":               gomod,
		}
		repo, err := Detect(tree(files), Options{})
		if err != nil {
			t.Fatalf("Detect failed on bad input: %v", err)
		}
		for _, s := range repo.Services {
			if s.Port < 0 || s.Port > 65535 {
				t.Errorf("port %d out of range", s.Port)
			}
			if strings.ContainsAny(s.Version, "\n\r") {
				t.Errorf("version %q spans lines", s.Version)
			}
		}
	})
}

func TestSkippedDirs(t *testing.T) {
	files := map[string]string{}
	for _, dir := range []string{".git", "node_modules", "vendor", "target", "build", "dist", ".venv", "venv",
		"__pycache__", ".terraform", ".next", ".idea", "bin", "obj", ".cache", "testdata"} {
		files[dir+"/go.mod"] = "module x\n"
		files[dir+"/package.json"] = "{}"
		files[dir+"/Dockerfile"] = "FROM x\n"
		files[dir+"/main.tf"] = ""
	}
	repo := mustDetect(t, files, Options{})
	if len(repo.Services) != 0 || !reflect.DeepEqual(repo.Artifacts, Artifacts{}) {
		t.Errorf("skipped directories were read: %s", dump(repo))
	}
	if repo.FilesSeen != 16 || repo.BytesRead != 0 {
		t.Errorf("seen %d entries and read %d bytes; want only the 16 top-level directories and nothing read", repo.FilesSeen, repo.BytesRead)
	}
	files[".github/workflows/ci.yml"] = "on: push\n"
	repo = mustDetect(t, files, Options{})
	if len(repo.Artifacts.Workflows) != 1 {
		t.Errorf(".github must be walked: %s", dump(repo.Artifacts))
	}
}
