package cicd

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// The workflow files the CI/CD specialist writes.
const (
	CIWorkflowPath    = ".github/workflows/ci.yml"
	ImageWorkflowPath = ".github/workflows/image.yml"
)

// ciParams is what a ci task asks for (engine.Task.Params).
type ciParams struct {
	CI, Image, Dependabot, Deploy, Terraform bool
	// Release writes release.yml (v* tags); Worker writes
	// deploy-worker.yml for the existing Worker in WorkerDir.
	Release, Worker bool
	// WorkerDir is the directory of the Worker's wrangler.toml,
	// wrangler.json or wrangler.jsonc ("." for the root).
	WorkerDir string
	// Platforms are the image platforms (linux/amd64, linux/arm64...);
	// more than one builds multi-arch images with QEMU.
	Platforms []string
	// Migrate is travis or circleci: ci.yml is translated from that
	// system's configuration.
	Migrate string
	// CD writes (or patches) the workflow that deploys with the
	// repository's own tool on pushes to the default branch; CDSpec
	// says with which tool.
	CD     bool
	CDSpec cdParams
	// Registry is ghcr (default) or dockerhub.
	Registry string
	// Branch is the default branch CI runs on pushes to.
	Branch string
}

// CIBranchRE matches a branch name the workflows may trigger on.
var CIBranchRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$`)

// parseCIParams reads Params["workflows"] (comma list of ci, image,
// dependabot, deploy, terraform, release, worker, cd; empty means ci),
// Params["registry"] (ghcr, dockerhub), Params["default_branch"],
// Params["platforms"] (comma list of os/arch), Params["migrate"] (travis,
// circleci: the ci workflow is translated from it) and
// Params["worker_dir"] (the existing Worker's directory).
func parseCIParams(t engine.Task) (ciParams, error) {
	p := ciParams{Registry: "ghcr"}
	list := strings.TrimSpace(t.Params["workflows"])
	if list == "" {
		list = "ci"
	}
	for _, w := range strings.Split(list, ",") {
		switch strings.ToLower(strings.TrimSpace(w)) {
		case "ci":
			p.CI = true
		case "image":
			p.Image = true
		case "dependabot":
			p.Dependabot = true
		case "deploy":
			p.Deploy = true
		case "terraform":
			p.Terraform = true
		case "release":
			p.Release = true
		case "worker":
			p.Worker = true
		case "cd":
			p.CD = true
		case "":
		default:
			return p, fmt.Errorf("task %s: params workflows has %q; use a comma list of ci, image, dependabot, deploy, terraform, release, worker and cd", t.ID, strings.TrimSpace(w))
		}
	}
	if err := ciParseMore(t, &p); err != nil {
		return p, err
	}
	if r := strings.ToLower(strings.TrimSpace(t.Params["registry"])); r != "" {
		if r != "ghcr" && r != "dockerhub" {
			return p, fmt.Errorf("task %s: params registry is %q; use ghcr or dockerhub", t.ID, r)
		}
		p.Registry = r
	}
	if b := strings.TrimSpace(t.Params["default_branch"]); b != "" {
		if !CIBranchRE.MatchString(b) || strings.Contains(b, "..") {
			return p, fmt.Errorf("task %s: params default_branch %q is not a branch name", t.ID, b)
		}
		p.Branch = b
	}
	return p, nil
}

// Work is the built-in CI/CD specialist: it writes
// .github/workflows/ci.yml (one job per service no workflow covers yet)
// and/or .github/workflows/image.yml (one job per Dockerfile, when no
// workflow builds images yet) and, when asked, .github/dependabot.yml,
// release.yml (v* tags), deploy-worker.yml (an existing Cloudflare Worker)
// and a CI workflow translated from Travis CI or CircleCI. It
// never deletes, replaces or doubles an existing workflow: one that covers
// the work is kept, patched in place (pins, permissions) or left alone
// with a note (ciCover).
func Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := parseCIParams(in.Task)
	if err != nil {
		return nil, err
	}
	if in.Repo == nil {
		return nil, errors.New("the CI/CD specialist needs the detected stack (WorkInput.Repo is nil)")
	}
	var services []stack.Service
	build := p.CI && p.Migrate == ""
	if build || p.Image {
		// The Terraform, deploy, worker and migrated CI workflows need no
		// detected service: a root with only a bucket has its Terraform
		// workflow too.
		if services, err = ciServices(in.Repo, in.Task); err != nil {
			return nil, err
		}
	} else if p.Release {
		// A repository with nothing the brain builds (Ruby, PHP, a Go
		// library) still gets its release on tag, notes and source
		// archives only.
		services, _ = ciServices(in.Repo, in.Task)
	} else if p.Dependabot {
		// Dependabot also serves repositories whose language the brain
		// cannot build (a Gemfile, composer.json) and bare Dockerfiles.
		if services, err = ciServices(in.Repo, in.Task); err != nil && !ciDependabotOnly(in.Repo) {
			return nil, err
		}
	}
	existing := CIExistingWorkflows(in.Workspace, in.Repo)
	if p.Branch == "" {
		p.Branch = CIDefaultBranch(in.Workspace, existing)
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	cov := CICover(existing, services, CIOtherServices(in.Repo, services), build, p.Image)
	if p.Image && len(p.Platforms) > 0 {
		ciCoverPlatforms(cov, existing, p.Platforms, CIOtherServices(in.Repo, services))
	}
	for _, e := range existing {
		if patch, ok := cov.patches[e.Path]; ok {
			var why []string
			if n := patch.note(); n != "" {
				why = append(why, "patched in place: "+n)
			}
			why = append(why, cov.notesAbout(e.Path)...)
			cs.Put(e.Path, patch.content, []byte(e.content), strings.Join(ciDedupe(why), "; "))
		}
	}
	if build {
		if err := ciWriteCI(in, p, services, existing, cov, cs); err != nil {
			return nil, err
		}
	}
	if p.CI && p.Migrate != "" {
		if err := ciWriteMigrated(in, p, existing, cs); err != nil {
			return nil, err
		}
	}
	if p.Image {
		if err := ciWriteImage(in, p, services, cov, cs); err != nil {
			return nil, err
		}
	}
	if p.Dependabot {
		if err := ciWriteDependabot(in, services, cs); err != nil {
			return nil, err
		}
	}
	if p.Deploy {
		if err := CIWriteDeploy(in, p.Branch, cs); err != nil {
			return nil, err
		}
	}
	if p.Terraform {
		if err := ciWriteTerraform(in, p.Branch, cs); err != nil {
			return nil, err
		}
	}
	if p.Release {
		if err := ciWriteRelease(in, services, existing, cs); err != nil {
			return nil, err
		}
	}
	if p.Worker {
		if err := ciWriteWorkerDeploy(in, p, existing, cs); err != nil {
			return nil, err
		}
	}
	if p.CD {
		if err := ciWriteCD(in, p, existing, cs); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// ciParseMore reads the parameters of the release, multi-arch, migration
// and Worker workflows.
func ciParseMore(t engine.Task, p *ciParams) error {
	var err error
	if p.Platforms, err = ciParsePlatforms(t.ID, t.Params["platforms"]); err != nil {
		return err
	}
	if len(p.Platforms) > 0 && !p.Image {
		return fmt.Errorf("task %s: params platforms is for the image workflow; add image to params workflows", t.ID)
	}
	if p.Migrate, err = ciParseMigrate(t.ID, t.Params["migrate"]); err != nil {
		return err
	}
	if p.Migrate != "" && !p.CI {
		return fmt.Errorf("task %s: params migrate=%s translates the CI workflow; add ci to params workflows", t.ID, p.Migrate)
	}
	if p.WorkerDir, err = ciParseWorkerDir(t.ID, t.Params["worker_dir"], p.Worker); err != nil {
		return err
	}
	if p.CDSpec, err = ciParseCD(t.ID, t.Params, p.CD); err != nil {
		return err
	}
	return nil
}

// ciServices returns the task's services (when the task names none, every
// detected unit but test fixtures and examples), sorted by directory.
func ciServices(repo *stack.Repo, t engine.Task) ([]stack.Service, error) {
	var out []stack.Service
	if len(t.Services) == 0 {
		for _, s := range repo.Services {
			if s.Kind != stack.KindFixture && s.Kind != stack.KindExample {
				out = append(out, s) // test fixtures and examples are not the product
			}
		}
	} else {
		for _, d := range t.Services {
			s := repo.Service(path.Clean(d))
			if s == nil {
				return nil, fmt.Errorf("task %s names service %q, which stack detection did not find; name a directory with a manifest (go.mod, package.json...)", t.ID, d)
			}
			out = append(out, *s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("task %s: no service was detected (no go.mod, package.json, pyproject.toml, Cargo.toml, pom.xml or build.gradle); CI needs something to build", t.ID)
	}
	for i := range out {
		if out[i].Dir == "" {
			out[i].Dir = "."
		}
	}
	for _, s := range out {
		if s.Dir != "." && (!ciDirRE.MatchString(s.Dir) || strings.Contains(s.Dir, "..")) {
			return nil, fmt.Errorf("service directory %q has characters a workflow path should not carry; rename it or write its CI by hand", s.Dir)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}

var ciDirRE = regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$`)

