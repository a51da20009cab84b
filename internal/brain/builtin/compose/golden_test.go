package compose

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// checkGolden compares a change set with testdata/golden/<name>.txt, the
// files' paths, notes and contents; -update rewrites it.
func checkGolden(t *testing.T, name string, cs *change.ChangeSet) {
	t.Helper()
	var b strings.Builder
	for _, f := range cs.Files {
		b.WriteString("=== " + f.Path + "\n")
		if f.Note != "" {
			b.WriteString("--- note: " + f.Note + "\n")
		}
		b.Write(f.Content)
	}
	path := filepath.Join("testdata", "golden", name+".txt")
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if b.String() != string(want) {
		t.Errorf("%s differs from %s (run with -update if the change is intended):\n%s", name, path, b.String())
	}
}

func TestGoldenSpecialists(t *testing.T) {
	goR, goFS := kittest.GoRepo()
	monoR, monoFS := kittest.MonoRepo()
	javaFS := fstest.MapFS{"build.gradle.kts": {}, "gradlew": {}}
	javaR := &stack.Repo{Services: []stack.Service{{Name: "orders", Dir: ".", Language: stack.Java, Version: "21", PackageManager: "gradle", Port: 8081}}}
	pyFS := fstest.MapFS{"pyproject.toml": {}, "uv.lock": {}}
	pyR := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: ".", Language: stack.Python, Version: "3.12", PackageManager: "uv",
		Start: "uvicorn api.main:app --host 0.0.0.0 --port 8000", Port: 8000}}}

	checkGolden(t, "container-go", kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, goR, goFS))
	checkGolden(t, "container-monorepo", kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, monoR, monoFS))
	checkGolden(t, "container-java-gradle", kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, javaR, javaFS))
	checkGolden(t, "container-python-uv", kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, pyR, pyFS))

	dep := kittest.Work(t, kit.ContainerMode, engine.Task{ID: "container"}, monoR, monoFS)
	compose := engine.Task{ID: "compose", Params: map[string]string{"backing": "postgres,redis"}}
	checkGolden(t, "compose-monorepo", kittest.Work(t, kit.ComposeMode, compose, monoR, monoFS, dep))
}
