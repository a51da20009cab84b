package cicd

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// ReleaseWorkflowPath is where the CI/CD specialist writes the release
// workflow (Params["workflows"] contains "release").
const ReleaseWorkflowPath = ".github/workflows/release.yml"

// ciGoTargets are the GOOS/GOARCH pairs a Go release cross-compiles.
var ciGoTargets = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

// ciReleaseConfigs are the release tools' configuration files that show a
// repository already releases by itself.
var ciReleaseConfigs = []string{".goreleaser.yml", ".goreleaser.yaml", "goreleaser.yml", "goreleaser.yaml",
	".release-please-manifest.json", "release-please-config.json", ".releaserc", ".releaserc.json", ".releaserc.yml"}

// ciReleaseRE finds, in a workflow, the tools that publish a release.
var ciReleaseRE = regexp.MustCompile(`gh release (?:create|upload)|action-gh-release|goreleaser|release-please|semantic-release|actions/create-release|actions/upload-release-asset|ncipollo/release-action|svenstaro/upload-release-action|shogo82148/actions-upload-release-asset|cargo-dist|taiki-e/upload-rust-binary-action`)

// CIExistingRelease returns the file the repository already releases
// with (a goreleaser or release-please configuration, or a workflow that
// creates releases), "" when it has none.
func CIExistingRelease(ws fs.FS, existing []ciExisting) string {
	if ws != nil {
		for _, f := range ciReleaseConfigs {
			if workspace.Exists(ws, f) {
				return f
			}
		}
	}
	for _, e := range existing {
		base := path.Base(e.Path)
		if base == "release.yml" || base == "release.yaml" || ciReleaseRE.MatchString(e.content) {
			return e.Path
		}
	}
	return ""
}

// ciWriteRelease writes release.yml: on v* tags it builds what the
// repository builds (Go binaries cross-compiled for Linux, macOS and
// Windows on amd64 and arm64, the Rust binary, the npm package, the
// Python sdist and wheel), writes SHA256SUMS and creates the GitHub
// release with the gh CLI and notes generated from the commits. A
// repository that already releases (goreleaser, release-please, a release
// workflow) keeps that, with a note.
func ciWriteRelease(in engine.WorkInput, services []stack.Service, existing []ciExisting, cs *change.ChangeSet) error {
	if have := CIExistingRelease(in.Workspace, existing); have != "" {
		return ciNoteOnCI(cs, fmt.Sprintf("no release workflow added: the repository already releases with %s, which is kept as it is", have), nil)
	}
	if in.Workspace != nil && workspace.Exists(in.Workspace, ReleaseWorkflowPath) {
		return ciNoteOnCI(cs, "no release workflow added: "+ReleaseWorkflowPath+" exists and is kept", nil)
	}
	checkout, err := ciCheckout()
	if err != nil {
		return err
	}
	job := cxJob{
		ID: "release", Name: "Build and publish the release", Timeout: 30,
		Permissions: []ciKV{{Key: "contents", Value: "write"}},
		Steps:       []cxStep{cxFrom([]ciStep{checkout})[0]},
	}
	var built, notes []string
	seen, names := map[string]bool{}, map[string]bool{}
	for _, s := range services {
		c := &ciSvc{ws: in.Workspace, s: s}
		steps, what, err := ciReleaseSteps(c, names)
		if err != nil {
			return err
		}
		notes = append(notes, c.notes...)
		if what == "" {
			continue
		}
		built = append(built, what)
		for _, st := range steps {
			key := st.Name + st.Uses + st.Run + st.Dir
			for _, w := range st.With {
				key += w.Key + w.Value
			}
			if !seen[key] {
				seen[key] = true
				job.Steps = append(job.Steps, st)
			}
		}
		if s.Language == stack.Rust {
			job.Env = append(job.Env, ciKV{Key: "CARGO_TERM_COLOR", Value: "always"})
		}
	}
	create := `gh release create "$GITHUB_REF_NAME" --verify-tag --generate-notes "$GITHUB_WORKSPACE"/dist/*`
	head := fmt.Sprintf("on v* tags: builds %s, writes SHA256SUMS and creates the GitHub release with gh (notes generated from the commits); only this job gets contents: write", strings.Join(built, "; "))
	if len(built) == 0 {
		// Nothing the built-in specialist builds: the release still has
		// its notes from the commits, and GitHub attaches the source
		// archives.
		what := "nothing the built-in specialist builds"
		if len(services) > 0 {
			what = "no program or package in " + ciDirList(services)
		}
		if in.Repo != nil && len(in.Repo.Unsupported) > 0 {
			var langs []string
			for _, u := range in.Repo.Unsupported {
				langs = append(langs, stack.LanguageName(u.Language))
			}
			what = strings.Join(ciDedupe(langs), ", ") + " is not built by the built-in specialist"
		}
		create = `gh release create "$GITHUB_REF_NAME" --verify-tag --generate-notes`
		head = "on v* tags: creates the GitHub release with gh, notes generated from the commits and GitHub's source archives; no build artifacts (" + what +
			"): add a build step before it to attach them; only this job gets contents: write"
		job.Steps = job.Steps[:0]
	} else {
		job.Steps = append(job.Steps, cxRun("Checksums", "cd \"$GITHUB_WORKSPACE/dist\"\nsha256sum -- * > SHA256SUMS\ncat SHA256SUMS"))
	}
	job.Env = ciDedupeKV(job.Env)
	job.Steps = append(job.Steps, cxStep{
		Name: kit.YAMLScalar("Create the GitHub release"),
		Env:  []ciKV{{Key: "GH_TOKEN", Value: "${{ secrets.GITHUB_TOKEN }}"}, {Key: "GH_REPO", Value: "${{ github.repository }}"}},
		Run:  cxScript(create),
	})
	data := cxWorkflow{
		Name: "Release",
		Comments: []string{
			"On each v* tag, builds the release artifacts, writes their SHA-256 checksums",
			"and creates the GitHub release with notes generated from the commits since",
			"the previous tag. Tag a commit to release it: git tag v1.2.3 && git push origin v1.2.3",
			"Only the release job may write the repository's contents (to create the release).",
		},
		On:               []string{"push:", "  tags: [\"v*\"]"},
		Group:            "release-${{ github.ref }}",
		CancelInProgress: "false",
		Jobs:             []cxJob{job},
	}
	out, err := templates.Render("jobs.yml.tmpl", data)
	if err != nil {
		return err
	}
	cs.Put(ReleaseWorkflowPath, out, nil, strings.Join(ciDedupe(append([]string{head}, notes...)), "; "))
	return nil
}

