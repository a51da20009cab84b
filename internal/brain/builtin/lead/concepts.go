package lead

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/infra"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/intent"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// substitution is one target, tool or service the request names that the
// built-in brain would replace with another.
type substitution struct {
	from, to  string // the config key "from->to"
	named, by string // for people: "CloudFormation", "Terraform"
}

// allows reports whether the repository's configuration allows a
// substitution without asking.
func (p *planner) allows(s substitution) bool {
	return slices.Contains(p.in.AllowSubstitutions, s.from+"->"+s.to)
}

// substitute asks about a substitution, or notes it when the repository
// allows it; it reports whether the plan may go on with it.
func (p *planner) substitute(s substitution, question string) bool {
	if p.allows(s) {
		p.note("the request names %s; the plan uses %s instead, as %s allows (%s->%s)", s.named, s.by, repoConfigPath, s.from, s.to)
		return true
	}
	p.ask(question + fmt.Sprintf(" (To let the lead make this change without asking, add %q to allow_substitutions in %s.)", s.from+"->"+s.to, repoConfigPath))
	return false
}

// repoConfigPath is the repository's devops-lead configuration.
const repoConfigPath = ".github/devops-lead.yml"

// checkSubstitutions asks before the plan would use a different target,
// tool or service than the one the request names. It reports whether the
// plan may go on.
func (p *planner) checkSubstitutions() bool {
	r := p.req
	in := &r.Infra
	if r.IaC != "" && in.Cloud != "" {
		// A different infrastructure tool is declined plainly (the rest of
		// the request goes ahead), unless the repository allows Terraform
		// in its place.
		key := strings.ToLower(strings.NewReplacer(" ", "", ".", "").Replace(strings.TrimPrefix(r.IaC, "the ")))
		sub := substitution{from: key, to: "terraform", named: r.IaC, by: "Terraform"}
		if p.allows(sub) {
			p.substitute(sub, "")
		} else {
			p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s: devops-lead writes infrastructure as Terraform, not %s, so no %s infrastructure is planned; ask for Terraform to get it, or add %q to allow_substitutions in %s to have Terraform written for such requests",
				r.IaC, r.IaC, infra.CloudLabel(in.Cloud), sub.from+"->"+sub.to, repoConfigPath))
			monitoring, worker := in.Monitoring, in.Worker
			*in = intent.Infra{Monitoring: monitoring, Worker: worker, Dashboard: in.Dashboard, Bindings: in.Bindings}
		}
	}
	if r.Renovate {
		if !p.substitute(substitution{from: "renovate", to: "dependabot", named: "Renovate", by: "Dependabot"},
			"The request asks for Renovate, but the built-in lead configures Dependabot (.github/dependabot.yml), not Renovate. Should it set up Dependabot instead?") {
			return false
		}
		r.Dependabot = true
	}
	if r.OtherRegistry != "" && r.Publish && in.Cloud == "" && !in.K8s {
		key := registryKeys[r.OtherRegistry]
		to := r.Registry
		if to == "" {
			to = "ghcr"
		}
		if !p.substitute(substitution{from: key, to: to, named: r.OtherRegistry, by: map[string]string{"ghcr": "GitHub Container Registry", "dockerhub": "Docker Hub"}[to]},
			fmt.Sprintf("The request asks to push the image to %s; the built-in image workflow pushes to GitHub Container Registry (ghcr.io) or Docker Hub. Which of those should it use, or is %s required?", r.OtherRegistry, r.OtherRegistry)) {
			return false
		}
	}
	if in.Cloud != "" && strings.Contains(in.CloudWhy, "several clouds") {
		p.ask("The request names more than one cloud. Which one should the infrastructure go to: AWS, Google Cloud or Azure?")
		return false
	}
	if in.Cloud == "aws" && r.Has("ecs", "fargate") && r.Has("eks") {
		p.ask("The request names both ECS and EKS. Which should run the service: ECS on Fargate, or an EKS cluster?")
		return false
	}
	return true
}

