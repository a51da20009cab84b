package intent

import (
	"slices"
	"strings"
)

// Request is what the lead read in an issue. The issue is untrusted text:
// it is only matched against word lists, never followed.
type Request struct {
	// Text is the asked part of the issue, lower-cased with punctuation
	// as spaces and a space at each end (" word word ... "); matched
	// phrases are dropped from it as they are read.
	Text string
	// Doc is the issue split by role.
	Doc Doc
	// FromContext is set when nothing was asked outside the issue's
	// context sections, so the request was read from them too.
	FromContext bool
	// Excluded is what the issue says it does not want, normalised.
	Excluded string

	CI, Container, Compose, Publish bool
	// Registry is "ghcr" or "dockerhub" when publish is set.
	Registry string
	// Backing lists the backing services named in the text, in canonical
	// order.
	Backing []string
	// UnsupportedBacking lists named backing services compose cannot add.
	UnsupportedBacking []string
	// OtherCI names a CI system other than GitHub Actions, when one was
	// asked for instead of it.
	OtherCI string
	// Act is set when the request asks to apply or deploy now.
	Act bool
	// External names a place outside the repository the request asks to
	// publish to by hand ("the Grafana website"), which the lead declines.
	External string
	// Tentative is set when the issue asks for opinions rather than for
	// the work ("what do you suggest?").
	Tentative bool
	// Manual is set when the request asks for work by hand in a cloud
	// portal or console.
	Manual bool
	// Secrets is set when the request asks to print or commit secrets.
	Secrets bool
	// Injection is set when the text addresses the tool itself.
	Injection bool
	// Areas are infrastructure areas the built-in brain cannot do yet.
	Areas []Area
	// Infra is what the request asks of infrastructure.
	Infra Infra

	// Dependabot is set when the request asks for dependency updates.
	Dependabot bool
	// Renovate is set when it names Renovate, which the lead does not
	// write (Dependabot would be a substitution).
	Renovate bool
	// Release is set when it asks for a release on tags (binaries,
	// packages, a changelog), not only for a published image.
	Release bool
	// Platforms is the image platform list when multi-arch images are
	// asked for ("linux/amd64,linux/arm64").
	Platforms string
	// MigrateFrom is "travis" or "circleci" when the request asks to move
	// that CI to GitHub Actions.
	MigrateFrom string
	// CD is set when the request asks for continuous deployment
	// (including the CD of "CI/CD").
	CD bool
	// IaC names an infrastructure-as-code tool other than Terraform that
	// the request asks for ("CloudFormation"), when Terraform is not named
	// too.
	IaC string
	// OtherRegistry names an image registry other than GHCR and Docker Hub
	// that the request asks to push to ("Amazon ECR").
	OtherRegistry string
	// OtherPlatform names a hosting platform the lead does not deploy to
	// ("Heroku").
	OtherPlatform string
	// Envs are the deployment environments named, in canonical order
	// (staging, production, dev).
	Envs []string
}

// Area is one kind of work the built-in brain has no specialist for.
type Area struct {
	What string // "Terraform / infrastructure as code"
	Mode string // the mode that will do it
}

// backingOrder is the canonical order of backing services.
var backingOrder = []string{"postgres", "mysql", "redis", "mongodb", "rabbitmq"}

// backingWords maps words of the request to backing services.
var backingWords = map[string][]string{
	"postgres": {"postgres", "postgresql", "psql", "pgsql"},
	"mysql":    {"mysql", "mariadb"},
	"redis":    {"redis", "valkey"},
	"mongodb":  {"mongo", "mongodb"},
	"rabbitmq": {"rabbitmq", "rabbit mq", "amqp"},
}

// areaWords lists the areas the built-in brain declines, with their words
// and the mode that will do them.
var areaWords = []struct {
	Area
	words []string
}{
	{Area{"Terraform / infrastructure as code", "infrastructure-specialist"},
		[]string{"terraform", "opentofu", "infrastructure as code", "iac"}},
	{Area{"AWS infrastructure", "aws-architect"},
		[]string{"aws", "amazon web services", "ecs", "eks", "fargate", "lambda", "s3", "ec2", "rds", "cloudfront"}},
	{Area{"Google Cloud infrastructure", "gcp-architect"},
		[]string{"gcp", "google cloud", "cloud run", "gke", "gcs"}},
	{Area{"Azure infrastructure", "azure-architect"},
		[]string{"azure", "aks", "app service"}},
	{Area{"Kubernetes manifests", "kubernetes-specialist"},
		[]string{"kubernetes", "k8s", "helm", "kustomize", "kubectl", "manifests"}},
	{Area{"monitoring and alerting", "monitoring-specialist"},
		[]string{"monitoring", "prometheus", "grafana", "alerting", "alerts", "observability", "dashboards"}},
	{Area{"Cloudflare Workers", "cloudflare-workers-specialist"},
		[]string{"wrangler", "cloudflare worker", "cloudflare workers"}},
}

