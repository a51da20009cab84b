package intent

import (
	"strings"
	"testing"
)

func TestSplitRoles(t *testing.T) {
	body := `<!-- Please describe the CI you need -->
## Is your feature request related to a problem? Please describe.
We already have an EKS module for the shared cluster.

## Describe the solution you'd like
Run the API on ECS Fargate. It can work in parallel with the Terraform work in #12.
Use GitHub Actions instead of Jenkins.

## Proposed workflow
- [ ] build the image

` + "```" + `
kubectl apply -f k8s/
` + "```" + `

> ERROR: deploy failed

**Acceptance criteria**
- [ ] kubectl apply deploys all services
- [x] I have searched existing issues

### Out of scope
Kubernetes manifests.
`
	d := Split("Deploy the API", body)
	want := map[Kind][]string{
		Ask:      {"Run the API on ECS Fargate", "Use GitHub Actions", "build the image"},
		Context:  {"EKS module", "in parallel with the Terraform", "searched existing issues"},
		Criteria: {"kubectl apply deploys all services"},
		Code:     {"kubectl apply -f k8s/", "ERROR: deploy failed"},
		Excluded: {"Jenkins", "Kubernetes manifests"},
	}
	for k, phrases := range want {
		text := d.Text(k)
		for _, ph := range phrases {
			if !strings.Contains(text, ph) {
				t.Errorf("%s parts lack %q; they are:\n%s", k, ph, text)
			}
		}
	}
	ask := d.Text(Ask)
	for _, not := range []string{"Please describe", "Proposed workflow", "EKS", "Terraform", "kubectl", "Jenkins", "Kubernetes"} {
		if strings.Contains(ask, not) {
			t.Errorf("ask parts hold %q:\n%s", not, ask)
		}
	}
}

func TestReadLikeAPerson(t *testing.T) {
	tests := []struct {
		name, title, body string
		check             func(*Request) string
	}{
		{"template heading is not a CI request", "Docker compose for local development",
			"## Proposed workflow\nRun `docker compose up` and get the app with Postgres.",
			func(r *Request) string {
				if r.CI || !r.Compose {
					return "want compose only"
				}
				return ""
			}},
		{"criteria do not decline", "Kubernetes manifests for the services",
			"Add manifests with autoscaling.\n\n## Acceptance criteria\n- kubectl apply deploys all services\n- an ingress serves the API",
			func(r *Request) string {
				if r.Act || !r.Infra.K8s || !r.Infra.Ingress || !r.Infra.Autoscaling {
					return "want k8s with ingress and autoscaling refined from the criteria, not acting"
				}
				return ""
			}},
		{"criteria add nothing", "Add CI", "## Acceptance criteria\n- the image is pushed to GHCR\n- alerts fire",
			func(r *Request) string {
				if !r.CI || r.Publish || r.Infra.Monitoring {
					return "want CI only"
				}
				return ""
			}},
		{"context names another target", "Deploy the API on ECS",
			"We already have an EKS module for the data team. Deploy the API to ECS Fargate with an RDS database.",
			func(r *Request) string {
				if r.Infra.Compute != "ecs" || !r.Infra.Postgres {
					return "want ecs with postgres, got " + r.Infra.Compute
				}
				return ""
			}},
		{"parallel work is not asked", "Containerize the API", "This can work in parallel with the Terraform for AWS.",
			func(r *Request) string {
				if !r.Container || r.Infra.Any() || r.Infra.Terraform {
					return "want container only"
				}
				return ""
			}},
		{"a metrics aside is not monitoring", "Cloudflare Worker in front of the API", "Route /api to the origin and collect basic metrics.",
			func(r *Request) string {
				if !r.Infra.Worker || r.Infra.Monitoring {
					return "want the worker without monitoring"
				}
				return ""
			}},
		{"dependabot is not CI", "Add Dependabot", "So that dependency updates arrive as pull requests every week.",
			func(r *Request) string {
				if !r.Dependabot || r.CI {
					return "want dependabot without CI"
				}
				return ""
			}},
		{"travis migration", "Move from Travis CI to GitHub Actions", "",
			func(r *Request) string {
				if r.MigrateFrom != "travis" || r.OtherCI != "" || !r.CI {
					return "want a travis migration with CI"
				}
				return ""
			}},
		{"jenkins declined", "Add a Jenkinsfile", "",
			func(r *Request) string {
				if r.OtherCI != "Jenkins" {
					return "want Jenkins as other CI"
				}
				return ""
			}},
		{"cloudformation named", "CloudFormation template for the API", "Deploy the API on AWS with CloudFormation.",
			func(r *Request) string {
				if r.IaC != "CloudFormation" || r.Infra.Terraform {
					return "want CloudFormation named, got " + r.IaC
				}
				return ""
			}},
		{"ci/cd asks both halves", "Set up CI/CD", "",
			func(r *Request) string {
				if !r.CI || !r.CD {
					return "want CI and CD"
				}
				return ""
			}},
		{"multi-arch", "Publish arm64 images", "Our users run on Raspberry Pi.",
			func(r *Request) string {
				if !r.Publish || !strings.Contains(r.Platforms, "linux/arm64") || !strings.Contains(r.Platforms, "arm/v7") {
					return "want publish with arm64 and arm/v7, got " + r.Platforms
				}
				return ""
			}},
		{"release of binaries", "Release workflow", "Attach binaries to a GitHub release when a tag is pushed, with a changelog.",
			func(r *Request) string {
				if !r.Release || r.Publish {
					return "want a release, not an image"
				}
				return ""
			}},
		{"request in the problem section", "",
			"## Is your feature request related to a problem?\nThere is no Dockerfile, so we cannot run it in containers.",
			func(r *Request) string {
				if !r.Container || !r.FromContext {
					return "want container read from context"
				}
				return ""
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Read(tc.title, tc.body)
			if msg := tc.check(r); msg != "" {
				t.Errorf("%s; read %+v", msg, *r)
			}
		})
	}
}

