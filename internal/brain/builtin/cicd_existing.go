package builtin

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
	path    string
	content string
	// errs are the gate's error findings on it.
	errs []validate.Finding
	// tests: it runs a test command; images: it builds container images;
	// deploys: it deploys, releases or publishes.
	tests, images, deploys bool
}

// ciWorkflowDir is where GitHub looks for workflows.
const ciWorkflowDir = ".github/workflows"

// ciExistingWorkflows reads the repository's workflows (those detection
// listed and those in .github/workflows), each checked by the gate.
func ciExistingWorkflows(ws fs.FS, repo *stack.Repo) []ciExisting {
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
			path:    p,
			content: s,
			errs:    validate.Errors(validate.CheckFile(p, b, validate.Options{})),
			tests:   ciAnyTest(s),
			images:  ciImageRE.MatchString(s),
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
// build or test command of its language and, for a service below the
// root, its directory named somewhere.
func ciRunsTestsOf(e ciExisting, s stack.Service) bool {
	if s.Dir != "." && !strings.Contains(e.content, s.Dir) {
		return false
	}
	for _, c := range append(ciTestCommands[s.Language], ciBuildCommands[s.Language]...) {
		if strings.Contains(e.content, c) {
			return true
		}
	}
	return false
}

// ciServicePlan says what to do about one service's CI given the existing
// workflows: keep (no new job), or a new job replacing the listed files.
type ciServicePlan struct {
	keep    bool
	replace map[string]string // path -> why
	notes   []string
}

// others are the detected services outside the task: a workflow that
// also builds one of them is not the task's to replace.
func ciPlanService(s stack.Service, existing []ciExisting, others []stack.Service) ciServicePlan {
	plan := ciServicePlan{replace: map[string]string{}}
	var failing []ciExisting
	for _, e := range existing {
		if !ciRunsTestsOf(e, s) {
			continue
		}
		if len(e.errs) == 0 {
			plan.keep = true
			plan.notes = append(plan.notes, fmt.Sprintf("%s: kept %s, which already runs its tests and passes the gate", s.Dir, e.path))
			return plan
		}
		failing = append(failing, e)
	}
	for _, e := range failing {
		why := fmt.Sprintf("it runs the tests of %s but fails the gate (%d error(s), first: %s)", s.Dir, len(e.errs), ciFirstError(e))
		if e.deploys || e.images {
			// A workflow that also ships is not the built-in's to rewrite;
			// adding a second CI beside it would run the tests twice.
			plan.keep = true
			plan.notes = append(plan.notes, fmt.Sprintf("%s: kept %s although %s; it also deploys or builds images, so fix it by hand rather than adding a second CI",
				s.Dir, e.path, strings.TrimPrefix(why, "it ")))
			return plan
		}
		for _, o := range others {
			if ciRunsTestsOf(e, o) {
				plan.keep = true
				plan.notes = append(plan.notes, fmt.Sprintf("%s: kept %s although %s; it also builds %s, which this task does not cover, so fix it by hand rather than adding a second CI",
					s.Dir, e.path, strings.TrimPrefix(why, "it "), o.Dir))
				return plan
			}
		}
		plan.replace[e.path] = why
	}
	return plan
}

func ciFirstError(e ciExisting) string {
	if len(e.errs) == 0 {
		return "none"
	}
	f := e.errs[0]
	return fmt.Sprintf("line %d [%s] %s", f.Line, f.Rule, f.Message)
}

// ciDefaultBranch finds the branch CI should run on pushes to: the
// remote's HEAD when the workspace is a git checkout, else the branch the
// existing workflows push on, else main.
func ciDefaultBranch(ws fs.FS, existing []ciExisting) string {
	if ws != nil {
		if b, err := workspace.ReadFile(ws, ".git/refs/remotes/origin/HEAD", 4096); err == nil {
			ref := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(b)), "ref:"))
			if br, ok := strings.CutPrefix(ref, "refs/remotes/origin/"); ok && ciBranchRE.MatchString(br) {
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
