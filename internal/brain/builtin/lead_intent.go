package builtin

import (
	"sort"
	"strings"
)

// request is what the lead read in an issue. The issue is untrusted text:
// it is only matched against word lists, never followed.
type request struct {
	text string // " word word ... " lower-cased, punctuation as spaces

	ci, container, compose, publish bool
	// registry is "ghcr" or "dockerhub" when publish is set.
	registry string
	// backing lists the backing services named in the text, in canonical
	// order.
	backing []string
	// unsupportedBacking lists named backing services compose cannot add.
	unsupportedBacking []string
	// otherCI names a CI system other than GitHub Actions, when one was
	// asked for instead of it.
	otherCI string
	// act is set when the request asks to apply or deploy now.
	act bool
	// secrets is set when the request asks to print or commit secrets.
	secrets bool
	// injection is set when the text addresses the tool itself.
	injection bool
	// areas are infrastructure areas the built-in brain cannot do yet.
	areas []area
	// infra is what the request asks of infrastructure (lead_infra.go).
	infra infraIntent
}

// area is one kind of work the built-in brain has no specialist for.
type area struct {
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
	area
	words []string
}{
	{area{"Terraform / infrastructure as code", "infrastructure-specialist"},
		[]string{"terraform", "opentofu", "pulumi", "cloudformation", "infrastructure as code", "iac"}},
	{area{"AWS infrastructure", "aws-architect"},
		[]string{"aws", "amazon web services", "ecs", "eks", "fargate", "lambda", "s3", "ec2", "rds", "cloudfront"}},
	{area{"Google Cloud infrastructure", "gcp-architect"},
		[]string{"gcp", "google cloud", "cloud run", "gke", "gcs"}},
	{area{"Azure infrastructure", "azure-architect"},
		[]string{"azure", "aks", "app service"}},
	{area{"Kubernetes manifests", "kubernetes-specialist"},
		[]string{"kubernetes", "k8s", "helm", "kustomize", "kubectl", "manifests"}},
	{area{"monitoring and alerting", "monitoring-specialist"},
		[]string{"monitoring", "prometheus", "grafana", "alerting", "alerts", "observability", "dashboards", "metrics"}},
	{area{"Cloudflare Workers", "cloudflare-workers-specialist"},
		[]string{"cloudflare", "wrangler"}},
}

// otherCIWords are CI systems other than GitHub Actions.
var otherCIWords = []struct{ name, word string }{
	{"Azure Pipelines", "azure pipelines"}, {"Azure DevOps", "azure devops"},
	{"Bitbucket Pipelines", "bitbucket pipelines"}, {"GitLab CI", "gitlab"},
	{"Jenkins", "jenkins"}, {"Jenkins", "jenkinsfile"}, {"CircleCI", "circleci"}, {"CircleCI", "circle ci"},
	{"Travis CI", "travis"}, {"Buildkite", "buildkite"}, {"TeamCity", "teamcity"}, {"Drone CI", "drone ci"},
}