// registryKeys are the allow_substitutions names of other registries.
var registryKeys = map[string]string{
	"Amazon ECR": "ecr", "Google Artifact Registry": "artifactregistry", "Google Container Registry": "gcr",
	"Azure Container Registry": "acr", "Quay": "quay", "the GitLab registry": "gitlab", "Harbor": "harbor",
	"JFrog Artifactory": "artifactory", "Nexus": "nexus",
}

// declineOthers declines the platforms and tools the built-in brain does
// not write, each with the reason, so the rest of the request goes ahead.
func (p *planner) declineOthers() {
	r := p.req
	if r.OtherPlatform != "" {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s: devops-lead does not write deployments for %s; it deploys to AWS, Google Cloud, Azure, Kubernetes and Cloudflare Workers (name one of those to get a deployment)", r.OtherPlatform, r.OtherPlatform))
		if r.Infra.Cloud == "" {
			r.CD = false
		}
	}
	if r.IaC != "" && r.Infra.Cloud == "" && !r.Infra.Terraform {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s: devops-lead writes infrastructure as Terraform, not %s; ask for Terraform on AWS, Google Cloud or Azure to get it", r.IaC, r.IaC))
	}
}

// cdQuestion asks where to deploy when the request asks for continuous
// deployment and names no target; it reports whether it asked.
func (p *planner) cdQuestion() bool {
	r := p.req
	if p.existingCD() {
		return false
	}
	if r.CD && r.Infra.Cloud != "" && (r.Infra.Compute == "" || r.Infra.ComputeDefault) && !r.Infra.K8s && !r.Infra.Postgres && !r.Infra.Bucket && r.IaC == "" {
		p.ask(fmt.Sprintf("The request asks to deploy to %s but not to which service. Deploy where: %s?", infra.CloudLabel(r.Infra.Cloud),
			map[string]string{"aws": "App Runner, ECS on Fargate or EKS", "gcp": "Cloud Run or GKE", "azure": "Container Apps, AKS or App Service"}[r.Infra.Cloud]))
		return true
	}
	if !r.CD || r.Infra.Any() || r.OtherPlatform != "" || p.workerDir() != "" {
		return false
	}
	q := "The request asks for continuous deployment but not where to deploy. Deploy where: Cloud Run, AWS App Runner, ECS on Fargate, Azure Container Apps, or Kubernetes (GKE, EKS, AKS)?"
	var has []string
	if a := p.in.Repo.Artifacts; len(a.Kubernetes) > 0 {
		has = append(has, "Kubernetes manifests ("+path.Dir(a.Kubernetes[0])+"/)")
	}
	if roots := p.in.Repo.Artifacts.TerraformRoots; len(roots) > 0 {
		has = append(has, "Terraform ("+roots[0]+")")
	}
	if len(has) > 0 {
		q += " The repository already has " + strings.Join(has, " and ") + "."
	}
	if r.CI {
		q += " CI can be planned as soon as the target is known, or say \"CI only\"."
	}
	p.ask(q)
	return true
}

// cdTools name, for people, the tools cdToolOf finds, with the
// infrastructure tool a request may name for them.
var cdTools = map[string]struct{ label, iac string }{
	"cdk":        {"the AWS CDK app", "AWS CDK"},
	"serverless": {"the Serverless Framework service", "the Serverless Framework"},
	"azd":        {"the Azure Developer CLI project (azure.yaml, with its Bicep or Terraform)", "Bicep"},
}

// existingCD decides, for a request for continuous deployment, whether
// the repository already deploys with a tool of its own (a CDK app, a
// Serverless service, an azd project) or a deploy workflow that only runs
// on releases or by hand; then the plan deploys that on merge, with no
// question and no new infrastructure. It records what it found in p.cd.
func (p *planner) existingCD() bool {
	r := p.req
	if p.cd != nil {
		return true
	}
	if r.OtherCI != "" {
		return false // the deployment was asked of another CI system
	}
	if !r.CD && !(r.IaC != "" && r.Has("deploy", "deployment", "deploys", "pipeline")) {
		return false
	}
	if r.Infra.K8s || r.Infra.Compute != "" && !r.Infra.ComputeDefault {
		return false
	}
	if tool, dir := cicd.CDToolOf(p.in.Workspace, nil); tool != "" {
		if named := cdTools[tool].iac; r.IaC == "" || r.IaC == named || (tool == "azd" && r.IaC == "Bicep") {
			p.cd = map[string]string{"tool": tool, "tool_dir": dir}
			r.IaC, r.Infra = "", intent.Infra{Monitoring: r.Infra.Monitoring, Dashboard: r.Infra.Dashboard}
			r.CD = true
			return true
		}
	}
	if r.IaC != "" {
		return false
	}
	if wf := cicd.CDDeployWorkflow(p.in.Workspace, p.in.Repo.Artifacts.Workflows); wf != "" {
		p.cd = map[string]string{"tool": "workflow", "workflow": wf}
		r.Infra = intent.Infra{Monitoring: r.Infra.Monitoring, Dashboard: r.Infra.Dashboard}
		return true
	}
	return false
}

