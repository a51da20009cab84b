package lead

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/compose"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/intent"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// noteServices records what the plan assumes about the services in scope:
// the focus directory, versions not stated.
func (p *planner) noteServices() {
	if len(p.scope) == 1 && p.scope[0].Dir != "." && p.scope[0].Dir != "" {
		s := p.scope[0]
		p.note("focus: %s (%s, %s)", s.Dir, serviceNames(p.scope)[0], s.Language)
	}
	if p.in.Repo.Truncated {
		p.note("stack detection stopped at its file cap, so services deeper in the repository may be missing from the plan")
	}
	if n := len(p.in.Repo.Services); p.named && len(p.scope) < n {
		p.note("the request names %s, so the plan leaves the other %d detected service(s) alone", strings.Join(serviceNames(p.scope), ", "), n-len(p.scope))
	}
	if u := p.in.Repo.Unsupported; len(u) > 0 {
		p.note("not built by the built-in specialists: %s; the plan covers the units it can build", unsupportedNames(u))
	}
}

// note adds an observation to the plan.
func (p *planner) note(format string, args ...any) {
	p.plan.Notes = append(p.plan.Notes, fmt.Sprintf(format, args...))
}

// dockerfileState is what the lead found for one service's Dockerfile.
type dockerfileState int

const (
	dockerfileMissing dockerfileState = iota
	dockerfileValid
	dockerfileInvalid
)

// dockerfile checks a service's existing Dockerfile with the gate.
func (p *planner) dockerfile(s stack.Service) (dockerfileState, []validate.Finding) {
	path := kit.JoinPath(s.Dir, "Dockerfile")
	old, err := kit.ReadOptional(p.in.Workspace, path)
	if err != nil || old == nil {
		return dockerfileMissing, nil
	}
	errs := validate.Errors(validate.CheckFile(path, old, validate.Options{}))
	errs = append(errs, container.CgoFindings(p.in.Workspace, s, path, old)...)
	if len(errs) > 0 {
		return dockerfileInvalid, errs
	}
	return dockerfileValid, nil
}

// keptCgo are the gate's cgo findings on a Dockerfile the repository
// keeps for s outside its directory.
func (p *planner) keptCgo(s stack.Service, other string) []validate.Finding {
	old, err := kit.ReadOptional(p.in.Workspace, other)
	if err != nil || old == nil {
		return nil
	}
	return container.CgoFindings(p.in.Workspace, s, other, old)
}

// otherDockerfile returns a Dockerfile the repository keeps for the unit
// outside <dir>/Dockerfile (docker/Dockerfile, build/package/Dockerfile,
// Dockerfile.prod), or "". Development and test Dockerfiles do not count.
func (p *planner) otherDockerfile(s stack.Service) string {
	var found []string
	for _, df := range p.in.Repo.Artifacts.Dockerfiles {
		dir, name := path.Dir(df), path.Base(df)
		lower := strings.ToLower(name)
		if df == kit.JoinPath(s.Dir, "Dockerfile") || strings.Contains(lower, "dev") || strings.Contains(lower, "test") {
			continue
		}
		if dir == s.Dir && (strings.HasPrefix(name, "Dockerfile.") || strings.HasSuffix(name, ".Dockerfile")) {
			found = append(found, df)
			continue
		}
		for _, d := range kit.OtherDockerfileDirs {
			if dir == kit.JoinPath(s.Dir, d) && (name == "Dockerfile" || strings.HasPrefix(name, "Dockerfile.")) {
				found = append(found, df)
			}
		}
	}
	sort.Strings(found)
	if len(found) == 0 {
		return ""
	}
	return found[0]
}