// ciWriteCI writes the CI workflow: one job per service no existing
// workflow covers.
func ciWriteCI(in engine.WorkInput, p ciParams, services []stack.Service, existing []ciExisting, cov *ciCoverage, cs *change.ChangeSet) error {
	notes := append([]string(nil), cov.Notes...)
	var jobs []ciJob
	var jobDirs []string
	used := map[string]bool{}
	for _, s := range services {
		if cov.Covered[s.Dir] {
			continue
		}
		c := &ciSvc{ws: in.Workspace, s: s}
		job, err := ciServiceJob(c, used)
		if err != nil {
			return err
		}
		notes = append(notes, c.notes...)
		jobs = append(jobs, job)
		jobDirs = append(jobDirs, s.Dir)
	}
	if len(jobs) == 0 {
		// Every service already has a workflow: kept, patched or left
		// alone with a note.
		ciNotePatched(cs, cov)
		return nil
	}
	target := CITarget(existing)
	data := ciWorkflow{
		Name:             "CI",
		Comments:         []string{"Builds and tests every service on pushes to the default branch and on pull requests."},
		Branch:           kit.YAMLScalar(p.Branch),
		CancelInProgress: "true",
		Jobs:             jobs,
	}
	if len(jobs) > 1 {
		// Path filters would leave the checks of skipped jobs pending,
		// which blocks pull requests when branch protection requires them.
		data.Comments = append(data.Comments, "One job per service; every job runs on every change (no path filters), so required checks never stay pending.")
	}
	tmpl, model := "workflow.yml.tmpl", any(data)
	for _, j := range jobs {
		if len(j.Services) > 0 {
			tmpl, model = "jobs.yml.tmpl", ciAsJobs(data)
		}
	}
	out, err := templates.Render(tmpl, model)
	if err != nil {
		return err
	}
	head := fmt.Sprintf("one job for %s; runs on pushes to %s and on pull requests", jobDirs[0], p.Branch)
	if len(jobs) > 1 {
		head = fmt.Sprintf("one job per service (%d), each in its own working-directory and run on every change; runs on pushes to %s and on pull requests",
			len(jobs), p.Branch)
	}
	notes = append([]string{head}, notes...)
	cs.Put(target, out, nil, strings.Join(ciDedupe(notes), "; "))
	return nil
}