// otherCIWords are CI systems other than GitHub Actions.
var otherCIWords = []struct{ name, word string }{
	{"Azure Pipelines", "azure pipelines"}, {"Azure DevOps", "azure devops"},
	{"Bitbucket Pipelines", "bitbucket pipelines"}, {"GitLab CI", "gitlab"},
	{"Jenkins", "jenkins"}, {"Jenkins", "jenkinsfile"}, {"CircleCI", "circleci"}, {"CircleCI", "circle ci"},
	{"Travis CI", "travis"}, {"Buildkite", "buildkite"}, {"TeamCity", "teamcity"}, {"Drone CI", "drone ci"},
	{"Codeship", "codeship"}, {"AWS CodePipeline", "codepipeline"}, {"AWS CodeBuild", "codebuild"},
	{"Google Cloud Build", "cloud build"}, {"Bamboo", "bamboo"}, {"Semaphore", "semaphore ci"}, {"AppVeyor", "appveyor"},
}

// Has reports whether the text holds any of the phrases as whole words.
func (r *Request) Has(phrases ...string) bool {
	for _, p := range phrases {
		if strings.Contains(r.Text, " "+p+" ") {
			return true
		}
	}
	return false
}

// drop removes phrases from the text so later rules do not see them again.
func (r *Request) drop(phrases ...string) {
	for _, p := range phrases {
		r.Text = strings.ReplaceAll(r.Text, " "+p+" ", " ")
	}
}