// workerDir returns the directory of an existing Cloudflare Worker the
// request asks to deploy (a wrangler configuration the repository has),
// or "" when the request asks for a new Worker or none.
func (p *planner) workerDir() string {
	r := p.req
	ws := p.in.Repo.Artifacts.Wrangler
	// "deploy the edge worker" in a repository with a wrangler
	// configuration names that Worker.
	named := r.Infra.Worker || (len(ws) > 0 && r.Has("worker", "workers", "edge worker", "edge function"))
	if !named || r.Has("new worker", "create a worker", "write a worker", "add a worker", "a worker in front") {
		return ""
	}
	if len(ws) == 0 {
		return ""
	}
	return path.Dir(ws[0])
}

// tentativeQuestion turns an issue that asks for opinions into a
// question: what the lead would plan, and whether to go ahead.
func (p *planner) tentativeQuestion() bool {
	if !p.req.Tentative {
		return false
	}
	r := p.req
	var topics []string
	for _, t := range []struct {
		on   bool
		name string
	}{{r.CI, "CI"}, {r.Container || r.Publish, "container images"}, {r.Compose, "Compose"}, {r.Infra.K8s, "Kubernetes"},
		{r.Infra.Cloud != "", infra.CloudLabel(r.Infra.Cloud)}, {r.IaC != "", r.IaC}, {r.Infra.Monitoring, "monitoring"}, {r.Infra.Worker, "Cloudflare Workers"}} {
		if t.on {
			topics = append(topics, t.name)
		}
	}
	about := ""
	if len(topics) > 0 {
		about = " about " + strings.Join(topics, ", ")
	}
	p.ask("The issue discusses" + strings.TrimPrefix(about, " about") + map[bool]string{true: " plans", false: ""}[about == ""] + " rather than asking for a change. Should devops-lead go ahead with it? If so, say what to build, e.g. \"write Kubernetes manifests for the API with an Ingress\" or \"containerize the API and the web UI separately, with a Compose file that runs both\".")
	return true
}

// epicQuestion asks which part to start with when the issue is an epic:
// a container of stories, not one piece of work.
func (p *planner) epicQuestion() bool {
	t := strings.ToLower(p.in.Issue.Title)
	if !strings.Contains(t, "[epic]") && !strings.HasPrefix(t, "epic:") && !strings.HasPrefix(t, "epic ") {
		return false
	}
	p.ask("This issue is an epic: it names several pieces of work. Which should come first? Open an issue (or comment `/devops plan <what>`) for one of them, e.g. \"add CI that runs the tests\" or \"deploy the API to Cloud Run\".")
	return true
}

// vagueKubernetes asks what should change when the request only names
// Kubernetes and the repository already has manifests; it reports
// whether it asked.
func (p *planner) vagueKubernetes() bool {
	r := p.req
	in := &r.Infra
	manifests := p.in.Repo.Artifacts.Kubernetes
	if !in.K8s || len(manifests) == 0 || in.Helm || in.Autoscaling || in.Ingress || in.Kustomize || len(r.Envs) > 0 ||
		in.Cloud != "" || in.Monitoring || r.CI || r.Container || r.Publish || r.Compose || r.CD {
		return false
	}
	p.ask(fmt.Sprintf("The repository already has Kubernetes manifests (%s). What should change: a Helm chart, staging and production overlays, autoscaling, an Ingress, or a workflow that deploys them to a cluster (GKE, EKS, AKS)?",
		describeList(manifests, 3)))
	return true
}

