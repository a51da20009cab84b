package lead

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// TestPlanConcepts: the concepts the lead knows beyond images and CI,
// the substitutions it asks about, the targets it declines by name, and
// how names resolve to units.
func TestPlanConcepts(t *testing.T) {
	api := stack.Service{Name: "api", Dir: "services/api", Language: stack.Go, Mains: []string{"."}, Port: 8080, Kind: stack.KindService}
	web := stack.Service{Name: "frontend", Dir: "apps/frontend", Language: stack.Node, Port: 3000, Kind: stack.KindService}
	lib := stack.Service{Name: "api", Dir: "packages/api", Language: stack.Node, Kind: stack.KindLibrary, KindReason: "no start script"}
	root := stack.Service{Name: "shop", Dir: ".", Language: stack.Node, Kind: stack.KindService}
	one := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: ".", Language: stack.Go, Mains: []string{"."}, Port: 8080, Kind: stack.KindService}}}
	withK8s := &stack.Repo{Services: one.Services, Artifacts: stack.Artifacts{Kubernetes: []string{"k8s/deployment.yaml", "k8s/service.yaml"}}}
	withWorker := &stack.Repo{Services: []stack.Service{{Name: "edge", Dir: "edge", Language: stack.Node, Kind: stack.KindWorker}},
		Artifacts: stack.Artifacts{Wrangler: []string{"edge/wrangler.toml"}}}
	php := &stack.Repo{Unsupported: []stack.Unsupported{{Dir: ".", Language: "php", Manifest: "composer.json"}}, Artifacts: stack.Artifacts{Dockerfiles: []string{"Dockerfile"}}}
	travis := fstest.MapFS{".travis.yml": {Data: []byte("language: go\n")}}
	tests := []struct {
		name     string
		repo     *stack.Repo
		ws       fstest.MapFS
		allow    []string
		title    string
		body     string
		modes    []string
		params   map[string]string // the ci task's params that must be set
		question string
		declined string
		says     string // in the notes
	}{
		{name: "cloudformation is declined, CI goes ahead", repo: one, title: "CloudFormation template to run the API on ECS, and CI",
			modes: []string{kit.CICDMode}, declined: "writes infrastructure as Terraform, not CloudFormation, so no AWS infrastructure is planned"},
		{name: "an epic asks which part", repo: one, title: "[Epic] Deploy and operate", body: "CI/CD, environments and monitoring.", question: "This issue is an epic"},
		{name: "cd to a cloud asks which service", repo: one, title: "Implement CD to Azure", question: "Deploy where: Container Apps, AKS or App Service"},
		{name: "azure web app is app service", repo: one, title: "Deploy the API to an Azure Web App for Containers",
			modes: []string{kit.ContainerMode, kit.AzureArchitectMode, kit.InfraMode, kit.CICDMode, kit.CICDMode}, says: ""},
		{name: "named postgres alerts", repo: one, title: "Alerts for PostgreSQL: too many connections and replication lag",
			modes: []string{kit.PlanMonitoringMode}},
		{name: "an alert the catalogue lacks is declined by name", repo: one, title: "Add PostgresqlTableBloat and PostgresqlDown alerts",
			modes: []string{kit.PlanMonitoringMode}, declined: "PostgresqlTableBloat"},
		{name: "staging overlay on existing manifests", repo: withK8s, title: "Add a staging overlay for our Kubernetes manifests",
			modes: []string{kit.PlanK8sMode}},
		{name: "cd of an existing CDK app", repo: one, ws: fstest.MapFS{"cdk.json": {Data: []byte(`{"app": "npx ts-node bin/app.ts"}`)},
			"package.json": {Data: []byte(`{"devDependencies": {"aws-cdk": "2.150.0"}}`)}},
			title: "Set up a CD pipeline for automated CDK stack deployment", modes: []string{kit.CICDMode},
			params: map[string]string{"workflows": "cd", "tool": "cdk"}, says: "writes no new infrastructure"},
		{name: "cd of an existing deploy workflow", repo: &stack.Repo{Services: one.Services, Artifacts: stack.Artifacts{Workflows: []string{".github/workflows/deploy.yml"}}},
			ws:    fstest.MapFS{".github/workflows/deploy.yml": {Data: []byte("name: deploy\non:\n  release:\n    types: [published]\npermissions:\n  contents: read\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./scripts/deploy.sh production\n")}},
			title: "Deploy on merge to main", body: "Continuous deployment: deploy whenever something is merged.", modes: []string{kit.CICDMode},
			params: map[string]string{"workflows": "cd", "tool": "workflow", "workflow": ".github/workflows/deploy.yml"}},
		{name: "an existing release is kept", repo: &stack.Repo{Services: one.Services, Artifacts: stack.Artifacts{Workflows: []string{".github/workflows/build.yml"}}},
			ws:    fstest.MapFS{".github/workflows/build.yml": {Data: []byte("name: build\non:\n  push:\n    tags: ['v*']\npermissions:\n  contents: read\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: svenstaro/upload-release-action@v2\n")}},
			title: "Add a release workflow that attaches binaries on tags", modes: []string{kit.CICDMode}, says: "already releases with .github/workflows/build.yml"},
		{name: "portal work is declined", repo: one, title: "Set up an AKS cluster manually in the Azure portal", declined: "by hand in a cloud portal"},
		{name: "cloudformation allowed", repo: one, allow: []string{"cloudformation->terraform"}, title: "CloudFormation template to run the API on ECS",
			modes: []string{kit.ContainerMode, kit.AWSArchitectMode, kit.InfraMode, kit.CICDMode, kit.CICDMode}, says: "uses Terraform instead"},
		{name: "cloudformation alone is declined", repo: one, title: "Add a CloudFormation template", declined: "writes infrastructure as Terraform, not CloudFormation"},
		{name: "renovate asks", repo: one, title: "Set up Renovate", question: "configures Dependabot"},
		{name: "dependabot is only dependabot", repo: one, title: "Add Dependabot", body: "Updates should come as pull requests.",
			modes: []string{kit.CICDMode}, params: map[string]string{"workflows": "dependabot"}},
		{name: "ecr asks", repo: one, title: "Push the Docker image to Amazon ECR", question: "push the image to Amazon ECR"},
		{name: "two clouds ask", repo: one, title: "Deploy the API to AWS or GCP with Terraform", question: "more than one cloud"},
		{name: "ecs and eks ask", repo: one, title: "Deploy to ECS or EKS", question: "both ECS and EKS"},
		{name: "ci/cd asks where", repo: one, title: "Set up CI/CD", question: "Deploy where"},
		{name: "cd names existing manifests", repo: withK8s, title: "Continuous deployment on merge", question: "already has Kubernetes manifests"},
		{name: "vague kubernetes with manifests asks", repo: withK8s, title: "Support Kubernetes", question: "What should change"},
		{name: "heroku declined, CI goes ahead", repo: one, title: "Add CI and deploy to Heroku",
			modes: []string{kit.CICDMode}, declined: "Heroku: devops-lead does not write deployments for Heroku"},
		{name: "existing worker is deployed, not rewritten", repo: withWorker, title: "Deploy our Cloudflare Worker from GitHub Actions",
			modes: []string{kit.CICDMode}, params: map[string]string{"workflows": "worker", "worker_dir": "edge"}, says: "writes no new Worker"},
		{name: "travis migration", repo: one, ws: travis, title: "Migrate from Travis CI to GitHub Actions",
			modes: []string{kit.CICDMode}, params: map[string]string{"workflows": "ci", "migrate": "travis"}},
		{name: "multi-arch", repo: &stack.Repo{Services: one.Services, Artifacts: stack.Artifacts{Dockerfiles: []string{"Dockerfile"}}},
			ws:    fstest.MapFS{"Dockerfile": {Data: []byte("FROM golang:1.23-bookworm AS build\nFROM gcr.io/distroless/static-debian12:nonroot\nUSER nonroot\nCMD [\"/app\"]\n")}},
			title: "Build multi-arch images for arm64", modes: []string{kit.CICDMode}, params: map[string]string{"workflows": "image", "platforms": "linux/amd64,linux/arm64"}},
		{name: "release on tag", repo: one, title: "Release workflow", body: "Attach binaries to a GitHub release when a tag is pushed.",
			modes: []string{kit.CICDMode}, params: map[string]string{"workflows": "release"}},
		{name: "php dependabot goes ahead", repo: php, title: "Add Dependabot", modes: []string{kit.CICDMode}},
		{name: "php publishing its Dockerfile goes ahead", repo: php, title: "Publish our Docker image to GHCR", modes: []string{kit.CICDMode}},
		{name: "php containerize still asks", repo: &stack.Repo{Unsupported: php.Unsupported}, title: "Containerize the app", declined: "A Dockerfile: the repository is written in PHP (composer.json)"},
		{name: "a named .NET unit is declined, the rest goes ahead", repo: &stack.Repo{Services: []stack.Service{web}, Unsupported: []stack.Unsupported{{Dir: "backend/Api", Language: "dotnet", Manifest: "Api.csproj"}}},
			title: "Dockerize the Angular frontend and the .NET backend", modes: []string{kit.ContainerMode}, declined: "written in .NET"},
		{name: "a library named api is not the api", repo: &stack.Repo{Services: []stack.Service{web, lib}}, title: "api and frontend containers",
			modes: []string{kit.ContainerMode}},
		{name: "a name two units share asks", repo: &stack.Repo{Services: []stack.Service{api, {Name: "api", Dir: "legacy/api", Language: stack.Go, Mains: []string{"."}, Kind: stack.KindService}}},
			title: "containerize the api", question: "more than one unit goes by that name"},
		{name: "the workspace root's name is not a unit", repo: &stack.Repo{Services: []stack.Service{root, web}, Workspaces: []stack.Workspace{{Dir: ".", Tool: "npm", Members: []string{"apps/frontend"}}}},
			title: "containerize shop", modes: []string{kit.ContainerMode}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := engine.PlanInput{Issue: engine.Issue{Title: tt.title, Body: tt.body}, Repo: tt.repo, AllowSubstitutions: tt.allow}
			if tt.ws != nil {
				in.Workspace = tt.ws
			}
			p, err := kittest.New().Plan(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			var modes []string
			for _, task := range p.Tasks {
				modes = append(modes, task.Mode)
			}
			if strings.Join(modes, ",") != strings.Join(tt.modes, ",") {
				t.Errorf("modes %v, want %v (questions %q, declined %q)", modes, tt.modes, p.Questions, p.Declined)
			}
			if ci := kittest.Task(p, kit.TaskCI); len(tt.params) > 0 {
				if ci == nil {
					t.Fatalf("no ci task")
				}
				for k, v := range tt.params {
					if ci.Params[k] != v {
						t.Errorf("ci param %s = %q, want %q (params %v)", k, ci.Params[k], v, ci.Params)
					}
				}
			}
			all := func(ss []string) string { return strings.Join(ss, "\n") }
			if tt.question != "" && (!strings.Contains(all(p.Questions), tt.question) || len(p.Tasks) > 0) {
				t.Errorf("questions %q with %d task(s), want only a question with %q", p.Questions, len(p.Tasks), tt.question)
			}
			if tt.question == "" && len(p.Questions) > 0 {
				t.Errorf("unexpected questions %q", p.Questions)
			}
			if tt.declined != "" && !strings.Contains(all(p.Declined), tt.declined) {
				t.Errorf("declined %q, want a part %q", p.Declined, tt.declined)
			}
			checkConceptTask(t, tt.name, p)
			if tt.says != "" && !strings.Contains(all(p.Notes), tt.says) {
				t.Errorf("notes %q, want a part %q", p.Notes, tt.says)
			}
		})
	}
}