func TestSplitDetails(t *testing.T) {
	tests := []struct {
		name, body string
		ask        []string // in the ask text
		notAsk     []string // not in it
	}{
		{"a wrapped sentence is read whole", "The charm already runs an exporter container,\nso it should bundle alert rules.",
			nil, []string{"container"}},
		{"links and paths are not requests", "See https://example.com/k8s/helm and `quadlets/app.container`; add alerts.",
			[]string{"add alerts"}, []string{"k8s", "container", "helm"}},
		{"a long hyphenated name is one word", "Reuse the grafana-agent-k8s-operator rules.", []string{"grafanaagentk8soperator"}, []string{" k8s"}},
		{"done items are not requests", "- [x] write the deploy scripts\n- [ ] add alerts", []string{"add alerts"}, []string{"deploy"}},
		{"', not X' excludes X", "Publish to Docker Hub, not GitHub Packages.", []string{"Docker Hub"}, []string{"GitHub Packages"}},
		{"template prompts are not requests", "**Describe the solution you'd like**\nA clear and concise description of what you want to happen.",
			nil, []string{"clear and concise"}},
		{"a bold template question is a heading", "**Is your feature request related to a problem? Please describe.**\nDocker Hub limits pulls.\n\n**Describe the solution you'd like**\nPush to GHCR.",
			[]string{"Push to GHCR"}, []string{"Docker Hub", "Please describe"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ask := Split("", tc.body).Text(Ask)
			for _, w := range tc.ask {
				if !strings.Contains(ask, w) {
					t.Errorf("ask %q lacks %q", ask, w)
				}
			}
			for _, w := range tc.notAsk {
				if strings.Contains(ask, w) {
					t.Errorf("ask %q holds %q", ask, w)
				}
			}
		})
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("t", "## a\n```\nx\n## b\n- [ ] c\n> d")
	f.Add("", "**Acceptance criteria**: e.g. foo. instead of bar, no k8s and no")
	f.Fuzz(func(t *testing.T, title, body string) {
		d := Split(title, body)
		for _, p := range d.Parts {
			if strings.TrimSpace(p.Text) == "" {
				t.Fatalf("empty part %+v", p)
			}
		}
		_ = Read(title, body)
	})
}
