package kit

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/devops-lead/devops-lead/internal/images"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// ImageTable is the project's image table (internal/images, images.yaml
// there): the base images per language, the images of backing services and
// of sidecars, tags only. The specialists' helpers hang off it.
type ImageTable struct{ *images.Table }

// The table's entries, under the names the specialists use.
type (
	BackingImage = images.Service
	sidecarImage = images.Sidecar
)

// SidecarCloudSQLProxy is the Cloud SQL Auth Proxy's key in sidecars.
const SidecarCloudSQLProxy = "cloudsql-proxy"

// LoadImages returns the embedded image table.
func LoadImages() (*ImageTable, error) {
	t, err := images.Load()
	if err != nil {
		return nil, fmt.Errorf("load the image table: %w", err)
	}
	return &ImageTable{t}, nil
}

// parseImages decodes and checks an image table (see images.Parse).
func parseImages(data []byte) (*ImageTable, error) {
	t, err := images.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse the image table: %w", err)
	}
	return &ImageTable{t}, nil
}

// Sidecar returns the named sidecar's image, or an error saying it is
// missing from images.yaml.
func (t *ImageTable) Sidecar(name string) (sidecarImage, error) {
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

// ImagesFor picks the build and runtime images for a service. variant
// selects a build image other than the default ("maven", "gradle", "bun");
// the runtime is the one for the service's need (runtimeNeed) when the
// table has one.
func (t *ImageTable) ImagesFor(s *stack.Service, variant string) (baseImages, error) {
	l, ok := t.Languages[string(s.Language)]
	if !ok {
		return baseImages{}, fmt.Errorf("no base image for language %q in images.yaml: add one or containerize %s by hand", s.Language, s.Dir)
	}
	v, assumed := CutVersion(s.Version, l.VersionParts), false
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
			return baseImages{}, fmt.Errorf("images.yaml has no %s runtime image for %s (needed by %s): add one under runtimes", need, s.Language, DirLabel(s.Dir))
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
	case s.Language == stack.Go && HasFramework(s, "cgo"):
		return "cgo"
	case s.Language == stack.Node && s.PackageManager == "bun":
		return "bun"
	}
	return ""
}

// HasFramework reports whether detection saw the framework f.
func HasFramework(s *stack.Service, f string) bool {
	for _, x := range s.Frameworks {
		if x == f {
			return true
		}
	}
	return false
}

var versionRe = regexp.MustCompile(`\d+(\.\d+)*`)

// CutVersion takes the first dotted number in a version statement
// ("^20.11", ">=3.12", "1.22.3", "1.8") and keeps its first parts parts;
// Java's "1.8" becomes "8". It returns "" when there is no number.
func CutVersion(v string, parts int) string {
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

// SortedKeys returns a map's keys in order, for deterministic output.
func SortedKeys[V any](m map[string]V) []string { return images.SortedKeys(m) }

// SplitImage splits an image reference into repository (lower case,
// without docker.io/ and library/), tag and digest.
func SplitImage(ref string) (repo, tag, digest string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref, digest = ref[:i], ref[i+1:]
	}
	repo = ref
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		repo, tag = ref[:i], ref[i+1:]
	}
	repo = strings.ToLower(repo)
	for _, p := range []string{"docker.io/", "index.docker.io/", "library/"} {
		repo = strings.TrimPrefix(repo, p)
	}
	return repo, tag, digest
}

// CIImageNameRE matches the runs of characters an image name may not hold.
var CIImageNameRE = regexp.MustCompile(`[^a-z0-9._-]+`)

// CIImageName is the image's short name for a Dockerfile: its directory's
// base name, "app" at the root.
func CIImageName(dockerfile string) string {
	d := path.Dir(dockerfile)
	if d == "." {
		return "app"
	}
	n := strings.Trim(CIImageNameRE.ReplaceAllString(strings.ToLower(path.Base(d)), "-"), "-._")
	if n == "" {
		return "app"
	}
	return n
}