// containerTask plans the container task when it is asked for, or when
// publishing or Compose need an image that has no Dockerfile yet.
func (p *planner) containerTask() *engine.Task {
	r := p.req
	var missing, todo []stack.Service
	for _, s := range p.scope {
		state, errs := p.dockerfile(s)
		path := kit.JoinPath(s.Dir, "Dockerfile")
		if other := p.otherDockerfile(s); state == dockerfileMissing && other != "" && (r.Container || container.KeptDockerfile(p.in.Workspace, nil, s) != "") {
			if !r.Container && !r.Publish && !r.Compose && !needsImage(&r.Infra) {
				continue // nothing in the request builds an image
			}
			// The repository already builds this unit from a Dockerfile
			// of its own elsewhere: a second one beside it would only
			// compete with it, and images, Compose and deployments build
			// from it.
			p.note("%s already builds %s: it is kept, no second Dockerfile is written beside it, and images are built from it", other, kit.DirLabel(s.Dir))
			if errs := p.keptCgo(s, other); len(errs) > 0 {
				if r.Container && container.KeptDockerfile(p.in.Workspace, nil, s) == other {
					p.note("%s builds with cgo off, but the gate finds %s; the container task patches that line", other, kit.DescribeFindings(errs))
					todo = append(todo, s)
				} else {
					p.note("%s builds with cgo off, but the gate finds %s; ask to \"containerize\" to have it patched", other, kit.DescribeFindings(errs))
				}
			}
			continue
		}
		switch state {
		case dockerfileMissing:
			missing = append(missing, s)
			todo = append(todo, s)
		case dockerfileValid:
			switch {
			case r.Container:
				p.note("%s exists and passes the gate: it is kept as it is", path)
			case r.Compose || r.Publish:
				p.note("%s exists and passes the gate: the plan builds from it as it is", path)
			}
		case dockerfileInvalid:
			if r.Container {
				p.note("%s exists but the gate finds %s; the container task patches what it safely can and says what it leaves", path, kit.DescribeFindings(errs))
				todo = append(todo, s)
			} else {
				p.note("%s exists but the gate finds %s; ask to \"containerize\" to have it patched", path, kit.DescribeFindings(errs))
			}
		}
	}
	image := needsImage(&r.Infra)
	need := r.Container || ((r.Publish || r.Compose || image) && len(missing) > 0)
	if !need || len(p.scope) == 0 {
		return nil
	}
	if !p.allowed(kit.ContainerMode) {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("the Dockerfile(s): %s may not delegate to %s; add it to delegates_to in the lead's mode file", p.leadName(), kit.ContainerMode))
		return nil
	}
	if len(todo) == 0 {
		for _, s := range p.scope {
			if p.otherDockerfile(s) == "" || kit.Exists(p.in.Workspace, kit.JoinPath(s.Dir, "Dockerfile")) {
				todo = append(todo, s) // its Dockerfile is fine: the specialist confirms and adds what is missing
			}
		}
		if len(todo) == 0 {
			return nil
		}
	}
	why := "the request asks for container images"
	if !r.Container {
		verb := "have"
		if len(missing) == 1 {
			verb = "has"
		}
		needer := "Compose"
		switch {
		case r.Publish:
			needer = "publishing an image"
		case r.Infra.K8s:
			needer = "Kubernetes"
		case computeProfiles[r.Infra.Compute].label != "":
			needer = computeProfiles[r.Infra.Compute].label
		}
		why = fmt.Sprintf("%s %s no Dockerfile yet, and %s needs one", strings.Join(serviceNames(missing), ", "), verb, needer)
	}
	t := engine.Task{
		ID: kit.TaskContainer, Mode: kit.ContainerMode,
		Title: "Containerize " + strings.Join(serviceNames(todo), ", "),
		Goal: "Write a Dockerfile and a .dockerignore for " + strings.Join(serviceNames(todo), ", ") +
			": multi-stage where the stack compiles, pinned base image tags from images.yaml, a non-root user, exec-form CMD/ENTRYPOINT and the service's port exposed.",
		Why: why,
		Acceptance: []string{
			"each service builds with `docker build` from its build context: its own directory, or the workspace root a `# docker build -f` first line names",
			"base images are tagged (never latest) and match the stated language version",
			"the final stage runs as a non-root user with an exec-form CMD or ENTRYPOINT",
			".dockerignore keeps .git, .env files and dependency folders out of the context",
			"the gate reports no errors",
		},
		Services: p.taskDirs(todo),
	}
	for _, s := range todo {
		df := kit.JoinPath(s.Dir, "Dockerfile")
		if kept := container.KeptDockerfile(p.in.Workspace, nil, s); kept != "" {
			df = kept // patched where it is
		}
		t.Files = append(t.Files, df, kit.JoinPath(s.Dir, ".dockerignore"))
		// A new Dockerfile built from a context above the unit (a
		// workspace root) gets that context's .dockerignore.
		if state, _ := p.dockerfile(s); state == dockerfileMissing && container.ContextDiffers(s) && !slices.Contains(t.Files, kit.JoinPath(container.BuildContext(s), ".dockerignore")) {
			t.Files = append(t.Files, kit.JoinPath(container.BuildContext(s), ".dockerignore"))
		}
		p.noteAssumptions(s)
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
	return &p.plan.Tasks[len(p.plan.Tasks)-1]
}

