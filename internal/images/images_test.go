package images

import (
	"strings"
	"testing"
)

func TestLoadEmbedded(t *testing.T) {
	tbl, err := Load()
	if err != nil {
		t.Fatalf("images.yaml: %v", err)
	}
	for _, lang := range []string{"go", "node", "python", "rust", "java"} {
		if _, ok := tbl.Languages[lang]; !ok {
			t.Errorf("no images for %s", lang)
		}
	}
	for _, img := range []string{"golang", "node", "python", "rust", "eclipse-temurin"} {
		if _, ok := tbl.Tags[img]; !ok {
			t.Errorf("no tags for %s", img)
		}
	}
}

// Every image the table hands out, at the default and at every version a
// variant lists, must itself pass the tag check: the specialists must not
// write a FROM the gate refuses.
func TestTableImagesExist(t *testing.T) {
	tbl, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range SortedKeys(tbl.Languages) {
		l := tbl.Languages[lang]
		refs := []string{l.Runtime}
		for _, pm := range SortedKeys(l.Build) {
			refs = append(refs, l.Build[pm])
		}
		for _, ref := range refs {
			r := strings.ReplaceAll(ref, "{version}", l.DefaultVersion)
			i := strings.LastIndex(r, ":")
			if m := tbl.MissingTag(r[:i], r[i+1:]); m != nil {
				t.Errorf("%s default image %s: %v", lang, r, m)
			}
		}
	}
}

func TestMissingTag(t *testing.T) {
	tbl, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		image, tag string
		missing    bool
		elsewhere  string // a variant the message must offer
	}{
		{"golang", "1.15-bookworm", true, "1.15-buster"},
		{"golang", "1.15.7-bookworm", true, "1.15-buster"},
		{"docker.io/library/golang", "1.18-bookworm", true, "1.18-bullseye"},
		{"golang", "1.19-bookworm", false, ""},
		{"golang", "1.25.3-bookworm", false, ""},
		{"golang", "1.40-bookworm", false, ""}, // newer than listed, variant current: unknown
		{"golang", "1.25-bullseye", true, "1.25-bookworm"},
		{"golang", "1.30-buster", true, ""}, // a retired variant's list is complete
		{"golang", "1-bookworm", false, ""}, // floating major: not checked
		{"golang", "1.15", false, ""},       // no variant
		{"golang", "1.15-windowsservercore", false, ""},
		{"node", "19-bookworm-slim", true, "19-bullseye"},
		{"node", "22-bookworm-slim", false, ""},
		{"node", "22.11.0-alpine3.20", false, ""},
		{"node", "14-alpine3.20", true, "14-alpine3.16"},
		{"python", "3.6-slim-bookworm", true, "3.6-slim-bullseye"},
		{"python", "3.13-slim-bookworm", false, ""},
		{"rust", "1.60-bookworm", true, "1.60-bullseye"},
		{"eclipse-temurin", "21-jre", false, ""},
		{"eclipse-temurin", "14-jdk", true, ""},
		{"ghcr.io/foo/golang", "1.15-bookworm", false, ""}, // not the official image
		{"nginx", "1.0-bookworm", false, ""},
	}
	for _, tc := range tests {
		m := tbl.MissingTag(tc.image, tc.tag)
		if (m != nil) != tc.missing {
			t.Errorf("MissingTag(%s, %s) = %v, want missing=%v", tc.image, tc.tag, m, tc.missing)
			continue
		}
		if m == nil {
			continue
		}
		msg := m.Error()
		if !strings.Contains(msg, "has no "+m.Version+"-"+m.Variant) || m.Source == "" {
			t.Errorf("%s:%s message %q or source %q", tc.image, tc.tag, msg, m.Source)
		}
		if tc.elsewhere != "" && !strings.Contains(msg, tc.elsewhere) {
			t.Errorf("%s:%s message %q does not offer %s", tc.image, tc.tag, msg, tc.elsewhere)
		}
	}
}

func TestParseRejects(t *testing.T) {
	lang := "languages:\n  go:\n    default_version: \"1\"\n    version_parts: 2\n    port: 1\n    build: {default: %q}\n    runtime: \"x:1\"\n"
	for _, bad := range []string{"golang:latest", "golang", "golang@sha256:abcd", "registry.io:5000/golang"} {
		if _, err := Parse([]byte(strings.Replace(lang, "%q", `"`+bad+`"`, 1))); err == nil {
			t.Errorf("image %q was accepted", bad)
		}
	}
	if _, err := Parse([]byte(strings.Replace(lang, "%q", `"golang:{version}-bookworm"`, 1))); err != nil {
		t.Errorf("a good table was refused: %v", err)
	}
	fam := "tags:\n  golang:\n    parts: 2\n    source: s\n    variants:\n      bookworm: {versions: %s, current: true, source: s}\n"
	for _, bad := range []string{`["1"]`, `["1.20", "1.19"]`, `["1.x"]`, `["1.9..2.1"]`, `["1.20..1.19"]`, `[]`} {
		if _, err := Parse([]byte(strings.Replace(fam, "%s", bad, 1))); err == nil {
			t.Errorf("versions %s were accepted", bad)
		}
	}
	if _, err := Parse([]byte(strings.Replace(fam, "%s", `["1.19..1.21", "1.23"]`, 1))); err != nil {
		t.Errorf("good versions were refused: %v", err)
	}
	if _, err := Parse([]byte("tags:\n  golang:\n    parts: 2\n    variants:\n      bookworm: {versions: [\"1.2\"], source: s}\n")); err == nil {
		t.Errorf("a family without source was accepted")
	}
	if _, err := Parse([]byte("tags: [")); err == nil {
		t.Errorf("malformed YAML was accepted")
	}
}
