package lead

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/intent"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// Plan reads the issue (as data: its words are
// matched, never obeyed) and the detected stack, and plans at most one
// task per mode — container, then ci, then compose — or asks questions
// when the request is too vague or needs something that is not there. What
// it will not do goes to Plan.Declined with the reason.
func Plan(ctx context.Context, in engine.PlanInput) (*engine.Plan, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &planner{in: in, req: intent.Read(in.Issue.Title, in.Issue.Body), plan: &engine.Plan{Brain: "builtin"}}
	if in.Repo == nil {
		p.in.Repo = &stack.Repo{}
	}
	p.decline()
	p.build()
	p.plan.Summary = p.summary()
	if p.plan.Tasks == nil {
		p.plan.Tasks = []engine.Task{} // JSON readers get [], not null
	}
	return p.plan, nil
}

// planner carries one planning run.
type planner struct {
	in   engine.PlanInput
	req  *intent.Request
	plan *engine.Plan
	// scope are the services the plan is about.
	scope []stack.Service
	// named is set when the request names the units of the scope.
	named bool
	// notRunnable are the units left out of the scope because they are not
	// services or workers (CLIs, libraries, actions, sites) and the request
	// needs something that runs.
	notRunnable []stack.Service
	// overlays are the environments to add as kustomize overlays on the
	// repository's own manifests, when that is the Kubernetes request.
	overlays string
	// cd is the ci task's params for continuous deployment of what the
	// repository already deploys (tool, tool_dir or workflow), or nil.
	cd map[string]string
}

// allowed reports whether the lead may delegate to the mode.
func (p *planner) allowed(slug string) bool {
	lead := p.in.Lead
	if lead == nil {
		return true
	}
	if p.in.Modes != nil {
		return p.in.Modes.Get(slug) != nil && p.in.Modes.CanDelegate(lead.Slug, slug)
	}
	for _, d := range lead.DelegatesTo {
		if d == slug {
			return true
		}
	}
	return false
}

// leadName names the lead mode for messages.
func (p *planner) leadName() string {
	if p.in.Lead != nil {
		return p.in.Lead.Slug
	}
	return "the lead"
}

// decline records what the request asks that will not be done.
func (p *planner) decline() {
	r := p.req
	add := func(format string, args ...any) {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf(format, args...))
	}
	if r.Injection {
		p.plan.Notes = append(p.plan.Notes, "part of the issue reads like instructions to this tool; it was treated as data and only the DevOps requests in it were planned")
	}
	if r.External != "" {
		add("publishing to %s: devops-lead writes files in the repository and never publishes outside it; publish them there yourself once they are merged", r.External)
	}
	if r.Manual {
		add("setting things up by hand in a cloud portal or console: devops-lead writes reviewable code (Terraform, manifests, workflows) instead of clicking; ask for the same thing as code to get it")
	}
	if r.Act {
		add("applying infrastructure or deploying now: devops-lead writes reviewable changes (branches and pull requests) and never runs terraform apply, kubectl or a deployment; merge the changes and apply them through your own reviewed process")
	}
	if r.Secrets {
		add("handling secret values (printing, exposing, committing, resetting or handing out passwords, credentials, tokens or keys): devops-lead never reads or writes secret values; it references them (${VAR} from a git-ignored .env, GitHub Actions secrets) so you set and rotate them yourself")
	}
	if r.OtherCI != "" {
		add("%s: devops-lead writes GitHub Actions workflows only; ask for \"GitHub Actions CI\" to get the equivalent workflow", r.OtherCI)
	}
	for _, a := range r.Areas {
		if p.allowed(a.Mode) {
			add("%s: not built into the built-in brain yet; the %s mode will do it (set GEMINI_API_KEY to plan it with the Gemini brain)", a.What, a.Mode)
		} else {
			add("%s: %s may not delegate to %s; add it to delegates_to in the lead's mode file", a.What, p.leadName(), a.Mode)
		}
	}
	p.existingCD()
	p.declineOthers()
	for _, u := range r.UnsupportedBacking {
		add("%s in Compose: not built into the built-in brain yet (it adds postgres, mysql, redis, mongodb and rabbitmq)", u)
	}
}

// ask ends the plan with questions and no tasks.
func (p *planner) ask(qs ...string) {
	p.plan.Tasks = nil
	p.plan.Questions = append(p.plan.Questions, qs...)
}