// readWords matches text against the lead's word lists.
func readWords(text string) *Request {
	r := &Request{Text: norm(text)}
	// "Web App for Containers" is a name: its "containers" asks for no
	// Dockerfile.
	for _, n := range []string{" web apps for containers ", " web app for containers "} {
		r.Text = strings.ReplaceAll(r.Text, n, " azure web app ")
	}
	r.Injection = r.Has("ignore previous instructions", "ignore all previous instructions", "ignore the above",
		"ignore your instructions", "disregard previous instructions", "system prompt", "you are now")

	// Standing up an instance now is acting, not a change to review.
	if r.Has("deploy a development instance", "deploy a dev instance", "deploy an instance", "deploy a staging instance",
		"deploy a test instance", "spin up an instance", "spin up a dev instance", "deploy a demo instance") {
		r.Act = true
		r.drop("deploy a development instance", "deploy a dev instance", "deploy an instance", "deploy a staging instance",
			"deploy a test instance", "spin up an instance", "spin up a dev instance", "deploy a demo instance")
	}
	// Acting on infrastructure: declined, whatever else is asked.
	deployNow := (r.Has("deploy", "redeploy", "re deploy") && r.Has("now", "production", "prod", "live", "immediately",
		"latest version", "latest release", "new version", "the latest")) || r.Has("redeploy", "re deploy")
	// "deploy to production on every merge" asks for automation: only
	// "now" makes it an act then.
	if deployNow && r.Has("on merge", "on every merge", "on push", "whenever", "automatically", "automatic", "continuous deployment",
		"continuous delivery", "cd", "cicd", "pipeline", "workflow") && !r.Has("now", "immediately", "right away", "redeploy") {
		deployNow = false
	}
	if r.Has("terraform apply", "apply terraform", "apply the terraform", "tofu apply", "kubectl apply",
		"kubectl delete", "helm install", "helm upgrade", "terraform destroy", "destroy the", "run terraform",
		"push to production", "release to production", "roll out to production") || deployNow {
		r.Act = true
		r.drop("terraform apply", "tofu apply", "kubectl apply", "kubectl delete", "helm install", "helm upgrade",
			"terraform destroy", "run terraform")
	}
	r.Manual = r.Has("in the azure portal", "in the portal", "through the portal", "via the portal", "manually in the",
		"by hand in the", "in the aws console", "in the gcp console", "in the google cloud console", "in the cloud console",
		"click ops", "clickops")
	secretWords := []string{"secret", "secrets", "password", "passwords", "token", "tokens", "api key", "api keys",
		"private key", "private keys", "ssh key", "ssh keys", "credentials", "env file", "aws keys", "signing key"}
	secretVerbs := []string{"print", "show", "reveal", "dump", "echo", "output", "commit", "display", "leak",
		"send", "post", "expose", "paste", "upload", "cat", "hardcode", "hard code", "embed", "reset", "rotate",
		"change the", "issue", "give out", "hand out", "share", "distribute"}
	r.Secrets = near(r.Text, secretVerbs, secretWords, 5)

	// Other CI systems: declined unless GitHub Actions is asked for too.
	// Moving Travis CI or CircleCI to GitHub Actions is a migration.
	actions := r.Has("github actions", "github action", "gh actions", "actions workflow", "github workflow", "github workflows")
	moving := r.Has("migrate", "migrating", "migration", "move", "moving", "switch", "switching", "port", "porting",
		"convert", "converting", "replace", "replacing", "transition", "instead of", "away from", "from travis",
		"from circleci", "from circle ci")
	for _, c := range otherCIWords {
		if r.Has(c.word) {
			switch {
			case (actions || moving) && c.name == "Travis CI" && r.MigrateFrom == "":
				r.MigrateFrom = "travis"
			case (actions || moving) && c.name == "CircleCI" && r.MigrateFrom == "":
				r.MigrateFrom = "circleci"
			case !actions && r.OtherCI == "" && (!moving || (c.name != "Travis CI" && c.name != "CircleCI")):
				r.OtherCI = c.name
			}
			r.drop(c.word)
		}
	}
	if r.MigrateFrom != "" {
		r.OtherCI = ""
	}

	// Registries first: "docker hub" is not a Dockerfile request.
	// With both named, GHCR is the one asked for: requests add it beside
	// Docker Hub far more often than the other way round, and "instead of
	// Docker Hub" was cut from the text already.
	switch {
	case r.Has("ghcr", "ghcr io", "github container registry", "github packages"):
		r.Registry = "ghcr"
	case r.Has("docker hub", "dockerhub", "docker io", "hub docker com"):
		r.Registry = "dockerhub"
	}
	imageWords := []string{"image", "images", "container", "containers", "docker"}
	r.Publish = r.Registry != "" || (r.Has("publish", "push", "release", "ship", "upload") && r.Has(imageWords...)) ||
		r.Has("container registry", "image registry")
	if r.Publish && r.Registry == "" {
		r.Registry = "ghcr"
	}
	r.drop("docker hub", "dockerhub", "docker io", "hub docker com", "github container registry")

	r.Compose = r.Has("compose", "docker compose", "local development", "local dev", "dev environment",
		"development environment", "run locally", "run it locally", "local environment", "local stack")
	composeNamed := r.Has("compose", "docker compose", "local stack")
	r.drop("docker compose", "docker compose yaml", "docker compose yml")
	r.drop("container registry", "image registry")
	// With publishing, "the docker image" names what to push, not a
	// request for a Dockerfile: only explicit words count then.
	// "from the Dockerfile" names the existing one as the source.
	r.drop("from the dockerfile", "using the dockerfile", "with the dockerfile", "from our dockerfile", "using our dockerfile",
		"the existing dockerfile", "existing dockerfile", "from dockerfile", "our existing dockerfile")
	explicitContainer := r.Has("containerize", "containerise", "containerized", "containerised", "dockerize", "dockerise",
		"dockerized", "dockerised", "dockerfile", "dockerfiles")
	r.Container = explicitContainer ||
		(!r.Publish && r.Has("docker image", "container image", "docker", "container", "containers"))
	// "so local development does not depend on the host" is why an image
	// is asked for, not a Compose file; the images of backing services
	// are.
	if r.Container && !composeNamed {
		r.Compose = false
	}
	r.CI = r.Has(strongCIWords...) || r.Has("github actions", "github action", "gh actions", "workflow", "workflows",
		"pipeline", "pipelines", "pull requests", "on prs", "every pr", "each pr")
	// "a workflow that publishes the image" is the image workflow, not CI,
	// and "it breaks CI systems" names CI as a thing.
	if r.Publish {
		r.drop("ci systems", "ci system", "ci servers", "ci server", "in ci", "our ci", "the ci", "from ci")
		r.CI = r.Has(strongCIWords...) || r.Has("github actions", "github action", "gh actions", "workflow", "workflows",
			"pipeline", "pipelines", "pull requests", "on prs", "every pr", "each pr")
	}
	if r.Publish && !r.Has(strongCIWords...) && !r.Has("pull requests", "on prs", "every pr", "each pr") {
		r.CI = false
	}
	if r.Publish && r.Has("ci step", "ci job", "step in ci", "ci workflow") && !r.Has("run tests", "run the tests", "lint", "build and test", "continuous integration") {
		r.CI = false
	}
	if r.OtherCI != "" {
		r.CI = false
	}

	for _, name := range backingOrder {
		if r.Has(backingWords[name]...) {
			r.Backing = append(r.Backing, name)
		}
	}
	for _, u := range []string{"kafka", "elasticsearch", "memcached", "minio", "nats"} {
		if r.Has(u) {
			r.UnsupportedBacking = append(r.UnsupportedBacking, u)
		}
	}
	for _, a := range areaWords {
		if r.Has(a.words...) {
			r.Areas = append(r.Areas, a.Area)
		}
	}
	r.readInfra()
	// A deploy request's "pipeline", "workflow" or "GitHub Actions" is its
	// deploy workflow, which the infrastructure tasks plan: it is not a
	// request for CI, and a deploy request does not touch CI. Only words
	// that name CI itself plan a ci task beside a deployment.
	if r.CI && r.Infra.Any() && r.Has("deploy", "deploys", "deploying", "deployed", "deployment", "deployments") &&
		!r.Has("ci", "cicd", "continuous integration", "run tests", "run the tests", "run our tests", "run unit tests",
			"automated tests", "tests on", "test on", "lint", "linting", "build and test", "pull requests", "on prs", "every pr", "each pr") {
		r.CI = false
	}
	// "run the container on Kubernetes", "deploy the Docker image to Cloud
	// Run": without the words that ask for a Dockerfile, container words
	// beside a deployment name what is deployed.
	if r.Container && !explicitContainer && (r.Infra.K8s || r.Infra.Compute != "" || r.Compose) {
		r.Container = false
	}
	if r.Manual {
		// What would be clicked in a portal is declined as a whole.
		r.Infra = Infra{}
		r.Areas = nil
	}
	if r.Has("grafana website", "grafana com", "grafana dashboards site", "grafana labs website") {
		r.External = "the Grafana website (grafana.com)"
	}
	r.Tentative = r.Has("what do you suggest", "what do you think", "any thoughts", "thoughts on this", "any suggestions",
		"would it make sense", "is it worth", "opinions", "what would you suggest", "open for discussion", "up for discussion",
		"my plan is", "current plan is", "our plan is", "we are considering", "i am considering", "thinking about", "thinking of",
		"maybe we could", "we could consider")
	r.readConcepts()
	if len(r.Backing) > 0 && !r.CI && !r.Publish && !r.Infra.Any() && r.IaC == "" && !r.Secrets && !r.Act {
		r.Compose = true // "add Postgres and Redis" (or "dockerize the server, Redis and Postgres") is a local stack
	}
	return r
}