// describeList lists up to n items and says how many more there are.
func describeList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// ciConcepts reports whether the request asks for CI/CD work beyond the
// ci and image workflows: Dependabot, a release, a migration or a Worker
// deploy workflow.
func (p *planner) ciConcepts() bool {
	r := p.req
	return r.Dependabot || r.Release || r.MigrateFrom != "" || p.workerDir() != "" || p.cd != nil
}

// migrationFile returns the CI file the request migrates from, if the
// repository has it.
func (p *planner) migrationFile() string {
	names := map[string][]string{"travis": {".travis.yml", ".travis.yaml"}, "circleci": {".circleci/config.yml", ".circleci/config.yaml"}}
	for _, n := range names[p.req.MigrateFrom] {
		if kit.Exists(p.in.Workspace, n) {
			return n
		}
	}
	return ""
}

// languageFree reports whether everything the request asks can be done
// without building the repository's code: Dependabot, a release of what
// exists, publishing an existing Dockerfile.
func (p *planner) languageFree() bool {
	r := p.req
	if r.CI || r.Container || r.Compose || r.Infra.Any() {
		return false
	}
	if r.MigrateFrom != "" && p.migrationFile() != "" {
		return true
	}
	if r.Publish && len(p.in.Repo.Artifacts.Dockerfiles) == 0 {
		return false
	}
	return r.Dependabot || r.Release || r.Publish
}

// builtFromDockerfile reports whether the repository already builds an
// image of the unit from a Dockerfile of its own.
func (p *planner) builtFromDockerfile(s stack.Service) bool {
	return slices.Contains(p.in.Repo.Artifacts.Dockerfiles, kit.JoinPath(s.Dir, "Dockerfile")) || p.otherDockerfile(s) != ""
}

// declineUnsupported declines, when the repository's code is only in
// languages the built-in specialists cannot build, the parts of the
// request that need to build it — each named with the language — and
// keeps the parts that do not (Dependabot, a release, publishing an
// existing Dockerfile). It reports whether anything is left to plan.
func (p *planner) declineUnsupported() bool {
	r := p.req
	langs := unsupportedNames(p.in.Repo.Unsupported)
	var what []string
	if r.CI {
		what = append(what, "CI that builds and tests it"+unsupportedCheck(p.in.Repo.Unsupported))
		r.CI = false
	}
	if r.MigrateFrom != "" && p.migrationFile() == "" {
		what = append(what, "CI for it")
		r.MigrateFrom = ""
	}
	if r.MigrateFrom != "" {
		// The old CI's steps say how to build it: translating them needs
		// no knowledge of the language.
		r.CI = false
	}
	if r.Container {
		what = append(what, "a Dockerfile")
		r.Container = false
	}
	if r.Publish && len(p.in.Repo.Artifacts.Dockerfiles) == 0 {
		what = append(what, "publishing an image (the repository has no Dockerfile to build it from)")
		r.Publish = false
	}
	if r.Compose && len(r.Backing) == 0 {
		what = append(what, "a Compose file that runs it")
		r.Compose = false
	}
	if needsImage(&r.Infra) && !p.deployImages() {
		what = append(what, "a deployment of it")
		r.Infra = intent.Infra{}
	}
	if len(what) > 0 {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s: the repository is written in %s, which the built-in specialists cannot build yet (set GEMINI_API_KEY to plan it with the Gemini brain)",
			kit.Capitalise(strings.Join(what, ", ")), langs))
	}
	return r.Publish || r.Compose || r.Dependabot || r.Release || r.Infra.Any() || r.MigrateFrom != ""
}