// taskDirs returns Task.Services for a subset of the scope (nil when it
// is every detected service).
func (p *planner) taskDirs(ss []stack.Service) []string {
	if len(ss) == len(p.in.Repo.Services) {
		return nil
	}
	return serviceDirs(ss)
}

// noteAssumptions notes a version or port the Dockerfile will assume.
func (p *planner) noteAssumptions(s stack.Service) {
	tbl, err := kit.LoadImages()
	if err != nil {
		return
	}
	l, ok := tbl.Languages[string(s.Language)]
	if !ok {
		return
	}
	if kit.CutVersion(s.Version, l.VersionParts) == "" {
		p.note("%s states no %s version; the image uses %s %s, the default in images.yaml", kit.DirLabel(s.Dir), s.Language, s.Language, l.DefaultVersion)
	}
	if s.Port == 0 {
		p.note("no port found for %s; the image exposes %d, the usual %s port", kit.DirLabel(s.Dir), l.Port, s.Language)
	}
}

// ciTask plans the GitHub Actions task: the ci workflow, the image
// workflow, Dependabot, a release workflow, a migration from Travis CI or
// CircleCI, and a deploy workflow for an existing Cloudflare Worker.
func (p *planner) ciTask(container bool) {
	r := p.req
	if !r.CI && !r.Publish && !p.ciConcepts() {
		return
	}
	if !p.allowed(kit.CICDMode) {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("the GitHub Actions workflows: %s may not delegate to %s; add it to delegates_to in the lead's mode file", p.leadName(), kit.CICDMode))
		return
	}
	var workflows, files, goals, acc, whys []string
	// The existing workflows the task patches in place are named in its
	// files, which the engine's change policy requires; what is kept or
	// left alone goes to the plan's notes.
	existing := cicd.CIExistingWorkflows(p.in.Workspace, p.in.Repo)
	// CI builds and tests every unit of the product, libraries and CLIs
	// too, even when the images asked beside it are for services only.
	scope := p.scope
	if r.CI && !p.named && len(p.notRunnable) > 0 {
		scope = slices.Clone(p.scope)
		for _, u := range p.notRunnable {
			if !slices.ContainsFunc(scope, func(s stack.Service) bool { return s.Dir == u.Dir }) {
				scope = append(scope, u)
			}
		}
		sort.Slice(scope, func(i, j int) bool { return scope[i].Dir < scope[j].Dir })
	}
	cov := cicd.CICover(existing, scope, cicd.CIOtherServices(p.in.Repo, scope), r.CI, r.Publish)
	for _, n := range cov.Notes {
		p.note("%s", n)
	}
	params := map[string]string{}
	if r.CI {
		workflows = append(workflows, "ci")
		if len(cov.Covered) < len(scope) {
			files = append(files, cicd.CITarget(existing))
		}
		goals = append(goals, "build, test and lint "+strings.Join(serviceNames(scope), ", ")+" on every push and pull request")
		acc = append(acc, "the ci workflow runs on push and pull_request with the stack's own build, test and lint commands")
		whys = append(whys, "CI")
		if r.Has("matrix", "multiple versions", "several versions", "multiple python versions", "multiple node versions", "multiple go versions", "versions matrix") {
			p.note("a version matrix: the ci workflow tests the version the repository states; a matrix of versions or operating systems is not built into the built-in brain yet (add it in review, or set GEMINI_API_KEY)")
		}
	}
	if m := r.MigrateFrom; m != "" {
		label := map[string]string{"travis": "Travis CI", "circleci": "CircleCI"}[m]
		if f := p.migrationFile(); f != "" {
			params["migrate"] = m
			goals = append(goals, "translate the steps, versions, services and environment of "+f+" into the GitHub Actions workflow")
			acc = append(acc, "every step of "+f+" has its equivalent in the workflow, or a note says why it was not translated; "+f+" is kept until the new workflow passes")
			whys = append(whys, "moving from "+label)
		} else {
			p.note("the request asks to move from %s, but the repository has no %s configuration; the CI workflow is written from the detected stack", label, label)
		}
	}
	if r.Publish {
		workflows = append(workflows, "image")
		if !cov.Images {
			files = append(files, cicd.ImageWorkflowPath)
		}
		params["registry"] = r.Registry
		reg := map[string]string{"ghcr": "GitHub Container Registry (ghcr.io)", "dockerhub": "Docker Hub"}[r.Registry]
		goals = append(goals, "build the image on pull requests and push it to "+reg+" from main and version tags")
		acc = append(acc, "the image workflow builds on pull requests without pushing, and pushes to "+reg+" only from main and tags")
		if r.Registry == "dockerhub" {
			acc = append(acc, "Docker Hub credentials come from repository secrets (DOCKERHUB_USERNAME, DOCKERHUB_TOKEN), never from the file")
		}
		whys = append(whys, "publishing the image")
		if r.Platforms != "" {
			params["platforms"] = r.Platforms
			goals = append(goals, "build the image for "+r.Platforms+" with QEMU and Buildx")
			acc = append(acc, "the image is built for "+r.Platforms)
			whys = append(whys, "multi-arch images")
			if cov.Images {
				for _, e := range existing {
					if e.Images && !slices.Contains(files, e.Path) {
						files = append(files, e.Path)
					}
				}
			}
		}
	}
	if r.Dependabot {
		workflows = append(workflows, "dependabot")
		goals = append(goals, "have Dependabot open weekly update pull requests for GitHub Actions, Docker base images and each package ecosystem")
		acc = append(acc, ".github/dependabot.yml lists github-actions, docker and every ecosystem the repository uses")
		whys = append(whys, "dependency updates")
	}
	if r.Release {
		if have := cicd.CIExistingRelease(p.in.Workspace, existing); have != "" {
			p.note("the repository already releases with %s: it is kept, and no second release workflow is written beside it", have)
		}
		workflows = append(workflows, "release")
		goals = append(goals, "on a version tag, build what the repository builds and attach it with checksums to a GitHub release whose changelog is generated from the commits")
		acc = append(acc, "the release workflow runs on v* tags only, and only its release job may write contents")
		whys = append(whys, "a release on tags")
	}
	if p.cd != nil {
		workflows = append(workflows, "cd")
		for k, v := range p.cd {
			params[k] = v
		}
		if wf := p.cd["workflow"]; wf != "" {
			files = append(files, wf)
			goals = append(goals, "make "+wf+", which deploys on releases or by hand today, also deploy on every merge to the default branch, keeping its other triggers")
			acc = append(acc, wf+" keeps every trigger and job it has and gains a push trigger for the default branch")
			p.note("%s already deploys: the plan adds the merge trigger to it instead of writing a second deploy workflow", wf)
		} else {
			label := cdTools[p.cd["tool"]].label
			goals = append(goals, "deploy "+label+" in "+kit.DirLabel(p.cd["tool_dir"])+" on every merge to the default branch, with a dry run (synth or package) on pull requests")
			acc = append(acc, "cloud credentials come through OIDC and repository variables, never secrets in the file", "deploys never overlap")
			p.note("the repository already deploys with %s: the plan runs that on merge and writes no new infrastructure", label)
		}
		whys = append(whys, "continuous deployment of what the repository already deploys")
	}
	if dir := p.workerDir(); dir != "" {
		workflows = append(workflows, "worker")
		params["worker_dir"] = dir
		goals = append(goals, "deploy the existing Cloudflare Worker in "+kit.DirLabel(dir)+" with wrangler from the default branch")
		acc = append(acc, "the Cloudflare API token and account id come from repository secrets, never from the file")
		whys = append(whys, "deploying the existing Cloudflare Worker")
		p.note("the repository already has a Cloudflare Worker (%s): the plan deploys it with a workflow and writes no new Worker", p.in.Repo.Artifacts.Wrangler[0])
	}
	params["workflows"] = strings.Join(workflows, ",")
	files = append(files, cov.Paths()...)
	t := engine.Task{
		ID: kit.TaskCI, Mode: kit.CICDMode,
		Params:   params,
		Files:    files,
		Services: p.taskDirs(scope),
	}
	acc = append(acc, "actions are pinned to full commit SHAs and permissions are least-privilege", "the gate reports no errors")
	t.Title = "GitHub Actions: " + strings.Join(workflows, " and ") + map[bool]string{true: " workflows", false: " workflow"}[len(workflows) > 1]
	if len(workflows) == 1 && workflows[0] == "dependabot" {
		t.Title = "Dependabot"
	}
	t.Goal = kit.Capitalise(strings.Join(goals, "; and ")) + "."
	t.Acceptance = acc
	switch why := strings.Join(whys, " and "); why {
	case "CI":
		t.Why = "the request asks for GitHub Actions CI"
	case "publishing the image":
		t.Why = "the request asks to publish the image"
	case "CI and publishing the image":
		t.Why = "the request asks for CI and for publishing the image"
	default:
		t.Why = "the request asks for " + why
	}
	if r.Publish && container {
		t.DependsOn = []string{kit.TaskContainer}
		t.Why += "; it runs after the container task because the image workflow builds its Dockerfile"
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
}

