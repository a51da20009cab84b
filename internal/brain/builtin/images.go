package builtin

import (
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/devops-lead/devops-lead/internal/stack"
)

//go:embed images.yaml
var imagesYAML []byte

// imageTable is images.yaml: the base images per language, the images of
// backing services and of sidecars, tags only.
type imageTable struct {
	Languages map[string]languageImages `yaml:"languages"`
	Tools     map[string]string         `yaml:"tools"`
	Services  map[string]backingImage   `yaml:"services"`
	Sidecars  map[string]sidecarImage   `yaml:"sidecars"`
}

// sidecarImage is one sidecar container's image and the numeric non-root
// user it runs as.
type sidecarImage struct {
	Image string `yaml:"image"`
	UID   int    `yaml:"uid"`
}

// sidecarCloudSQLProxy is the Cloud SQL Auth Proxy's key in sidecars.
const sidecarCloudSQLProxy = "cloudsql-proxy"

// languageImages are one language's build and runtime images.
type languageImages struct {
	DefaultVersion string `yaml:"default_version"`
	// VersionParts is how many dotted parts of a version the tags use.
	VersionParts int `yaml:"version_parts"`
	Port         int `yaml:"port"`
	// Build maps a package manager (or "default") to the build image.
	Build   map[string]string `yaml:"build"`
	Runtime string            `yaml:"runtime"`
}

// backingImage is one backing service's image and where it keeps data.
type backingImage struct {
	Image      string `yaml:"image"`
	Port       int    `yaml:"port"`
	ExtraPorts []int  `yaml:"extra_ports"`
	Volume     string `yaml:"volume"`
}

var loadImages = sync.OnceValues(func() (*imageTable, error) {
	return parseImages(imagesYAML)
})

// parseImages decodes and checks an image table: every image tagged, none
// "latest", none by digest, every language complete, every sidecar with
// its uid.
func parseImages(data []byte) (*imageTable, error) {
	var t imageTable
	if err := yaml.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("images.yaml: %w", err)
	}
	check := func(what, ref string) error {
		r := strings.ReplaceAll(ref, "{version}", "1")
		i := strings.LastIndex(r, ":")
		switch {
		case strings.Contains(r, "@"):
			return fmt.Errorf("images.yaml: %s %q: use a tag, not a digest", what, ref)
		case i < 0 || strings.Contains(r[i:], "/"):
			return fmt.Errorf("images.yaml: %s %q has no tag: pin one", what, ref)
		case r[i+1:] == "latest":
			return fmt.Errorf("images.yaml: %s %q uses latest: pin a version tag", what, ref)
		}
		return nil
	}
	for _, lang := range sortedKeys(t.Languages) {
		l := t.Languages[lang]
		if l.DefaultVersion == "" || l.VersionParts < 1 || l.Port == 0 || l.Build["default"] == "" || l.Runtime == "" {
			return nil, fmt.Errorf("images.yaml: language %s needs default_version, version_parts, port, build.default and runtime", lang)
		}
		for _, pm := range sortedKeys(l.Build) {
			if err := check(lang+" build image", l.Build[pm]); err != nil {
				return nil, err
			}
		}
		if err := check(lang+" runtime image", l.Runtime); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(t.Services) {
		s := t.Services[name]
		if s.Port == 0 {
			return nil, fmt.Errorf("images.yaml: service %s needs a port", name)
		}
		if err := check("service "+name, s.Image); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(t.Sidecars) {
		s := t.Sidecars[name]
		if s.UID <= 0 {
			return nil, fmt.Errorf("images.yaml: sidecar %s needs the image's non-root uid", name)
		}
		if err := check("sidecar "+name, s.Image); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// sidecar returns the named sidecar's image, or an error saying it is
// missing from images.yaml.
func (t *imageTable) sidecar(name string) (sidecarImage, error) {
	s, ok := t.Sidecars[name]
	if !ok {
		return sidecarImage{}, fmt.Errorf("no image for the sidecar %s in images.yaml: add one under sidecars", name)
	}
	return s, nil
}

// baseImages are the images and version one service's Dockerfile uses.
type baseImages struct {
	Build, Runtime string
	// Version is the version the tags use; Assumed is set when the
	// repository stated none and the table's default was taken.
	Version string
	Assumed bool
	// Port is the language's default port.
	Port int
}

// imagesFor picks the build and runtime images for a service. variant
// selects a build image other than the default ("maven", "gradle").
func (t *imageTable) imagesFor(s *stack.Service, variant string) (baseImages, error) {
	l, ok := t.Languages[string(s.Language)]
	if !ok {
		return baseImages{}, fmt.Errorf("no base image for language %q in images.yaml: add one or containerize %s by hand", s.Language, s.Dir)
	}
	v, assumed := cutVersion(s.Version, l.VersionParts), false
	if v == "" {
		v, assumed = l.DefaultVersion, true
	}
	build := l.Build["default"]
	if b, ok := l.Build[variant]; ok && variant != "" {
		build = b
	}
	sub := func(ref string) string { return strings.ReplaceAll(ref, "{version}", v) }
	return baseImages{Build: sub(build), Runtime: sub(l.Runtime), Version: v, Assumed: assumed, Port: l.Port}, nil
}

var versionRe = regexp.MustCompile(`\d+(\.\d+)*`)

// cutVersion takes the first dotted number in a version statement
// ("^20.11", ">=3.12", "1.22.3", "1.8") and keeps its first parts parts;
// Java's "1.8" becomes "8". It returns "" when there is no number.
func cutVersion(v string, parts int) string {
	m := versionRe.FindString(v)
	if m == "" {
		return ""
	}
	fs := strings.Split(m, ".")
	if parts == 1 && len(fs) > 1 && fs[0] == "1" {
		if n, err := strconv.Atoi(fs[1]); err == nil && n >= 5 && n <= 8 {
			return fs[1] // Java 1.8 is 8
		}
	}
	if len(fs) > parts {
		fs = fs[:parts]
	}
	return strings.Join(fs, ".")
}

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
