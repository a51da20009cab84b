package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

// repoRoot is the repository's root, found from this package's directory
// before any test changes the working directory.
var repoRoot = func() string {
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return filepath.Join("..", "..")
	}
	return abs
}()

func readRepoFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestProjectFilesPassTheGate: the project's own Dockerfile, action.yml
// and workflows (ci.yml, release.yml and any other) pass `devops-lead
// validate --strict`, the check .ci/run runs: warnings fail it too.
func TestProjectFilesPassTheGate(t *testing.T) {
	abs := repoRoot
	for _, p := range []string{".github/workflows/ci.yml", ".github/workflows/release.yml"} {
		if _, err := os.Stat(filepath.Join(abs, p)); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	code, out, errOut := validateCLI(t, abs, "--strict", "Dockerfile", ".dockerignore", "action.yml", ".github/workflows")
	if code != exitOK || !strings.Contains(strings.ToLower(out), "no findings") {
		t.Fatalf("validate --strict exited %d:\n%s%s", code, out, errOut)
	}
	// .ci/run runs the same check over the same files.
	if run := readRepoFile(t, ".ci/run"); !regexp.MustCompile(`(?m)^go run \./cmd/devops-lead validate --strict .*\baction\.yml\b.*\.github/workflows\b`).MatchString(run) {
		t.Error(".ci/run no longer validates action.yml and .github/workflows with --strict")
	}
}

// releaseWorkflow is the part of release.yml the tests read.
type releaseWorkflow struct {
	On struct {
		Push struct {
			Tags []string `yaml:"tags"`
		} `yaml:"push"`
	} `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		Permissions map[string]string `yaml:"permissions"`
		Needs       []string          `yaml:"needs"`
		Steps       []struct {
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestReleaseWorkflow: release.yml runs on v* tags, gives the workflow's
// token nothing and each job only what it needs, takes every action from
// the pins table (SHA and version comment), builds the six platforms and
// both images with SBOM and provenance, signs them with cosign by digest,
// and publishes the release with the archives and SHA256SUMS.
func TestReleaseWorkflow(t *testing.T) {
	text := readRepoFile(t, ".github/workflows/release.yml")
	var wf releaseWorkflow
	if err := yaml.Unmarshal([]byte(text), &wf); err != nil {
		t.Fatalf("release.yml: %v", err)
	}
	if strings.Join(wf.On.Push.Tags, " ") != "v*" {
		t.Errorf("on.push.tags = %v, want [v*]", wf.On.Push.Tags)
	}
	if wf.Permissions == nil || len(wf.Permissions) != 0 {
		t.Errorf("top-level permissions %v, want {}", wf.Permissions)
	}
	want := map[string]map[string]string{
		"binaries": {"contents": "read", "id-token": "write", "attestations": "write"},
		"images":   {"contents": "read", "packages": "write", "id-token": "write"},
		"release":  {"contents": "write"},
	}
	if len(wf.Jobs) != len(want) {
		t.Errorf("jobs %d, want %d", len(wf.Jobs), len(want))
	}
	for name, perms := range want {
		j, ok := wf.Jobs[name]
		if !ok {
			t.Errorf("no job %s", name)
			continue
		}
		if !reflect.DeepEqual(j.Permissions, perms) {
			t.Errorf("job %s permissions %v, want %v", name, j.Permissions, perms)
		}
	}
	if needs := wf.Jobs["release"].Needs; strings.Join(needs, " ") != "binaries images" {
		t.Errorf("release needs %v: it must wait for the binaries and the images", needs)
	}

	// Every action is the table's pin, with its version as the comment.
	uses := regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*([^@\s]+)@(\S+)(.*)$`).FindAllStringSubmatch(text, -1)
	seen := map[string]bool{}
	for _, m := range uses {
		pin, ok := pins.Known(m[1] + "@" + m[2])
		if !ok {
			t.Errorf("uses %s@%s is not a pin of internal/pins/actions.yaml", m[1], m[2])
			continue
		}
		if got := strings.TrimSpace(m[3]); got != "# "+pin.Version {
			t.Errorf("uses %s: comment %q, want %q", m[1], got, "# "+pin.Version)
		}
		seen[m[1]] = true
	}
	for _, a := range []string{"actions/attest-build-provenance", "sigstore/cosign-installer", "docker/build-push-action", "actions/upload-artifact", "actions/download-artifact"} {
		if !seen[a] {
			t.Errorf("release.yml does not use %s", a)
		}
	}

	var builds, signs int
	for _, s := range wf.Jobs["images"].Steps {
		if strings.HasPrefix(s.Uses, "docker/build-push-action@") {
			builds++
			if s.With["platforms"] != "linux/amd64,linux/arm64" || s.With["sbom"] != "true" || s.With["provenance"] != "mode=max" || s.With["push"] != "true" {
				t.Errorf("image build %v: want both platforms, sbom, provenance and push", s.With)
			}
			if s.With["target"] != "serve" && s.With["target"] != "action" {
				t.Errorf("image build target %q, want serve or action", s.With["target"])
			}
		}
		signs += strings.Count(s.Run, "cosign sign --yes")
	}
	if builds != 2 || signs != 2 {
		t.Errorf("%d image builds and %d cosign signatures, want 2 and 2", builds, signs)
	}
	if !strings.Contains(text, `SERVE: ${{ steps.names.outputs.serve }}@${{ steps.serve.outputs.digest }}`) ||
		!strings.Contains(text, `ACTION: ${{ steps.names.outputs.action }}@${{ steps.action.outputs.digest }}`) {
		t.Error("the images are not signed by digest")
	}
	for _, target := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"} {
		if !strings.Contains(text, " "+target) {
			t.Errorf("the binaries miss %s", target)
		}
	}
	for _, want := range []string{"sha256sum -- * > SHA256SUMS", "sha256sum --check --strict SHA256SUMS", "gh release create \"$TAG\" dist/* --verify-tag"} {
		if !strings.Contains(text, want) {
			t.Errorf("release.yml lacks %q", want)
		}
	}
}