// ciDedupeKV drops repeated keys, keeping the first.
func ciDedupeKV(in []ciKV) []ciKV {
	var out []ciKV
	for _, kv := range in {
		if !slices.ContainsFunc(out, func(o ciKV) bool { return o.Key == kv.Key }) {
			out = append(out, kv)
		}
	}
	return out
}

// ciReleaseSteps returns a service's setup and build steps for the
// release and what they build, "" (no steps) for a unit that has nothing
// to release (a library, a site, a GitHub Action...). names are the
// binary names taken by the services before it.
func ciReleaseSteps(c *ciSvc, names map[string]bool) ([]cxStep, string, error) {
	s := c.s
	switch s.Kind {
	case stack.KindFixture, stack.KindExample, stack.KindAction, stack.KindSite:
		return nil, "", nil
	}
	var build []cxStep
	var what string
	switch s.Language {
	case stack.Go:
		if s.Kind == stack.KindLibrary || len(s.Mains) == 0 {
			return nil, "", nil
		}
		script, bins, err := ciGoRelease(c, names)
		if err != nil {
			return nil, "", err
		}
		targets := "linux, darwin and windows on amd64 and arm64"
		if slices.Contains(s.Frameworks, "cgo") {
			targets = "linux/amd64 only (a dependency needs cgo, which does not cross-compile without a C cross toolchain)"
			c.note("a dependency needs cgo, so the release builds linux/amd64 only; add a C cross toolchain (or goreleaser with zig) for other targets")
		}
		build = []cxStep{cxRun("Build "+strings.Join(bins, ", "), script)}
		what = fmt.Sprintf("the Go binaries %s (%s)", strings.Join(bins, ", "), targets)
	case stack.Rust:
		if s.Kind == stack.KindLibrary || s.Entry == "" || !ciSafeName(s.Entry) {
			return nil, "", nil
		}
		locked := ""
		if c.has("Cargo.lock") {
			locked = " --locked"
		}
		// One target directory, wherever the crate's workspace root is.
		script := fmt.Sprintf("mkdir -p \"$GITHUB_WORKSPACE/dist\"\nCARGO_TARGET_DIR=\"$RUNNER_TEMP/target\" cargo build --release%s --bin %s\ncp \"$RUNNER_TEMP/target/release/%s\" \"$GITHUB_WORKSPACE/dist/%s_${GITHUB_REF_NAME}_linux_amd64\"",
			locked, s.Entry, s.Entry, s.Entry)
		build = []cxStep{cxRun("Build "+s.Entry, script)}
		what = "the Rust binary " + s.Entry + " (linux/amd64)"
		c.note("the Rust binary is built for linux/amd64 only; other targets need cross toolchains (cross, cargo-dist)")
	case stack.Node:
		if !c.has("package.json") {
			return nil, "", nil
		}
		var pkg ciPackageJSON
		_ = json.Unmarshal(c.read("package.json"), &pkg)
		pm := ciNodePM(c, pkg)
		if pkg.Scripts["build"] != "" {
			build = append(build, cxRun("Build", pm+" run build"))
		}
		pack := "npm pack --pack-destination \"$GITHUB_WORKSPACE/dist\""
		switch pm {
		case "pnpm":
			pack = "pnpm pack --pack-destination \"$GITHUB_WORKSPACE/dist\""
		case "bun":
			pack = "bun pm pack --destination \"$GITHUB_WORKSPACE/dist\""
		}
		build = append(build, cxRun("Pack the package", "mkdir -p \"$GITHUB_WORKSPACE/dist\"\n"+pack))
		what = "the npm package of " + s.Dir
	case stack.Python:
		if !c.has("pyproject.toml") && !c.has("setup.py") {
			c.note("no pyproject.toml or setup.py, so there is no Python package to release")
			return nil, "", nil
		}
		script := "python -m pip install build\npython -m build --outdir \"$GITHUB_WORKSPACE/dist\""
		if s.PackageManager == "uv" || c.has("uv.lock") {
			script = "uv build --out-dir \"$GITHUB_WORKSPACE/dist\""
		}
		build = []cxStep{cxRun("Build the sdist and wheel", script)}
		what = "the Python sdist and wheel of " + s.Dir
	default:
		c.note("%s artifacts are not built by the release workflow (it builds Go, Rust, Node and Python); attach them by hand", s.Language)
		return nil, "", nil
	}
	setup, _, err := cxSetupSteps(c)
	if err != nil {
		return nil, "", err
	}
	steps := cxFrom(setup)
	steps = append(steps, build...)
	if s.Dir != "." {
		for i := range steps {
			if steps[i].Run != "" {
				steps[i].Dir = kit.YAMLScalar(s.Dir)
			}
		}
	}
	return steps, what, nil
}