// build decides the tasks.
func (p *planner) build() {
	r := p.req
	infra := &r.Infra
	if p.epicQuestion() || p.tentativeQuestion() || !p.checkSubstitutions() || p.cdQuestion() || p.vagueKubernetes() {
		return
	}
	p.takeOverlays()
	if !r.CI && !r.Container && !r.Compose && !r.Publish && !infra.Any() && !p.ciConcepts() && p.overlays == "" {
		if len(p.plan.Declined) == 0 {
			p.ask("What should change? This tool can, for example, \"add CI that runs the tests on pull requests\", " +
				"\"containerize the API\", \"add a compose file for local development with Postgres and Redis\", " +
				"\"publish the image to GHCR\", \"deploy the API to AWS with a Postgres database\", " +
				"\"run it on Kubernetes with autoscaling\" or \"alert when the error rate is high\". " +
				"Say which of these (or what else) you need, and for which service.")
		}
		return
	}
	p.scope = p.services()
	if len(p.plan.Questions) > 0 {
		return
	}
	if len(p.scope) == 0 && len(p.notRunnable) > 0 && r.CI {
		p.declineNotRunnable()
		p.scope = p.units()
	}
	needService := r.CI || r.Container || r.Publish || (r.Compose && len(r.Backing) == 0) || needsImage(infra)
	if len(p.scope) == 0 && needService && len(p.notRunnable) == 0 && len(p.in.Repo.Unsupported) > 0 {
		if !p.declineUnsupported() {
			return
		}
		needService = false
	}
	if len(p.scope) == 0 && needService && !p.languageFree() {
		p.ask(p.noServiceQuestion())
		return
	}
	p.declineNamedUnsupported()
	p.noteServices()
	container := p.containerTask() != nil
	p.infraTasks(container)
	if len(p.plan.Questions) > 0 {
		return
	}
	p.ciTask(container)
	p.composeTask(container)
	if container {
		p.explainOrder()
	}
}

// explainOrder tells, in the container task's Why, which tasks wait for
// its Dockerfiles.
func (p *planner) explainOrder() {
	var after []string
	for _, t := range p.plan.Tasks {
		if kit.Contains(t.DependsOn, kit.TaskContainer) {
			after = append(after, map[string]string{kit.TaskCI: "the image workflow", kit.TaskCompose: "Compose", kit.TaskK8s: "the Kubernetes Deployments", kit.TaskDeploy: "the deploy workflow"}[t.ID])
		}
	}
	if len(after) > 0 {
		verb := " build"
		if len(after) == 1 {
			verb = " builds"
		}
		p.plan.Tasks[0].Why += "; it comes first because " + strings.Join(after, " and ") + verb + " from its Dockerfiles"
	}
}

// services returns the units the request is about: those it names, or
// else the product's units — never test fixtures or examples — and of
// those, when the request needs something that runs (an image, a compose
// service, a deployment), only services and workers. A unit of unknown
// kind counts as a service. A name matches only a real unit: never the
// repository's root when it holds other units (the project's own name),
// never a library, fixture or example when the request needs something
// that runs; a name two units share makes the lead ask which.
func (p *planner) services() []stack.Service {
	all := p.in.Repo.Services
	running := needsRunning(p.req)
	names := map[string][]string{}
	owners := map[string][]string{} // normalised name -> dirs
	for _, s := range all {
		if (s.Dir == "." || s.Dir == "") && len(all) > 1 && p.rootIsWorkspace() {
			continue // the project's own name, on the workspace root
		}
		if running && (s.Kind == stack.KindLibrary || s.Kind == stack.KindFixture || s.Kind == stack.KindExample) {
			continue
		}
		for _, n := range []string{s.Name, kit.LastElem(s.Dir)} {
			key := strings.TrimSpace(intent.Norm(n))
			if key == "" || toolWords[key] || genericWords[key] {
				continue
			}
			names[s.Dir] = append(names[s.Dir], n)
			if !slices.Contains(owners[key], s.Dir) {
				owners[key] = append(owners[key], s.Dir)
			}
		}
	}
	named := namedServices(p.req, names)
	for key, dirs := range owners {
		if len(dirs) > 1 && p.req.Has(key) && !p.req.Has(dirs...) {
			sort.Strings(dirs)
			p.ask(fmt.Sprintf("The request names %q, and more than one unit goes by that name (%s). Which one should the plan cover?", key, strings.Join(dirs, ", ")))
			return nil
		}
	}
	if len(named) > 0 && len(named) < len(all) {
		p.named = true
		var out []stack.Service
		for _, d := range named {
			out = append(out, *p.in.Repo.Service(d))
		}
		return out
	}
	units := p.units()
	if !needsRunning(p.req) {
		return units
	}
	var run []stack.Service
	for _, s := range units {
		if kit.RunsAsService(s) || (p.req.Publish && !p.req.Container && p.builtFromDockerfile(s)) {
			run = append(run, s)
		} else {
			p.notRunnable = append(p.notRunnable, s)
		}
	}
	if len(run) > 0 && len(p.notRunnable) > 0 {
		p.note("left alone: %s; only services and workers get images and deployments unless the request names the unit", describeKinds(p.notRunnable))
	}
	return run
}