// near reports whether a phrase of first is followed, within window words,
// by a phrase of second ("print ... the token"). It is linear in the text.
func near(text string, first, second []string, window int) bool {
	words := strings.Fields(text)
	split := func(ps []string) [][]string {
		out := make([][]string, len(ps))
		for i, p := range ps {
			out[i] = strings.Fields(p)
		}
		return out
	}
	firsts, seconds := split(first), split(second)
	at := func(i int, p []string) bool {
		if i+len(p) > len(words) {
			return false
		}
		for k, w := range p {
			if words[i+k] != w {
				return false
			}
		}
		return true
	}
	for i := range words {
		for _, f := range firsts {
			if !at(i, f) {
				continue
			}
			start := i + len(f)
			for j := start; j < start+window && j < len(words); j++ {
				for _, s := range seconds {
					if at(j, s) {
						return true
					}
				}
			}
		}
	}
	return false
}

// Infra is what a request asks of infrastructure.
type Infra struct {
	// cloud is "aws", "gcp", "azure" or "" and cloudWhy says how it was
	// chosen.
	Cloud, CloudWhy string
	// compute is one of the cloud's computesOf ("apprunner", "ecs",
	// "eks", ...), or the name of a way of running the service the
	// built-in brain does not write ("Lambda"), or "".
	Compute            string
	Postgres, Bucket   bool
	OtherDB            []string // databases asked for on the cloud besides PostgreSQL
	Terraform          bool     // Terraform / IaC named
	K8s, Helm          bool
	Autoscaling        bool
	Ingress, Kustomize bool
	Monitoring         bool
	Dashboard          bool
	Worker             bool
	Bindings           []string

	// ComputeDefault is set when Compute is the cloud's default, not one
	// the request named.
	ComputeDefault bool
	// kustomizeDropped is set when kustomize was asked with Helm, whose
	// values replace it.
	KustomizeDropped bool
}

// Any reports whether the request asks for infrastructure the lead plans.
func (in *Infra) Any() bool {
	return in.Cloud != "" || in.K8s || in.Monitoring || in.Worker
}

// cloudWords are the words that name each cloud.
var cloudWords = map[string][]string{
	"aws": {"aws", "amazon web services", "amazon", "ecs", "eks", "fargate", "lambda", "s3", "ec2", "rds", "cloudfront",
		"app runner", "apprunner", "ecr", "aurora"},
	"gcp": {"gcp", "google cloud", "cloud run", "gke", "gcs", "cloud sql", "artifact registry"},
	"azure": {"azure", "aks", "app service", "container apps", "azure container apps", "acr", "web app for containers",
		"web apps for containers", "azure web app", "azure web apps"},
}

