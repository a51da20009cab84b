package publish

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readTree(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		got[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestDirWritesFilesAndListsDeletions(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	d := &Dir{Out: out}
	r := result("ship",
		task{id: "container", mode: "container-engineer", put: map[string]string{"Dockerfile": "FROM a\n", ".dockerignore": ".git\n"}},
		task{id: "ci", mode: "ci-pipeline", put: map[string]string{".github/workflows/ci.yml": "name: ci\n"}, del: []string{".travis.yml"}},
		task{id: "k8s", mode: "kubernetes", status: "failed", put: map[string]string{"k8s/app.yaml": "x"}},
	)
	for run := 1; run <= 2; run++ {
		if err := d.Publish(context.Background(), r); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		got := readTree(t, out)
		if len(got) != 4 || got["Dockerfile"] != "FROM a\n" || got[".github/workflows/ci.yml"] != "name: ci\n" || got[".dockerignore"] != ".git\n" {
			t.Errorf("run %d: files = %v", run, got)
		}
		if !strings.Contains(got[DeletionsFile], ".travis.yml\t(task ci)\n") {
			t.Errorf("run %d: %s = %q, want .travis.yml listed", run, DeletionsFile, got[DeletionsFile])
		}
	}
	var paths []string
	for _, f := range d.Written() {
		paths = append(paths, f.Task+":"+f.Path)
	}
	if want := []string{"container:.dockerignore", "ci:.github/workflows/ci.yml", "container:Dockerfile"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("Written = %v, want %v", paths, want)
	}
	if dels := d.Deletions(); len(dels) != 1 || dels[0].Path != ".travis.yml" {
		t.Errorf("Deletions = %+v", dels)
	}
	fi, err := os.Stat(filepath.Join(out, "Dockerfile"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("Dockerfile mode = %v, %v; want 0644", fi.Mode(), err)
	}
}

func TestDirRefusesEscapes(t *testing.T) {
	base := t.TempDir()
	out := filepath.Join(base, "out")
	outside := filepath.Join(base, "outside")
	for _, dir := range []string{out, outside} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../outside", filepath.Join(out, "link")); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	for _, p := range []string{"../evil", "/etc/evil", "a/../../evil", "link/evil", ".git/config"} {
		d := &Dir{Out: out}
		r := result("x", task{id: "t", mode: "m", put: map[string]string{"ok.txt": "fine", p: "evil"}})
		if err := d.Publish(context.Background(), r); err == nil {
			t.Errorf("path %q was accepted", p)
		}
	}
	if got := readTree(t, outside); len(got) != 0 {
		t.Errorf("files escaped the output directory: %v", got)
	}
	if _, err := os.Stat(filepath.Join(base, "evil")); !os.IsNotExist(err) {
		t.Errorf("../evil was written (stat err %v)", err)
	}
}

func TestDirRefusesDeletionsFileClashAndEmptyOut(t *testing.T) {
	d := &Dir{Out: t.TempDir()}
	r := result("x", task{id: "t", mode: "m", put: map[string]string{DeletionsFile: "mine"}, del: []string{"gone"}})
	if err := d.Publish(context.Background(), r); err == nil || !strings.Contains(err.Error(), DeletionsFile) {
		t.Errorf("err = %v, want a clash on %s", err, DeletionsFile)
	}
	if err := (&Dir{}).Publish(context.Background(), r); err == nil {
		t.Error("an empty Out was accepted")
	}
}