// CITarget is where a new CI workflow goes: ci.yml, or beside it when
// ci.yml exists (and does something else, or it would cover the services).
func CITarget(existing []ciExisting) string {
	for _, e := range existing {
		if e.Path == CIWorkflowPath {
			return ".github/workflows/ci-devops-lead.yml"
		}
	}
	return CIWorkflowPath
}

// ciNotePatched adds the coverage notes to the first patched workflow's
// note, when no new workflow carries them.
func ciNotePatched(cs *change.ChangeSet, cov *ciCoverage) {
	for _, p := range cov.Paths() {
		if f := cs.Get(p); f != nil {
			if others := cov.notesBesides(p); len(others) > 0 {
				f.Note += "; " + strings.Join(ciDedupe(others), "; ")
			}
			return
		}
	}
}

// ciServiceJob builds one service's CI job.
func ciServiceJob(c *ciSvc, used map[string]bool) (ciJob, error) {
	checkout, err := ciCheckout()
	if err != nil {
		return ciJob{}, err
	}
	steps, env, timeout, err := ciSteps(c)
	if err != nil {
		return ciJob{}, err
	}
	name := c.s.Name
	if name == "" {
		name = path.Base(c.s.Dir)
	}
	if name == "." || name == "/" || name == "" {
		name = string(c.s.Language)
	}
	job := ciJob{
		ID:      ciJobID(name, used),
		Name:    kit.YAMLScalar(fmt.Sprintf("%s (%s)", name, c.s.Language)),
		Timeout: timeout,
		Env:     env,
		Steps:   append([]ciStep{checkout}, steps...),
	}
	if c.s.Dir != "." {
		job.Dir = kit.YAMLScalar(c.s.Dir)
	}
	ciGiveTestNeeds(c, &job)
	return job, nil
}

// CIOtherServices returns the detected services that are not in the task.
func CIOtherServices(repo *stack.Repo, services []stack.Service) []stack.Service {
	in := map[string]bool{}
	for _, s := range services {
		in[s.Dir] = true
	}
	var out []stack.Service
	for _, s := range repo.Services {
		if d := s.Dir; d != "" && !in[d] || d == "" && !in["."] {
			out = append(out, s)
		}
	}
	return out
}

// ciDedupe drops repeated notes, keeping the first.
func ciDedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ciTaskFiles returns what a CI/CD task with in.Task's params would
// write, by running the specialist on the repository: the lead names
// these in Task.Files, as the engine's change policy requires for each
// existing file a task modifies (a workflow patched in place for
// platforms, pins or permissions). A new file may be named too; naming it
// changes nothing.
func ciTaskFiles(ctx context.Context, in engine.WorkInput) ([]string, error) {
	cs, err := Work(ctx, in)
	if err != nil {
		return nil, err
	}
	return cs.Paths(), nil
}