// readInfra reads the infrastructure part of the request; it runs after
// the areas were matched and removes the areas it plans from them.
func (r *Request) readInfra() {
	in := &r.Infra
	for _, c := range []string{"aws", "gcp", "azure"} {
		if r.Has(cloudWords[c]...) {
			if in.Cloud != "" {
				in.CloudWhy = "several clouds are named; the first of AWS, GCP and Azure is planned"
				continue
			}
			in.Cloud = c
			in.CloudWhy = "the request names " + map[string]string{"aws": "AWS", "gcp": "Google Cloud", "azure": "Azure"}[c]
		}
	}
	in.Terraform = r.Has("terraform", "opentofu", "infrastructure as code", "iac")
	if r.Has("rds", "aurora") || (r.Has("database", "db") && !slices.Contains(r.Backing, "mysql")) {
		in.Postgres = true
	}
	in.Postgres = in.Postgres || slices.Contains(r.Backing, "postgres")
	for _, b := range []string{"mysql", "mongodb", "redis", "rabbitmq"} {
		if slices.Contains(r.Backing, b) {
			in.OtherDB = append(in.OtherDB, b)
		}
	}
	in.Bucket = r.Has("s3", "bucket", "buckets", "uploads", "object storage", "file storage", "file uploads")
	hosting := r.Has("deploy", "deployment", "host", "hosting", "hosted", "run it", "run this", "run the", "serve",
		"app runner", "apprunner", "ecs", "fargate", "eks", "lambda", "ec2", "cloud run", "gke", "container apps", "aks", "app service")
	if in.Cloud == "" && in.Terraform && !r.Has("cloudflare", "wrangler") {
		in.Cloud = "aws"
		in.CloudWhy = "no cloud is named, so the built-in default AWS is planned (say \"on GCP\" or \"on Azure\" to steer it)"
	}
	k8s := r.Has("kubernetes", "k8s", "kustomize", "kubectl", "helm", "manifests", "gke", "aks", "eks")
	if in.Cloud == "gcp" && hosting {
		switch {
		case r.Has("gke") || k8s:
			in.Compute = "gke"
		case r.Has("app engine", "compute engine", "gce", "cloud functions"):
			in.Compute = "App Engine, Compute Engine or Cloud Functions"
		default:
			in.Compute, in.ComputeDefault = "cloudrun", !r.Has("cloud run")
		}
	}
	if in.Cloud == "azure" && hosting {
		switch {
		case r.Has("aks") || k8s:
			in.Compute = "aks"
		case r.Has("app service", "app services", "web app", "web apps", "webapp", "webapps", "web app for containers",
			"web apps for containers"):
			in.Compute = "appservice"
		case r.Has("functions", "azure functions", "virtual machines", "vm", "vms"):
			in.Compute = "Azure Functions or virtual machines"
		default:
			in.Compute, in.ComputeDefault = "containerapps", !r.Has("container apps", "azure container apps")
		}
	}
	if in.Cloud == "aws" && hosting {
		switch {
		case r.Has("eks") || (k8s && !r.Has("ecs", "fargate")):
			in.Compute = "eks"
		case r.Has("ecs", "fargate"):
			in.Compute = "ecs"
		case r.Has("lambda", "serverless"):
			in.Compute = "Lambda"
		case r.Has("ec2"):
			in.Compute = "EC2 instances"
		default:
			in.Compute, in.ComputeDefault = "apprunner", !r.Has("app runner", "apprunner")
		}
	}

	in.K8s = k8s || (in.Compute == "eks" || in.Compute == "gke" || in.Compute == "aks")
	// A chart is a Helm chart unless the request is about dashboards.
	in.Helm = r.Has("helm", "helm chart", "helm charts") || (r.Has("chart", "charts") && !r.Has("grafana", "dashboard", "dashboards"))
	in.Autoscaling = r.Has("autoscaling", "autoscale", "auto scaling", "autoscaler", "hpa", "scale", "scaling", "scales")
	in.Ingress = r.Has("ingress", "domain", "expose", "exposed", "public", "publicly", "external", "https", "tls")
	in.Kustomize = r.Has("kustomize", "overlay", "overlays", "environments", "staging")
	if in.Helm && in.Kustomize {
		// A Helm chart's values replace kustomize overlays: the chart is
		// planned, and the k8s task says the overlays were not written.
		in.Kustomize, in.KustomizeDropped = false, true
	}

	// A vendor's dashboard or console is its web UI, not a Grafana one.
	r.drop("cloudflare dashboard", "aws dashboard", "azure dashboard", "gcp dashboard", "google cloud dashboard",
		"github dashboard", "heroku dashboard", "vercel dashboard", "netlify dashboard", "firebase dashboard")
	// "metrics" or "latency" in a request for something else (a Worker
	// that should "collect basic metrics") is a detail of that thing, not
	// a monitoring task: only a request about nothing else, or the words
	// that name monitoring, plan one.
	in.Monitoring = r.Has("monitoring", "prometheus", "grafana", "alerting", "alerts", "alert", "alertmanager",
		"observability", "dashboards", "dashboard", "slo", "slos") ||
		(r.Has("monitor", "metrics", "error rate", "latency") && !r.Has("cloudflare", "wrangler", "worker", "workers"))
	in.Dashboard = r.Has("grafana", "dashboard", "dashboards")

	// "Cloudflare" alone may be DNS, e-mail or the CDN: a Worker is asked
	// for by name, or as something that runs at the edge.
	in.Worker = r.Has("wrangler", "cloudflare worker", "cloudflare workers", "workers") ||
		(r.Has("cloudflare") && r.Has("worker", "edge", "in front", "proxy", "cache", "caching", "kv", "r2", "d1", "deploy", "route",
			"routes", "move to cloudflare", "migrate to cloudflare", "on cloudflare", "host", "hosting", "run"))
	if in.Worker {
		for _, b := range []struct {
			binding string
			words   []string
		}{
			{"kv:CACHE", []string{"kv", "workers kv", "cache", "caching", "key value"}},
			{"r2:UPLOADS", []string{"r2", "uploads", "object storage", "bucket", "files"}},
			{"d1:DB", []string{"d1", "sqlite", "edge database"}},
			{"queue:JOBS", []string{"queue", "queues", "background jobs", "jobs"}},
		} {
			if r.Has(b.words...) {
				in.Bindings = append(in.Bindings, b.binding)
			}
		}
		// Cloudflare storage words are not an AWS bucket.
		if in.Cloud == "" || !r.Has(cloudWords["aws"]...) {
			in.Bucket = false
		}
	}

	planned := map[string]bool{
		"kubernetes-specialist": in.K8s, "monitoring-specialist": in.Monitoring, "cloudflare-workers-specialist": in.Worker,
		"infrastructure-specialist": in.Cloud != "", "aws-architect": in.Cloud == "aws", "gcp-architect": in.Cloud == "gcp",
		"azure-architect": in.Cloud == "azure",
	}
	kept := r.Areas[:0]
	for _, a := range r.Areas {
		if !planned[a.Mode] {
			kept = append(kept, a)
		}
	}
	r.Areas = kept
}