// normalise lower-cases text and turns everything but letters and digits
// into single spaces, with a space at each end, so phrases match whole
// words.
func normalise(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	space := true
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// has reports whether the text holds any of the phrases as whole words.
func (r *request) has(phrases ...string) bool {
	for _, p := range phrases {
		if strings.Contains(r.text, " "+p+" ") {
			return true
		}
	}
	return false
}

// drop removes phrases from the text so later rules do not see them again.
func (r *request) drop(phrases ...string) {
	for _, p := range phrases {
		r.text = strings.ReplaceAll(r.text, " "+p+" ", " ")
	}
}

// readRequest matches an issue's title and body against the lead's word
// lists.
func readRequest(title, body string) *request {
	r := &request{text: normalise(title + "\n" + body)}
	r.injection = r.has("ignore previous instructions", "ignore all previous instructions", "ignore the above",
		"ignore your instructions", "disregard previous instructions", "system prompt", "you are now")

	// Acting on infrastructure: declined, whatever else is asked.
	deployNow := r.has("deploy") && r.has("now", "production", "prod", "live", "immediately")
	if r.has("terraform apply", "apply terraform", "apply the terraform", "tofu apply", "kubectl apply",
		"kubectl delete", "helm install", "helm upgrade", "terraform destroy", "destroy the", "run terraform",
		"push to production", "release to production", "roll out to production") || deployNow {
		r.act = true
		r.drop("terraform apply", "tofu apply", "kubectl apply", "kubectl delete", "helm install", "helm upgrade",
			"terraform destroy", "run terraform")
	}
	secretWords := []string{"secret", "secrets", "password", "passwords", "token", "tokens", "api key", "api keys",
		"private key", "private keys", "ssh key", "ssh keys", "credentials", "env file", "aws keys", "signing key"}
	secretVerbs := []string{"print", "show", "reveal", "dump", "echo", "output", "commit", "display", "leak",
		"send", "post", "expose", "paste", "upload", "cat", "hardcode", "hard code", "embed"}
	r.secrets = near(r.text, secretVerbs, secretWords, 5)

	// Other CI systems: declined unless GitHub Actions is asked for too.
	actions := r.has("github actions", "github action", "gh actions", "actions workflow")
	for _, c := range otherCIWords {
		if r.has(c.word) {
			if !actions && r.otherCI == "" {
				r.otherCI = c.name
			}
			r.drop(c.word)
		}
	}

	// Registries first: "docker hub" is not a Dockerfile request.
	switch {
	case r.has("docker hub", "dockerhub", "docker io", "hub docker com"):
		r.registry = "dockerhub"
	case r.has("ghcr", "ghcr io", "github container registry", "github packages"):
		r.registry = "ghcr"
	}
	imageWords := []string{"image", "images", "container", "containers", "docker"}
	r.publish = r.registry != "" || (r.has("publish", "push", "release", "ship", "upload") && r.has(imageWords...)) ||
		r.has("container registry", "image registry")
	if r.publish && r.registry == "" {
		r.registry = "ghcr"
	}
	r.drop("docker hub", "dockerhub", "docker io", "hub docker com", "github container registry")

	r.compose = r.has("compose", "docker compose", "local development", "local dev", "dev environment",
		"development environment", "run locally", "run it locally", "local environment", "local stack")
	r.drop("docker compose", "docker compose yaml", "docker compose yml")
	r.drop("container registry", "image registry")
	// With publishing, "the docker image" names what to push, not a
	// request for a Dockerfile: only explicit words count then.
	r.container = r.has("containerize", "containerise", "containerized", "containerised", "dockerize", "dockerise",
		"dockerized", "dockerised", "dockerfile", "dockerfiles") ||
		(!r.publish && r.has("docker image", "container image", "docker", "container", "containers"))
	r.ci = r.has("ci", "cicd", "continuous integration", "github actions", "github action", "gh actions",
		"workflow", "workflows", "pipeline", "pipelines", "run tests", "run the tests", "run our tests",
		"run unit tests", "automated tests", "tests on", "test on", "lint", "linting", "build and test",
		"pull requests", "on prs", "every pr", "each pr")
	if r.otherCI != "" {
		r.ci = false
	}

	for _, name := range backingOrder {
		if r.has(backingWords[name]...) {
			r.backing = append(r.backing, name)
		}
	}
	for _, u := range []string{"kafka", "elasticsearch", "memcached", "minio", "nats"} {
		if r.has(u) {
			r.unsupportedBacking = append(r.unsupportedBacking, u)
		}
	}
	for _, a := range areaWords {
		if r.has(a.words...) {
			r.areas = append(r.areas, a.area)
		}
	}
	r.readInfra()
	// A deploy request's "pipeline", "workflow" or "GitHub Actions" is its
	// deploy workflow, which the infrastructure tasks plan: it is not a
	// request for CI, and a deploy request does not touch CI. Only words
	// that name CI itself plan a ci task beside a deployment.
	if r.ci && r.infra.any() && r.has("deploy", "deploys", "deploying", "deployed", "deployment", "deployments") &&
		!r.has("ci", "cicd", "continuous integration", "run tests", "run the tests", "run our tests", "run unit tests",
			"automated tests", "tests on", "test on", "lint", "linting", "build and test", "pull requests", "on prs", "every pr", "each pr") {
		r.ci = false
	}
	if len(r.backing) > 0 && !r.ci && !r.container && !r.publish && !r.infra.any() {
		r.compose = true // "add Postgres and Redis" is a local stack
	}
	return r
}

// namedServices returns the dirs of the services the request names (by
// name or directory base name), sorted; none named means all.
func namedServices(r *request, dirs map[string][]string) []string {
	var out []string
	for dir, names := range dirs {
		for _, n := range names {
			if n = strings.TrimSpace(normalise(n)); n != "" && r.has(n) {
				out = append(out, dir)
				break
			}
		}
	}
	sort.Strings(out)
	return out
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