// deployImages takes, for a request to run the repository on Kubernetes
// or a cloud's container service, the units in unsupported languages
// whose own Dockerfile builds the image as the scope: running an image
// needs no knowledge of the language, only the uid it runs as and the
// port it exposes. A unit whose image does not run as a fixed non-root
// uid or exposes no port gets the reason declined. It reports whether
// any unit is left to deploy.
func (p *planner) deployImages() bool {
	in := &p.req.Infra
	cloud := computeProfiles[in.Compute].label
	if !in.K8s && cloud == "" {
		return false
	}
	where := "on Kubernetes"
	if cloud != "" {
		where = "on " + cloud
	}
	var scope []stack.Service
	var declined []string
	for _, u := range p.in.Repo.Unsupported {
		if u.Image == nil {
			continue
		}
		if s := p.in.Repo.ImageUnit(u.Dir); s != nil {
			scope = append(scope, *s)
			continue
		}
		why := u.Image.Problem()
		if why == "" {
			why = u.Image.Dockerfile + " exposes no port, so nothing can say where to send traffic: add an EXPOSE line with the port the server listens on"
		}
		declined = append(declined, fmt.Sprintf("Running %s (%s) %s: %s", kit.DirLabel(u.Dir), stack.LanguageName(u.Language), where, why))
	}
	p.plan.Declined = append(p.plan.Declined, declined...)
	if len(scope) == 0 {
		if len(declined) == 0 {
			return false
		}
		p.req.Infra = intent.Infra{}
		return true
	}
	p.scope = scope
	if cloud == "" && !p.req.Publish {
		p.note("nothing in this plan builds or pushes the image the manifests run: ask for \"publish the image to GHCR\" (the image workflow builds the Dockerfile as it is) or push it yourself, and set the image in the manifests")
	}
	for _, s := range scope {
		p.note("%s is written in %s, which the built-in specialists cannot build, but %s builds its image: it runs %s as uid %d (%s) on port %d (EXPOSE); the environment a %s program reads is not read, so set its variables (database, secrets) yourself",
			kit.DirLabel(s.Dir), stack.LanguageName(string(s.Language)), s.Image.Dockerfile, where, s.Image.UID, s.Image.UIDSource, s.Port, stack.LanguageName(string(s.Language)))
	}
	return true
}

// unsupportedChecks are the usual build and test commands of the
// languages the specialists cannot build, named so people know what the
// CI they write themselves would run.
var unsupportedChecks = map[string]string{
	"r": "R CMD check", "php": "composer install and phpunit", "ruby": "bundle exec rake", "elixir": "mix test",
	"dotnet": "dotnet test", "ocaml": "dune build @runtest", "cpp": "cmake --build and ctest", "swift": "swift test",
	"haskell": "stack test", "scala": "sbt test", "dart": "dart test", "zig": "zig build test", "deno": "deno test",
}

// unsupportedCheck names the usual checks of the first unsupported
// language (" (R CMD check)"), or "".
func unsupportedCheck(us []stack.Unsupported) string {
	if len(us) == 0 || unsupportedChecks[us[0].Language] == "" {
		return ""
	}
	return " (" + unsupportedChecks[us[0].Language] + ")"
}

// unsupportedWords are the words a request uses for an unsupported
// language's units.
var unsupportedWords = map[string][]string{
	"dotnet": {"net", "dotnet", "csharp", "c sharp", "asp net", "aspnet"}, "php": {"php", "laravel", "symfony", "wordpress"},
	"ruby": {"ruby", "rails", "sinatra"}, "elixir": {"elixir", "phoenix"}, "ocaml": {"ocaml"}, "swift": {"swift", "vapor"},
	"haskell": {"haskell"}, "scala": {"scala"}, "dart": {"dart", "flutter"}, "zig": {"zig"}, "deno": {"deno"},
	"cpp": {"cpp", "cmake", "c"}, "r": {"r package", "shiny", "r cmd check"},
}

// declineNamedUnsupported declines the units the request names (by
// language or folder) that the built-in specialists cannot build, while
// the rest of the request goes ahead.
func (p *planner) declineNamedUnsupported() {
	r := p.req
	if !(r.CI || r.Container || r.Compose || needsImage(&r.Infra)) {
		return
	}
	for _, u := range p.in.Repo.Unsupported {
		if r.Has(unsupportedWords[u.Language]...) || (kit.LastElem(u.Dir) != "" && r.Has(strings.TrimSpace(intent.Norm(kit.LastElem(u.Dir))))) {
			p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s (%s): written in %s, which the built-in specialists cannot build yet; the plan covers the units it can build",
				kit.DirLabel(u.Dir), kit.JoinPath(u.Dir, u.Manifest), stack.LanguageName(u.Language)))
		}
	}
}