// otherIaC are infrastructure-as-code tools other than Terraform.
var otherIaC = []struct{ name, word string }{
	{"CloudFormation", "cloudformation"}, {"CloudFormation", "cfn"}, {"AWS CDK", "aws cdk"}, {"AWS CDK", "cdk"},
	{"Pulumi", "pulumi"}, {"Bicep", "bicep"}, {"ARM templates", "arm template"}, {"ARM templates", "arm templates"},
	{"the Serverless Framework", "serverless framework"}, {"AWS SAM", "aws sam"}, {"AWS SAM", "sam template"},
	{"Ansible", "ansible"}, {"Crossplane", "crossplane"}, {"CDK for Terraform", "cdktf"},
}

// otherRegistries are image registries other than GHCR and Docker Hub.
var otherRegistries = []struct{ name, word string }{
	{"Amazon ECR", "ecr"}, {"Amazon ECR", "elastic container registry"}, {"Google Artifact Registry", "artifact registry"},
	{"Google Artifact Registry", "gar"}, {"Google Container Registry", "gcr"}, {"Azure Container Registry", "acr"},
	{"Azure Container Registry", "azure container registry"}, {"Quay", "quay"}, {"Quay", "quay io"},
	{"the GitLab registry", "gitlab registry"}, {"Harbor", "harbor"}, {"JFrog Artifactory", "artifactory"},
	{"JFrog Artifactory", "jfrog"}, {"Nexus", "nexus"},
}

// otherPlatforms are hosting platforms the lead does not deploy to.
var otherPlatforms = []struct{ name, word string }{
	{"Heroku", "heroku"}, {"Fly.io", "fly io"}, {"Fly.io", "flyio"}, {"Render", "render com"}, {"Vercel", "vercel"},
	{"Netlify", "netlify"}, {"DigitalOcean", "digitalocean"}, {"DigitalOcean", "digital ocean"}, {"Linode", "linode"},
	{"Hetzner", "hetzner"}, {"OpenShift", "openshift"}, {"Nomad", "nomad"}, {"Docker Swarm", "docker swarm"},
	{"Docker Swarm", "swarm"}, {"Railway", "railway"}, {"Dokku", "dokku"}, {"Oracle Cloud", "oracle cloud"},
	{"IBM Cloud", "ibm cloud"}, {"Alibaba Cloud", "alibaba cloud"}, {"Kamal", "kamal"},
}

