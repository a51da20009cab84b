package builtin

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/devops-lead/devops-lead/internal/images"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// imageTable is the project's image table (internal/images, images.yaml
// there): the base images per language, the images of backing services and
// of sidecars, tags only. The specialists' helpers hang off it.
type imageTable struct{ *images.Table }

// The table's entries, under the names the specialists use.
type (
	backingImage = images.Service
	sidecarImage = images.Sidecar
)

// sidecarCloudSQLProxy is the Cloud SQL Auth Proxy's key in sidecars.
const sidecarCloudSQLProxy = "cloudsql-proxy"

// loadImages returns the embedded image table.
func loadImages() (*imageTable, error) {
	t, err := images.Load()
	if err != nil {
		return nil, fmt.Errorf("load the image table: %w", err)
	}
	return &imageTable{t}, nil
}

// parseImages decodes and checks an image table (see images.Parse).
func parseImages(data []byte) (*imageTable, error) {
	t, err := images.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse the image table: %w", err)
	}
	return &imageTable{t}, nil
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
// selects a build image other than the default ("maven", "gradle", "bun");
// the runtime is the one for the service's need (runtimeNeed) when the
// table has one.
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
	runtime := l.Runtime
	if need := runtimeNeed(s); need != "" {
		r, ok := l.Runtimes[need]
		if !ok {
			return baseImages{}, fmt.Errorf("images.yaml has no %s runtime image for %s (needed by %s): add one under runtimes", need, s.Language, dirLabel(s.Dir))
		}
		runtime = r
	}
	sub := func(ref string) string { return strings.ReplaceAll(ref, "{version}", v) }
	return baseImages{Build: sub(build), Runtime: sub(runtime), Version: v, Assumed: assumed, Port: l.Port}, nil
}

// runtimeNeed names the runtime a service needs other than its
// language's default: "cgo" for a Go module that only builds with cgo
// (it needs glibc), "bun" for a Node unit installed with Bun; "" for the
// default.
func runtimeNeed(s *stack.Service) string {
	switch {
	case s.Language == stack.Go && hasFramework(s, "cgo"):
		return "cgo"
	case s.Language == stack.Node && s.PackageManager == "bun":
		return "bun"
	}
	return ""
}

// hasFramework reports whether detection saw the framework f.
func hasFramework(s *stack.Service, f string) bool {
	for _, x := range s.Frameworks {
		if x == f {
			return true
		}
	}
	return false
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
func sortedKeys[V any](m map[string]V) []string { return images.SortedKeys(m) }