// composeTask plans the Compose task: the app services built from their
// Dockerfiles and the backing services asked for or found in the
// dependencies.
func (p *planner) composeTask(container bool) {
	r := p.req
	if !r.Compose {
		return
	}
	if !p.allowed(kit.ComposeMode) {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("the Compose file: %s may not delegate to %s; add it to delegates_to in the lead's mode file", p.leadName(), kit.ComposeMode))
		return
	}
	backing := map[string]bool{}
	for _, b := range r.Backing {
		backing[b] = true
	}
	var fromDeps []string
	for _, s := range p.scope {
		for _, d := range s.Deps {
			if !backing[d] && kit.Contains(intent.BackingOrder(), d) {
				backing[d] = true
				fromDeps = append(fromDeps, d)
			}
		}
	}
	var list []string
	for _, b := range intent.BackingOrder() {
		if backing[b] {
			list = append(list, b)
		}
	}
	if len(fromDeps) > 0 {
		sort.Strings(fromDeps)
		p.note("the dependencies also use %s, so Compose adds %s too", strings.Join(fromDeps, ", "), map[bool]string{true: "them", false: "it"}[len(fromDeps) > 1])
	}
	dir := p.composeDir()
	file := kit.JoinPath(dir, "compose.yaml")
	if existing := p.existingCompose(dir); existing != "" {
		file = existing
		p.note("%s exists: the Compose task adds only the services it lacks and keeps the rest", existing)
	}
	t := engine.Task{
		ID: kit.TaskCompose, Mode: kit.ComposeMode,
		Title:    "Compose for local development",
		Params:   map[string]string{"backing": strings.Join(list, ",")},
		Files:    []string{file, kit.JoinPath(dir, ".env.example")},
		Services: p.scopeDirs(),
		Why:      "the request asks for a local development stack",
		Acceptance: []string{
			"`docker compose up` starts " + strings.Join(append(serviceNames(p.scope), list...), ", "),
			"backing service images are pinned tags from images.yaml and each has a healthcheck",
			"the app waits for its backing services with depends_on: condition: service_healthy",
			"no plaintext secrets: passwords are ${VAR:?...} references, with placeholders in .env.example",
			"the gate reports no errors",
		},
	}
	if dir != "." {
		t.Params["dir"] = dir
	}
	goal := "Write " + file + " that runs " + strings.Join(serviceNames(p.scope), ", ")
	if len(p.scope) == 0 {
		goal = "Write " + file + " that runs"
	}
	if len(list) > 0 {
		if len(p.scope) > 0 {
			goal += " with"
		}
		goal += " " + strings.Join(list, ", ")
	}
	t.Goal = goal + " for local development."
	if container {
		t.DependsOn = []string{kit.TaskContainer}
		t.Why += "; it runs after the container task because Compose builds the app from its Dockerfile"
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
}

