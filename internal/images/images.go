// Package images holds the project's table of container images
// (images.yaml, embedded): the build and runtime images per language, the
// images of backing services and sidecars, pinned Python tools, and the
// tags that exist per version and variant for the language images. The
// built-in specialists pick images from it; the validation gate checks
// FROM lines against its tags.
package images

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed images.yaml
var tableYAML []byte

// Table is images.yaml: the base images per language, the pinned tools,
// the images of backing services and of sidecars, and the known tags.
type Table struct {
	Languages map[string]Language `yaml:"languages"`
	Tools     map[string]string   `yaml:"tools"`
	Services  map[string]Service  `yaml:"services"`
	Sidecars  map[string]Sidecar  `yaml:"sidecars"`
	// Tags maps an image name (golang, node) to the tags it publishes.
	Tags map[string]TagFamily `yaml:"tags"`
}

// Language is one language's build and runtime images.
type Language struct {
	DefaultVersion string `yaml:"default_version"`
	// VersionParts is how many dotted parts of a version the tags use.
	VersionParts int `yaml:"version_parts"`
	Port         int `yaml:"port"`
	// Build maps a package manager (or "default") to the build image.
	Build   map[string]string `yaml:"build"`
	Runtime string            `yaml:"runtime"`
	// Runtimes maps a need ("cgo", a package manager such as "bun") to a
	// runtime image other than Runtime.
	Runtimes map[string]string `yaml:"runtimes"`
}

// Service is one backing service's image and where it keeps data.
type Service struct {
	Image      string `yaml:"image"`
	Port       int    `yaml:"port"`
	ExtraPorts []int  `yaml:"extra_ports"`
	Volume     string `yaml:"volume"`
}

// Sidecar is one sidecar container's image and the numeric non-root user
// it runs as.
type Sidecar struct {
	Image string `yaml:"image"`
	UID   int    `yaml:"uid"`
}

var load = sync.OnceValues(func() (*Table, error) { return Parse(tableYAML) })

// Load returns the embedded table, parsed and checked once.
func Load() (*Table, error) { return load() }

// Parse decodes and checks an image table: every image tagged, none
// "latest", none by digest, every language complete, every sidecar with
// its uid, every tag family with its parts, source and valid versions.
func Parse(data []byte) (*Table, error) {
	var t Table
	if err := yaml.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("images.yaml: %w", err)
	}
	for _, lang := range SortedKeys(t.Languages) {
		l := t.Languages[lang]
		if l.DefaultVersion == "" || l.VersionParts < 1 || l.Port == 0 || l.Build["default"] == "" || l.Runtime == "" {
			return nil, fmt.Errorf("images.yaml: language %s needs default_version, version_parts, port, build.default and runtime", lang)
		}
		for _, pm := range SortedKeys(l.Build) {
			if err := checkRef(lang+" build image", l.Build[pm]); err != nil {
				return nil, err
			}
		}
		if err := checkRef(lang+" runtime image", l.Runtime); err != nil {
			return nil, err
		}
		for _, k := range SortedKeys(l.Runtimes) {
			if err := checkRef(lang+" "+k+" runtime image", l.Runtimes[k]); err != nil {
				return nil, err
			}
		}
	}
	for _, name := range SortedKeys(t.Services) {
		s := t.Services[name]
		if s.Port == 0 {
			return nil, fmt.Errorf("images.yaml: service %s needs a port", name)
		}
		if err := checkRef("service "+name, s.Image); err != nil {
			return nil, err
		}
	}
	for _, name := range SortedKeys(t.Sidecars) {
		s := t.Sidecars[name]
		if s.UID <= 0 {
			return nil, fmt.Errorf("images.yaml: sidecar %s needs the image's non-root uid", name)
		}
		if err := checkRef("sidecar "+name, s.Image); err != nil {
			return nil, err
		}
	}
	for _, name := range SortedKeys(t.Tags) {
		if err := t.Tags[name].check(name); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// checkRef refuses an image reference without a tag, with latest or with
// a digest; "{version}" stands for any version.
func checkRef(what, ref string) error {
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

// SortedKeys returns a map's keys in order, for deterministic output.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