// checkConceptTask holds the params the concept cases above must produce.
func checkConceptTask(t *testing.T, name string, p *engine.Plan) {
	t.Helper()
	switch name {
	case "azure web app is app service":
		if a := kittest.Task(p, kit.TaskArchitect); a == nil || a.Params["compute"] != "appservice" {
			t.Errorf("architect task %+v, want compute appservice", a)
		}
	case "named postgres alerts":
		m := kittest.Task(p, kit.TaskMonitoring)
		if m == nil || m.Params["alerts"] != "postgres" || !strings.Contains(m.Params["alert_names"], "PostgresqlTooManyConnections") ||
			!strings.Contains(m.Params["alert_names"], "PostgresqlReplicationLag") || !strings.Contains(m.Goal, "postgres_exporter") {
			t.Errorf("monitoring task %+v, want the two named PostgreSQL alerts from postgres_exporter", m)
		}
	case "cd of an existing deploy workflow":
		if c := kittest.Task(p, kit.TaskCI); c == nil || !slices.Contains(c.Files, ".github/workflows/deploy.yml") {
			t.Errorf("ci task %+v does not declare the workflow it patches", c)
		}
	case "staging overlay on existing manifests":
		if k := kittest.Task(p, kit.TaskK8s); k == nil || k.Params["overlays"] != "staging" {
			t.Errorf("k8s task %+v, want overlays=staging", k)
		}
	}
}