// composeDir is where compose.yaml goes: the repository root, or the one
// service's directory when detection was focused on a part of a larger
// repository (run --repo services/api).
func (p *planner) composeDir() string {
	if p.in.Repo.Focus == "" || len(p.in.Repo.Services) != 1 {
		return "."
	}
	dir := p.in.Repo.Services[0].Dir
	if dir == "." || dir == "" {
		return "."
	}
	p.note("the focus is %s inside a larger repository, so compose.yaml goes there", dir)
	return dir
}

// existingCompose returns an existing Compose file in dir, if any.
func (p *planner) existingCompose(dir string) string {
	for _, n := range compose.ComposeNames {
		if f := kit.JoinPath(dir, n); kit.Exists(p.in.Workspace, f) {
			return f
		}
	}
	return ""
}

// summary writes the plan's paragraph for people.
func (p *planner) summary() string {
	pl := p.plan
	switch {
	case len(pl.Questions) > 0:
		return "The request needs an answer before anything can be planned; see the questions."
	case len(pl.Tasks) == 0 && len(pl.Declined) == 0 && len(pl.Notes) > 0:
		return "Nothing to change: what the request asks for is already there; the notes say what was found and kept."
	case len(pl.Tasks) == 0:
		return "Nothing in the request is work the built-in brain can do; see what was declined and why."
	}
	var steps []string
	for i, t := range pl.Tasks {
		steps = append(steps, fmt.Sprintf("%d) %s (%s)", i+1, t.Title, t.Mode))
	}
	s := fmt.Sprintf("%d task(s) for %s: %s.", len(pl.Tasks), describeScope(p.scope), strings.Join(steps, "; "))
	if len(pl.Declined) > 0 {
		s += fmt.Sprintf(" %d part(s) of the request are declined; see why below.", len(pl.Declined))
	}
	return s + " Every file is checked by the validation gate and published for review; nothing is applied or deployed."
}

func describeScope(ss []stack.Service) string {
	if len(ss) == 0 {
		return "the repository"
	}
	var parts []string
	for _, s := range ss {
		parts = append(parts, fmt.Sprintf("%s (%s, %s)", s.Name, s.Language, kit.DirLabel(s.Dir)))
	}
	return strings.Join(parts, ", ")
}

func serviceNames(ss []stack.Service) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name
		if out[i] == "" {
			out[i] = kit.DirLabel(s.Dir)
		}
	}
	return out
}

func serviceDirs(ss []stack.Service) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Dir
	}
	return out
}