// strongCIWords name CI itself, not just a workflow.
var strongCIWords = []string{"ci", "cicd", "continuous integration", "run tests", "run the tests", "run our tests",
	"run unit tests", "automated tests", "tests on", "test on", "lint", "linting", "build and test"}

// readConcepts reads the concepts beyond images, CI and infrastructure:
// dependency updates, releases, multi-arch images, migrations, continuous
// deployment, and the tools, registries and platforms the lead would
// have to substitute.
func (r *Request) readConcepts() {
	r.Dependabot = r.Has("dependabot", "dependency updates", "dependency update", "update dependencies automatically",
		"automated dependency", "automatic dependency", "automatically update dependencies", "keep dependencies up to date",
		"keep our dependencies up to date", "dependency bot", "dependencies up to date")
	r.Renovate = r.Has("renovate", "renovatebot", "renovate bot")
	if r.Renovate && !r.Has("dependabot") {
		r.Dependabot = false
	}

	release := r.Has("release workflow", "release workflows", "release on tag", "release on tags", "release when",
		"releases", "github release", "github releases", "release automation", "automate releases", "automate the release",
		"automated releases", "automatic releases", "automated release", "automatic release", "goreleaser",
		"release binaries", "publish binaries", "attach binaries", "build binaries", "prebuilt binaries", "pre built binaries",
		"release artifacts", "release assets", "changelog", "semantic release", "release please", "tagged release",
		"tagged releases", "when a tag is pushed", "on tag push", "on new tag", "new tag", "cut a release", "release process",
		"release pipeline", "binaries")
	imageOnly := r.Has("image", "images", "docker", "container", "containers") &&
		!r.Has("binary", "binaries", "artifacts", "assets", "changelog", "github release", "github releases", "goreleaser",
			"package", "packages", "npm", "pypi", "crate", "jar")
	r.Release = release && !imageOnly

	if r.Has("multi arch", "multiarch", "multi architecture", "multi platform", "multiplatform", "multiple architectures",
		"multiple platforms", "arm64", "aarch64", "armv7", "arm 64", "apple silicon", "raspberry pi", "graviton",
		"arm based", "linux arm64") || (r.Has("arm") && !r.Has("arm template", "arm templates")) {
		r.Platforms = "linux/amd64,linux/arm64"
		if r.Has("armv7", "arm v7", "raspberry pi", "32 bit arm", "armhf") {
			r.Platforms += ",linux/arm/v7"
		}
		if !r.Release || r.Has("image", "images", "docker", "container", "containers") {
			// Multi-arch is how existing images are built: only the words
			// that ask for a Dockerfile ask for one.
			r.Container = r.Has("containerize", "containerise", "dockerize", "dockerise", "dockerfile", "dockerfiles")
			r.Publish = true
			if r.Registry == "" {
				r.Registry = "ghcr"
			}
		}
	}

	// A release, dependency updates or multi-arch images come as a
	// workflow or as pull requests: "workflow", "GitHub Actions" or "pull
	// requests" there do not ask for CI; only the words that name CI do.
	if (r.Release || r.Dependabot || r.Renovate || r.Platforms != "") && !r.Has(strongCIWords...) {
		r.CI = false
	}
	r.CD = r.Has("cd", "cicd", "continuous deployment", "continuous delivery", "deploy automatically",
		"automatically deploy", "automatic deployment", "automatic deployments", "auto deploy", "autodeploy",
		"deploy on merge", "deploy on push", "deployment pipeline", "deploy pipeline", "deploys automatically")
	if r.CD && (r.Has("cicd") || r.Has("ci")) && !r.CI && r.OtherCI == "" {
		r.CI = true // "CI/CD" asks for both halves
	}
	if r.MigrateFrom != "" || r.OtherCI != "" {
		r.CD = false // the old or other CI system does the deployment part
	}

	for _, t := range otherIaC {
		if r.Has(t.word) && r.IaC == "" && !r.Infra.Terraform {
			r.IaC = t.name
		}
	}
	if r.IaC != "" {
		r.CI = r.CI && r.Has("ci", "cicd", "continuous integration", "run tests", "lint", "build and test")
	}
	for _, g := range otherRegistries {
		if r.Has(g.word) && r.OtherRegistry == "" {
			r.OtherRegistry = g.name
		}
	}
	if r.OtherRegistry != "" && r.Publish && r.Infra.Compute == "" && !r.Infra.Postgres && !r.Infra.Bucket &&
		!r.Infra.Terraform && !r.Infra.K8s && !r.Has("deploy", "deployment", "host", "hosting", "run it") {
		// "push the image to Amazon ECR" names a registry, not a cloud
		// deployment.
		r.Infra.Cloud, r.Infra.CloudWhy = "", ""
		kept := r.Areas[:0]
		for _, a := range r.Areas {
			if !strings.HasSuffix(a.Mode, "-architect") {
				kept = append(kept, a)
			}
		}
		r.Areas = kept
	}
	for _, p := range otherPlatforms {
		if r.Has(p.word) && r.OtherPlatform == "" {
			r.OtherPlatform = p.name
		}
	}
	for _, e := range []struct {
		name  string
		words []string
	}{
		{"staging", []string{"staging", "stage", "stg", "preprod", "pre production", "uat"}},
		{"production", []string{"production", "prod"}},
		{"dev", []string{"dev environment", "development environment", "dev", "qa"}},
	} {
		if r.Has(e.words...) {
			r.Envs = append(r.Envs, e.name)
		}
	}
}