// ciNodePM is the package manager of a Node service, as its CI recipe
// picks it.
func ciNodePM(c *ciSvc, pkg ciPackageJSON) string {
	pm := c.s.PackageManager
	switch {
	case pm == "bun" || c.has("bun.lock") || c.has("bun.lockb") || strings.HasPrefix(pkg.PackageManager, "bun@"):
		return "bun"
	case pm == "npm" || pm == "yarn" || pm == "pnpm":
		return pm
	case c.has("pnpm-lock.yaml") || strings.HasPrefix(pkg.PackageManager, "pnpm@"):
		return "pnpm"
	case c.has("yarn.lock") || strings.HasPrefix(pkg.PackageManager, "yarn@"):
		return "yarn"
	}
	return "npm"
}

var (
	ciSafeNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	ciGoMainRE   = regexp.MustCompile(`^\.(/[A-Za-z0-9._-]+)*$`)
)

func ciSafeName(s string) bool { return ciSafeNameRE.MatchString(s) }

// ciGoRelease is the script that cross-compiles a Go service's main
// packages into dist/<name>_<tag>_<os>_<arch>[.exe], and the binaries'
// names.
func ciGoRelease(c *ciSvc, used map[string]bool) (string, []string, error) {
	type bin struct{ name, pkg string }
	var bins []bin
	for _, m := range c.s.Mains {
		m = "./" + strings.TrimPrefix(path.Clean(m), "./")
		if m == "./." {
			m = "."
		}
		if !ciGoMainRE.MatchString(m) {
			c.note("the main package %q has characters a script should not carry; it is not released", m)
			continue
		}
		name := path.Base(m)
		if m == "." {
			name = c.s.Name
			if name == "" || name == "." {
				name = path.Base(c.s.Module)
			}
		}
		name = strings.Trim(kit.CIImageNameRE.ReplaceAllString(strings.ToLower(name), "-"), "-._")
		if used[name] && c.s.Dir != "." {
			// Two services with a ./cmd/http each: name the second by
			// its service too.
			name = strings.Trim(kit.CIImageNameRE.ReplaceAllString(strings.ToLower(path.Base(c.s.Dir)), "-"), "-._") + "-" + name
		}
		if name == "" || used[name] {
			c.note("the main package %s has no name of its own; it is not released", m)
			continue
		}
		used[name] = true
		bins = append(bins, bin{name, m})
	}
	if len(bins) == 0 {
		return "", nil, fmt.Errorf("service %s: no Go main package with a usable name to release", c.s.Dir)
	}
	targets := strings.Join(ciGoTargets, " ")
	cgo := "0"
	if slices.Contains(c.s.Frameworks, "cgo") {
		targets, cgo = "linux/amd64", "1"
	}
	var b strings.Builder
	b.WriteString("mkdir -p \"$GITHUB_WORKSPACE/dist\"\n")
	fmt.Fprintf(&b, "for target in %s; do\n", targets)
	b.WriteString("  goos=\"${target%/*}\"\n  goarch=\"${target#*/}\"\n  ext=\"\"\n")
	b.WriteString("  if [ \"$goos\" = windows ]; then ext=\".exe\"; fi\n")
	var names []string
	for _, x := range bins {
		names = append(names, x.name)
		fmt.Fprintf(&b, "  CGO_ENABLED=%s GOOS=\"$goos\" GOARCH=\"$goarch\" go build -trimpath -ldflags \"-s -w\" -o \"$GITHUB_WORKSPACE/dist/%s_${GITHUB_REF_NAME}_${goos}_${goarch}${ext}\" %s\n",
			cgo, x.name, x.pkg)
	}
	b.WriteString("done")
	return b.String(), names, nil
}