// TestDockerfileTargets: the action stage runs the same binary as root
// with `action` as its command; serve stays the last (default) stage; the
// one go build line the release workflow and .ci/run take from the file
// cross-compiles for TARGETOS/TARGETARCH and stamps this package's
// version variable.
func TestDockerfileTargets(t *testing.T) {
	df := readRepoFile(t, "Dockerfile")
	stages := map[string]string{}
	var order []string
	for _, part := range strings.Split(df, "\nFROM ")[1:] {
		m := regexp.MustCompile(`^\S+(?:\s+\S+)*\s+AS\s+(\S+)\n`).FindStringSubmatch(part)
		if m == nil {
			t.Fatalf("unnamed stage: FROM %s", strings.SplitN(part, "\n", 2)[0])
		}
		stages[m[1]] = part
		order = append(order, m[1])
	}
	if strings.Join(order, " ") != "build action serve" {
		t.Fatalf("stages %v, want build, action, serve (serve last: the default target)", order)
	}
	action := stages["action"]
	for _, re := range []string{`(?m)^USER (0|0:0|root)$`, `(?m)^ENTRYPOINT \["/usr/local/bin/devops-lead"\]$`, `(?m)^CMD \["action"\]$`, `(?m)^COPY --from=build /out/devops-lead /usr/local/bin/devops-lead$`} {
		if !regexp.MustCompile(re).MatchString(action) {
			t.Errorf("the action stage lacks %s", re)
		}
	}
	if !strings.HasPrefix(stages["build"], "--platform=$BUILDPLATFORM ") {
		t.Error("the build stage does not run on the build platform (arm64 images would compile under emulation)")
	}
	lines := regexp.MustCompile(`(?m)^RUN CGO_ENABLED=0 .*$`).FindAllString(df, -1)
	if len(lines) != 1 {
		t.Fatalf("%d lines start 'RUN CGO_ENABLED=0 ', want the one go build line", len(lines))
	}
	pkg := reflect.TypeOf(actionRun{}).PkgPath()
	for _, want := range []string{"GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath ", "-X " + pkg + ".version=${VERSION}", " -o /out/devops-lead ./cmd/devops-lead"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("the go build line lacks %q: %s", want, lines[0])
		}
	}
	if run := readRepoFile(t, ".ci/run"); !strings.Contains(run, "grep -m1 '^RUN CGO_ENABLED=0 ' Dockerfile") {
		t.Error(".ci/run does not take the go build line from the Dockerfile")
	}
}

// TestReleasePinsTheAction: the line the release workflow rewrites is in
// action.yml once, and the rewritten metadata is a Docker action on the
// image by digest that actionlint accepts, with the same inputs.
func TestReleasePinsTheAction(t *testing.T) {
	meta := readRepoFile(t, "action.yml")
	wf := readRepoFile(t, ".github/workflows/release.yml")
	const line = "  image: Dockerfile"
	if n := len(regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(line)+`$`).FindAllString(meta, -1)); n != 1 {
		t.Fatalf("action.yml has %d lines %q, want 1: the release workflow replaces it", n, line)
	}
	if !strings.Contains(wf, `sed -i "s|^`+line+`\$|  image: docker://${IMAGE}@${DIGEST}|" action.yml`) {
		t.Fatal("release.yml no longer rewrites the image line of action.yml")
	}
	// A stand-in digest, only for this check.
	pinned := strings.Replace(meta, line, "  image: docker://ghcr.io/devops-lead/devops-lead-action@sha256:"+strings.Repeat("0", 64), 1)
	var before, after actionlint.ActionMetadata
	if err := yaml.Unmarshal([]byte(meta), &before); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(pinned), &after); err != nil {
		t.Fatalf("the pinned action.yml: %v", err)
	}
	if after.Runs.Using != "docker" || !strings.HasPrefix(after.Runs.Image, "docker://ghcr.io/") || fmt.Sprint(after.Runs.Args) != "[action]" {
		t.Errorf("pinned runs %+v", after.Runs)
	}
	names := func(m actionlint.ActionMetadata) []string {
		var out []string
		for n := range m.Inputs {
			out = append(out, n)
		}
		sort.Strings(out)
		return out
	}
	if !reflect.DeepEqual(names(before), names(after)) {
		t.Errorf("inputs changed: %v → %v", names(before), names(after))
	}
}