// asksAnything reports whether the request asks for any work, acts or
// declines anything.
func (r *Request) asksAnything() bool {
	return r.CI || r.Container || r.Compose || r.Publish || r.Infra.Any() || len(r.Areas) > 0 || r.Act || r.Secrets ||
		r.OtherCI != "" || r.Dependabot || r.Renovate || r.Release || r.MigrateFrom != "" || r.CD || r.IaC != "" ||
		r.OtherPlatform != "" || len(r.UnsupportedBacking) > 0
}

// Read reads an issue like a person: what is asked comes from the title
// and the request parts; acceptance criteria refine it (a
// database, autoscaling, an ingress, a registry for what was asked) but
// add nothing; context, quoted text, logs and code add nothing; excluded
// clauses are kept aside. When the request parts ask nothing, the context
// is read too (some templates put the whole request under "Is your
// feature request related to a problem?").
func Read(title, body string) *Request {
	d := Split(title, body)
	r := readWords(d.Text(Ask))
	if !r.asksAnything() {
		if c := readWords(d.Text(Ask, Context)); c.asksAnything() {
			r = c
			r.FromContext = true
		}
	}
	// Words that address the tool count wherever they are.
	if !r.Injection {
		r.Injection = readWords(d.Text(Ask, Criteria, Context, Code)).Injection
	}
	if crit := d.Text(Criteria); strings.TrimSpace(crit) != "" {
		r.refine(readWords(d.Text(Ask) + "\n" + crit))
	}
	// A title that asks a question over a template left empty ("Don't
	// we support Kubernetes?") asks for an answer, not for work.
	if strings.HasSuffix(strings.TrimSpace(title), "?") && strings.TrimSpace(d.Text(Ask)) == strings.TrimSpace(d.Title) {
		r.Tentative = true
	}
	r.Doc = d
	r.Excluded = norm(d.Text(Excluded))
	return r
}

// refine takes from a reading of the request with its criteria the
// details of what the request already asks.
func (r *Request) refine(c *Request) {
	if r.Compose || r.Infra.Any() {
		for _, b := range c.Backing {
			if !slices.Contains(r.Backing, b) {
				r.Backing = append(r.Backing, b)
			}
		}
		r.Backing = ordered(r.Backing)
	}
	if r.Publish && r.Registry == "ghcr" && c.Registry != "" {
		r.Registry = c.Registry
	}
	if r.Publish && r.Platforms == "" {
		r.Platforms = c.Platforms
	}
	in, ci := &r.Infra, &c.Infra
	if in.K8s {
		in.Autoscaling = in.Autoscaling || ci.Autoscaling
		in.Ingress = in.Ingress || ci.Ingress
		in.Helm = in.Helm || (ci.Helm && !in.Kustomize)
	}
	if in.Cloud != "" && ci.Cloud == in.Cloud {
		in.Postgres = in.Postgres || ci.Postgres
		in.Bucket = in.Bucket || ci.Bucket
	}
	if in.Monitoring {
		in.Dashboard = in.Dashboard || ci.Dashboard
	}
	if in.Worker {
		for _, b := range ci.Bindings {
			if !slices.Contains(in.Bindings, b) {
				in.Bindings = append(in.Bindings, b)
			}
		}
	}
}

// ordered returns backing services in canonical order.
func ordered(bs []string) []string {
	var out []string
	for _, b := range backingOrder {
		if slices.Contains(bs, b) {
			out = append(out, b)
		}
	}
	return out
}

// BackingOrder is the canonical order of the backing services Compose
// adds.
func BackingOrder() []string { return slices.Clone(backingOrder) }

// Norm lower-cases text and turns everything but letters and digits into
// single spaces, with a space at each end, the form Request.Text and
// Request.Has use.
func Norm(s string) string { return norm(s) }
