package kit

import (
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/images"
	"github.com/devops-lead/devops-lead/internal/intent"
	"github.com/devops-lead/devops-lead/internal/stack"
)

func TestImageTable(t *testing.T) {
	tbl, err := LoadImages()
	if err != nil {
		t.Fatalf("images.yaml: %v", err)
	}
	for _, lang := range []stack.Language{stack.Go, stack.Node, stack.Python, stack.Rust, stack.Java} {
		imgs, err := tbl.ImagesFor(&stack.Service{Language: lang, Dir: "."}, "")
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		if !imgs.Assumed || imgs.Port == 0 || strings.Contains(imgs.Build+imgs.Runtime, "{version}") {
			t.Errorf("%s defaults = %+v", lang, imgs)
		}
	}
	want := map[string]string{"go": "1.25", "node": "22", "python": "3.13", "rust": "1.90", "java": "21"}
	for lang, v := range want {
		if got := tbl.Languages[lang].DefaultVersion; got != v {
			t.Errorf("%s default version = %q, want %q", lang, got, v)
		}
	}
	for _, b := range intent.BackingOrder() {
		if _, ok := tbl.Services[b]; !ok {
			t.Errorf("no image for backing service %s", b)
		}
	}
	if _, err := tbl.ImagesFor(&stack.Service{Language: "cobol", Dir: "x"}, ""); err == nil {
		t.Errorf("an unknown language got images")
	}
}

func TestParseImagesRejects(t *testing.T) {
	lang := "languages:\n  go:\n    default_version: \"1\"\n    version_parts: 2\n    port: 1\n    build: {default: %q}\n    runtime: \"x:1\"\n"
	for _, bad := range []string{"golang:latest", "golang", "golang@sha256:abcd", "registry.io:5000/golang"} {
		data := strings.Replace(lang, "%q", `"`+bad+`"`, 1)
		if _, err := parseImages([]byte(data)); err == nil {
			t.Errorf("image %q was accepted", bad)
		}
	}
	if _, err := parseImages([]byte(strings.Replace(lang, "%q", `"golang:{version}-bookworm"`, 1))); err != nil {
		t.Errorf("a good table was refused: %v", err)
	}
	if _, err := parseImages([]byte("services:\n  pg:\n    image: postgres\n    port: 5432\n")); err == nil {
		t.Errorf("an untagged service image was accepted")
	}
	if _, err := parseImages([]byte("languages: [")); err == nil {
		t.Errorf("malformed YAML was accepted")
	}
}

func TestCutVersion(t *testing.T) {
	tests := []struct {
		in    string
		parts int
		want  string
	}{
		{"1.22.3", 2, "1.22"}, {"1.22", 2, "1.22"}, {">=3.12,<4", 2, "3.12"}, {"^20.11.1", 1, "20"},
		{"1.8", 1, "8"}, {"21", 1, "21"}, {"3", 2, "3"}, {"", 2, ""}, {"lts", 1, ""},
	}
	for _, tc := range tests {
		if got := CutVersion(tc.in, tc.parts); got != tc.want {
			t.Errorf("cutVersion(%q, %d) = %q, want %q", tc.in, tc.parts, got, tc.want)
		}
	}
}

// The sidecars section: the Cloud SQL Auth Proxy is there with a tag and
// its non-root uid, and a sidecar image without a tag, with latest or
// without a uid is refused.
func TestImageTableSidecars(t *testing.T) {
	tbl, err := LoadImages()
	if err != nil {
		t.Fatal(err)
	}
	p, err := tbl.Sidecar(SidecarCloudSQLProxy)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Image, "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.") || p.UID != 65532 {
		t.Errorf("cloud SQL proxy sidecar = %+v", p)
	}
	if _, err := tbl.Sidecar("nope"); err == nil || !strings.Contains(err.Error(), "sidecars") {
		t.Errorf("an unknown sidecar: err = %v", err)
	}
	for _, bad := range []string{
		"sidecars:\n  p:\n    image: \"proxy:latest\"\n    uid: 1\n",
		"sidecars:\n  p:\n    image: \"proxy\"\n    uid: 1\n",
		"sidecars:\n  p:\n    image: \"proxy@sha256:abcd\"\n    uid: 1\n",
		"sidecars:\n  p:\n    image: \"proxy:2.0.0\"\n",
	} {
		if _, err := parseImages([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if _, err := parseImages([]byte("sidecars:\n  p:\n    image: \"proxy:2.0.0\"\n    uid: 65532\n")); err != nil {
		t.Errorf("a good sidecar was refused: %v", err)
	}
}

// The specialists read the one shared table of internal/images, the one
// the gate checks FROM lines against.
func TestImageTableIsShared(t *testing.T) {
	tbl, err := LoadImages()
	if err != nil {
		t.Fatal(err)
	}
	shared, err := images.Load()
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Table != shared {
		t.Error("loadImages does not return the internal/images table")
	}
	if len(tbl.Tags) == 0 {
		t.Error("the table has no tags section")
	}
}
