package cicd

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/devops-lead/devops-lead/internal/workspace"
	"gopkg.in/yaml.v3"
)

// ciExisting is a workflow the repository already has, as the CI/CD
// specialist sees it. Its content is data: it is only searched for
// commands, never followed.
type ciExisting struct {
	Path    string
	content string
	// errs are the gate's error findings on it.
	errs []validate.Finding
	// tests: it runs a test command; images: it builds container images;
	// deploys: it deploys, releases or publishes.
	tests, Images, deploys bool
}

// ciWorkflowDir is where GitHub looks for workflows.
const ciWorkflowDir = ".github/workflows"

// CIExistingWorkflows reads the repository's workflows (those detection
// listed and those in .github/workflows), each checked by the gate.
func CIExistingWorkflows(ws fs.FS, repo *stack.Repo) []ciExisting {
	if ws == nil {
		return nil
	}
	seen := map[string]bool{}
	var paths []string
	add := func(p string) {
		ext := path.Ext(p)
		if !seen[p] && strings.HasPrefix(p, ciWorkflowDir+"/") && (ext == ".yml" || ext == ".yaml") {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	if repo != nil {
		for _, p := range repo.Artifacts.Workflows {
			add(p)
		}
	}
	if entries, err := fs.ReadDir(ws, ciWorkflowDir); err == nil {
		for _, e := range entries {
			if !e.IsDir() {
				add(ciWorkflowDir + "/" + e.Name())
			}
		}
	}
	sort.Strings(paths)
	var out []ciExisting
	for _, p := range paths {
		b, err := workspace.ReadFile(ws, p, 0)
		if err != nil {
			continue
		}
		s := string(b)
		out = append(out, ciExisting{
			Path:    p,
			content: s,
			errs:    validate.Errors(validate.CheckFile(p, b, validate.Options{})),
			tests:   ciAnyTest(s),
			Images:  ciImageRE.MatchString(s),
			deploys: ciDeployRE.MatchString(s),
		})
	}
	return out
}

// ciTestCommands are the commands that show a workflow runs a language's
// tests.
var ciTestCommands = map[stack.Language][]string{
	stack.Go:     {"go test"},
	stack.Node:   {"npm test", "npm run test", "yarn test", "yarn run test", "pnpm test", "pnpm run test", "npx jest", "npx vitest"},
	stack.Python: {"pytest", "tox", "nox", "unittest"},
	stack.Rust:   {"cargo test", "cargo nextest"},
	stack.Java:   {"mvn ", "mvnw", "gradle"},
}

// ciBuildCommands are the commands that show a workflow installs and
// builds a language's code (a service without tests is still covered by
// a CI that builds it).
var ciBuildCommands = map[stack.Language][]string{
	stack.Go:     {"go build", "go vet"},
	stack.Node:   {"npm ci", "npm install", "pnpm install", "yarn install"},
	stack.Python: {"pip install", "uv sync", "poetry install"},
	stack.Rust:   {"cargo build", "cargo clippy"},
}

var (
	ciImageRE  = regexp.MustCompile(`docker/build-push-action|docker build|docker push|buildah|ko build|jib`)
	ciDeployRE = regexp.MustCompile(`(?i)deploy|kubectl|terraform|helm |publish|gh-pages|release|twine|aws-actions/|google-github-actions/|azure/`)
)

func ciAnyTest(s string) bool {
	for _, cmds := range ciTestCommands {
		for _, c := range cmds {
			if strings.Contains(s, c) {
				return true
			}
		}
	}
	return false
}

// ciRunsTestsOf reports whether a workflow builds or tests a service: a
// build or test command of its language, or its own make target, and, for
// a service below the root, its directory named somewhere.
func ciRunsTestsOf(e ciExisting, s stack.Service) bool {
	if s.Dir != "." && !strings.Contains(e.content, s.Dir) {
		return false
	}
	cmds := append(ciTestCommands[s.Language], ciBuildCommands[s.Language]...)
	// The unit's own commands ("make test", "yarn test") count too: a
	// workflow that runs them covers it whatever the language's usual ones.
	for _, c := range []string{s.Test, s.Build} {
		if strings.HasPrefix(c, "make ") {
			cmds = append(cmds, c)
		}
	}
	for _, c := range cmds {
		if strings.Contains(e.content, c) {
			return true
		}
	}
	return false
}

// ciCoverage is what the CI/CD specialist does about the repository's
// workflows for a task's services. An existing workflow is never deleted,
// replaced or doubled: one that builds or tests a service covers it (no
// new job) and is kept as it is when it passes the gate, patched in place
// when it fails only on pinning and permissions (ciPatchWorkflow), and
// otherwise left alone with a note that says what to fix by hand. The
// lead computes the same coverage to name the patched files in the plan.
type ciCoverage struct {
	// Covered are the directories of the services an existing workflow
	// builds or tests.
	Covered map[string]bool
	// Images is set when an existing workflow builds container images.
	Images bool
	// patches are the existing workflows patched in place, by path.
	patches map[string]ciPatch
	Notes   []string
	// about is, for each note, the workflow it is about.
	about []string
	tried map[string]error // path -> why it is not patched (nil: patched)
}

// CICover decides the coverage for the task's services (ci) and image
// builds (image); others are the detected services outside the task: a
// workflow that also builds one of them is not the task's to patch.
func CICover(existing []ciExisting, services, others []stack.Service, ci, image bool) *ciCoverage {
	c := &ciCoverage{Covered: map[string]bool{}, patches: map[string]ciPatch{}, tried: map[string]error{}}
	if ci {
		for _, s := range services {
			c.coverService(s, existing, others)
		}
	}
	if image {
		c.coverImages(existing, others)
	}
	return c
}

func (c *ciCoverage) note(about, format string, args ...any) {
	c.Notes = append(c.Notes, fmt.Sprintf(format, args...))
	c.about = append(c.about, about)
}

// notesBesides returns the notes about workflows other than p.
func (c *ciCoverage) notesBesides(p string) []string {
	var out []string
	for i, n := range c.Notes {
		if c.about[i] != p {
			out = append(out, n)
		}
	}
	return out
}

// notesAbout returns the notes about workflow p.
func (c *ciCoverage) notesAbout(p string) []string {
	var out []string
	for i, n := range c.Notes {
		if c.about[i] == p {
			out = append(out, n)
		}
	}
	return out
}

// coverService decides one service's CI.
func (c *ciCoverage) coverService(s stack.Service, existing []ciExisting, others []stack.Service) {
	var failing []ciExisting
	for _, e := range existing {
		if !ciRunsTestsOf(e, s) {
			continue
		}
		c.Covered[s.Dir] = true
		if len(e.errs) == 0 {
			c.note(e.Path, "%s: kept %s, which already runs its tests and passes the gate", s.Dir, e.Path)
			return
		}
		failing = append(failing, e)
	}
	for _, e := range failing {
		c.fix(e, fmt.Sprintf("runs the tests of %s", s.Dir), others)
	}
}

// coverImages decides the image workflow: an existing workflow that
// builds images is kept, patched or left alone, never doubled.
func (c *ciCoverage) coverImages(existing []ciExisting, others []stack.Service) {
	for _, e := range existing {
		if !e.Images {
			continue
		}
		c.Images = true
		if len(e.errs) == 0 {
			c.note(e.Path, "kept %s, which already builds images and passes the gate; no image workflow added", e.Path)
			continue
		}
		c.fix(e, "builds images", others)
	}
}

// fix patches a failing workflow in place once, or notes why it is left
// as it is.
func (c *ciCoverage) fix(e ciExisting, what string, others []stack.Service) {
	if _, done := c.tried[e.Path]; done {
		return
	}
	why := fmt.Sprintf("%d gate error(s), first: %s", len(e.errs), ciFirstError(e))
	var err error
	for _, o := range others {
		if ciRunsTestsOf(e, o) {
			err = fmt.Errorf("it also builds %s, which this task does not cover", o.Dir)
			break
		}
	}
	var p ciPatch
	if err == nil {
		p, err = ciPatchWorkflow(e.Path, []byte(e.content), e.errs)
	}
	c.tried[e.Path] = err
	if err != nil {
		c.note(e.Path, "%s %s but fails the gate (%s); it is left as it is, and no second workflow is added beside it: %v; fix it by hand", e.Path, what, why, err)
		return
	}
	c.patches[e.Path] = p
	c.note(e.Path, "%s %s and fails the gate only on pinning and permissions (%s): it is patched in place, nothing else in it changes", e.Path, what, why)
}

// Paths returns the patched workflows, sorted.
func (c *ciCoverage) Paths() []string {
	out := make([]string, 0, len(c.patches))
	for p := range c.patches {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func ciFirstError(e ciExisting) string {
	if len(e.errs) == 0 {
		return "none"
	}
	f := e.errs[0]
	return fmt.Sprintf("line %d [%s] %s", f.Line, f.Rule, f.Message)
}

// CIDefaultBranch finds the branch CI should run on pushes to: the
// remote's HEAD when the workspace is a git checkout, else the branch the
// existing workflows push on, else main.
func CIDefaultBranch(ws fs.FS, existing []ciExisting) string {
	if ws != nil {
		if b, err := workspace.ReadFile(ws, ".git/refs/remotes/origin/HEAD", 4096); err == nil {
			ref := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(b)), "ref:"))
			if br, ok := strings.CutPrefix(ref, "refs/remotes/origin/"); ok && CIBranchRE.MatchString(br) {
				return br
			}
		}
	}
	counts := map[string]int{}
	for _, e := range existing {
		for _, b := range ciPushBranches(e.content) {
			if b == "main" || b == "master" {
				counts[b]++
			}
		}
	}
	if counts["master"] > 0 && counts["main"] == 0 {
		return "master"
	}
	return "main"
}

// ciPushBranches returns on.push.branches of a workflow, nil when it has
// none or does not parse.
func ciPushBranches(src string) []string {
	var wf struct {
		On struct {
			Push struct {
				Branches []string `yaml:"branches"`
			} `yaml:"push"`
		} `yaml:"on"`
	}
	if err := yaml.Unmarshal([]byte(src), &wf); err != nil {
		return nil
	}
	return wf.On.Push.Branches
}