// rootIsWorkspace reports whether the repository root is a workspace
// root with members (a monorepo), not a unit of its own.
func (p *planner) rootIsWorkspace() bool {
	for _, w := range p.in.Repo.Workspaces {
		if (w.Dir == "." || w.Dir == "") && len(w.Members) > 0 && !(len(w.Members) == 1 && w.Members[0] == ".") {
			return true
		}
	}
	return false
}

// genericWords are unit names too common in requests to name a unit by
// themselves ("the app", "our service").
var genericWords = map[string]bool{
	"app": true, "application": true, "service": true, "server": true, "src": true, "main": true, "project": true,
	"code": true, "repo": true, "repository": true, "it": true, "this": true, "image": true, "container": true,
}

// toolWords are words a request uses for the work itself: a unit named
// like one (terratest's modules/terraform, a docker/ helper) is not named
// by "deploy it with Terraform".
var toolWords = map[string]bool{
	"terraform": true, "docker": true, "compose": true, "kubernetes": true, "k8s": true, "helm": true,
	"ci": true, "cd": true, "aws": true, "gcp": true, "azure": true, "cloudflare": true, "github": true,
	"actions": true, "prometheus": true, "grafana": true, "monitoring": true, "infra": true, "deploy": true,
	"postgres": true, "redis": true, "mysql": true, "mongodb": true, "rabbitmq": true, "kafka": true,
}

// units are the repository's own units: every detected one but test
// fixtures and examples.
func (p *planner) units() []stack.Service {
	var out []stack.Service
	for _, s := range p.in.Repo.Services {
		if s.Kind != stack.KindFixture && s.Kind != stack.KindExample {
			out = append(out, s)
		}
	}
	return out
}

// needsRunning reports whether the request needs a unit that runs: an
// image, a compose file with the app, or a deployment.
func needsRunning(r *intent.Request) bool {
	return r.Container || r.Publish || r.Compose || needsImage(&r.Infra)
}

// declineNotRunnable drops the parts of the request that need a running
// unit when the repository has none, saying why, so the rest (CI) goes on.
func (p *planner) declineNotRunnable() {
	r := p.req
	var what []string
	if r.Container || r.Publish {
		what = append(what, "a container image")
	}
	if r.Compose {
		what = append(what, "a Compose file")
	}
	if needsImage(&r.Infra) {
		what = append(what, "a deployment")
	}
	p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s: the repository has no service or worker to run (%s); name the unit in the request to have it containerized anyway",
		strings.Join(what, ", "), describeKinds(p.notRunnable)))
	r.Container, r.Publish, r.Compose = false, false, false
	r.Infra = intent.Infra{}
}

// describeKinds names units with their kind and its reason.
func describeKinds(ss []stack.Service) string {
	parts := make([]string, 0, len(ss))
	for _, s := range ss {
		article := "a"
		if s.Kind != "" && strings.ContainsRune("aeiou", rune(s.Kind[0])) {
			article = "an"
		}
		d := fmt.Sprintf("%s is %s %s", kit.DirLabel(s.Dir), article, s.Kind)
		if s.KindReason != "" {
			d += " (" + s.KindReason + ")"
		}
		parts = append(parts, d)
	}
	return strings.Join(parts, "; ")
}

// scopeDirs returns Task.Services for the scope: empty when it is every
// detected service.
func (p *planner) scopeDirs() []string {
	if len(p.scope) == len(p.in.Repo.Services) {
		return nil
	}
	out := make([]string, len(p.scope))
	for i, s := range p.scope {
		out[i] = s.Dir
	}
	return out
}

func (p *planner) noServiceQuestion() string {
	if len(p.notRunnable) > 0 {
		return "I found no service or worker to containerize or deploy: " + describeKinds(p.notRunnable) +
			". Which unit should run (name it in the request to containerize it anyway), or should the plan cover CI only?"
	}
	q := "I found no application to work on: no go.mod, package.json, pyproject.toml, requirements.txt, Cargo.toml, " +
		"pom.xml or build.gradle" + p.focusPhrase() + "."
	if u := p.in.Repo.Unsupported; len(u) > 0 {
		q = fmt.Sprintf("The repository is written in %s, which the built-in specialists cannot build or containerize yet.", unsupportedNames(u))
	}
	return q + " Which directory holds the application, and in which language is it written?"
}

// unsupportedNames lists the unsupported languages found, once each.
func unsupportedNames(us []stack.Unsupported) string {
	var out []string
	seen := map[string]bool{}
	for _, u := range us {
		if !seen[u.Language] {
			seen[u.Language] = true
			out = append(out, fmt.Sprintf("%s (%s)", stack.LanguageName(u.Language), kit.JoinPath(u.Dir, u.Manifest)))
		}
	}
	return strings.Join(out, ", ")
}

func (p *planner) focusPhrase() string {
	if w := p.in.Repo.Warnings; len(w) > 0 {
		return fmt.Sprintf(" that could be read (%d manifest(s) had problems: %s)", len(w), strings.Join(w, "; "))
	}
	return " in the repository"
}
