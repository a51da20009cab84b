package builtin

import (
	"fmt"
	"strings"

	"github.com/devops-lead/devops-lead/internal/engine"
)

// cloudProfile is how the lead speaks of one cloud the built-in brain
// writes Terraform for.
type cloudProfile struct {
	label, architect, designPath string
	compute, computeLabel        string // Params value and its name
	computeWhat, computeWhy      string
	dbWhat, bucketWhat, example  string
}

var cloudProfiles = map[string]cloudProfile{
	"aws": {label: "AWS", architect: AWSArchitectMode, designPath: AWSDesignPath,
		compute: "apprunner", computeLabel: "App Runner",
		computeWhat: "App Runner, ECR and a GitHub OIDC deploy role",
		computeWhy:  "App Runner: one HTTP service, no cluster, load balancer or NAT gateway to run (say \"use ECS\" for Fargate)",
		dbWhat:      "RDS PostgreSQL in private subnets", bucketWhat: "a private S3 bucket for uploads",
		example: "\"deploy the API to AWS with a Postgres database\" (App Runner, ECR, RDS, GitHub OIDC) or \"add an S3 bucket for uploads\""},
	"gcp": {label: "Google Cloud", architect: GCPArchitectMode, designPath: GCPDesignPath,
		compute: "cloudrun", computeLabel: "Cloud Run",
		computeWhat: "Cloud Run, Artifact Registry and Workload Identity Federation for deploys",
		computeWhy:  "Cloud Run: one HTTP service that scales to zero, no cluster to run (say \"on GKE\" with Kubernetes for a cluster)",
		dbWhat:      "Cloud SQL PostgreSQL with IAM authentication", bucketWhat: "a Cloud Storage bucket for uploads (uniform access, public access prevention)",
		example: "\"deploy the API to Cloud Run with a Postgres database\" or \"add a GCS bucket for uploads\""},
	"azure": {label: "Azure", architect: AzureArchitectMode, designPath: AzureDesignPath,
		compute: "containerapps", computeLabel: "Container Apps",
		computeWhat: "Container Apps, a container registry and a federated deploy identity",
		computeWhy:  "Container Apps: one HTTP service in a virtual network, no cluster to run (say \"on AKS\" with Kubernetes for a cluster)",
		dbWhat:      "a private PostgreSQL flexible server with Entra ID authentication", bucketWhat: "a private storage account for uploads",
		example: "\"host the API on Azure Container Apps with a Postgres database\" or \"add Azure storage for uploads\""},
}

// cloudTasks plans the design note and the Terraform root of the chosen
// cloud.
func (p *planner) cloudTasks(container bool) {
	in := &p.req.infra
	cp := cloudProfiles[in.cloud]
	declined := len(p.plan.Declined)
	if in.compute != "" && in.compute != cp.compute {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s on %s: not built into the built-in brain yet (it writes %s); say \"%s\" to get that, or set GEMINI_API_KEY to plan %s with the Gemini brain", in.compute, cp.label, cp.computeLabel, cp.computeLabel, in.compute))
		in.compute = ""
	}
	for _, db := range in.otherDB {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s on %s: not built into the built-in brain yet (it writes %s)", db, cp.label, cp.dbWhat))
	}
	if in.compute == cp.compute && !in.postgres && len(in.otherDB) == 0 {
		for _, sv := range p.scope {
			if contains(sv.Deps, "postgres") {
				in.postgres = true
				p.note("%s uses PostgreSQL in its dependencies, so the %s plan adds %s", dirLabel(sv.Dir), cp.label, cp.dbWhat)
				break
			}
		}
	}
	if in.postgres && in.compute == "" {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("a PostgreSQL database without a service on %s to use it: the built-in brain adds the database with a %s service; ask, for example, %s", cp.label, cp.computeLabel, cp.example))
		in.postgres = false
	}
	if in.compute == "" && !in.bucket {
		r := p.req
		if len(p.plan.Declined) > declined {
			return // what was asked on the cloud is declined above
		}
		if r.ci || r.container || r.compose || r.publish || in.k8s || in.monitoring || in.worker {
			p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s infrastructure: the request names nothing to create on %s; ask, for example, %s", cp.label, cp.label, cp.example))
			return
		}
		if len(p.plan.Declined) == 0 {
			p.ask(fmt.Sprintf("What should run on %s? The built-in brain can, for example, %s.", cp.label, cp.example))
		}
		return
	}
	if p.declineMode("the "+cp.label+" design note", cp.architect) || p.declineMode("the "+cp.label+" Terraform", InfraMode) {
		return
	}
	name, port := "app", 0
	if len(p.scope) > 0 {
		name, port = p.scope[0].Name, p.scope[0].Port
		if len(p.scope) > 1 && in.compute != "" {
			p.note("%s runs one service here; the plan deploys %s (name another service in the request to choose it)", cp.computeLabel, name)
		}
	}
	params := map[string]string{"cloud": in.cloud, "name": infraName(name), "dir": p.terraformDir()}
	var what []string
	why := in.cloudWhy
	if in.compute != "" {
		params["compute"] = in.compute
		what = append(what, cp.computeWhat)
		why += "; " + cp.computeWhy
		if port > 0 {
			params["port"] = fmt.Sprint(port)
		}
	}
	if in.postgres {
		params["database"] = "postgres"
		what = append(what, cp.dbWhat)
		why += "; PostgreSQL because the request or the dependencies use it"
	}
	if in.bucket {
		params["bucket"] = "true"
		what = append(what, cp.bucketWhat)
	}
	params["why"] = why
	dir := params["dir"]
	arch := engine.Task{
		ID: TaskArchitect, Mode: cp.architect, Title: cp.label + " design: " + strings.Join(what, ", "),
		Goal:  "Write " + cp.designPath + ": the choice of " + strings.Join(what, ", ") + ", the options weighed, the resource list with why, the data flow and the follow-up tasks.",
		Why:   why + "; the design comes first so the Terraform implements a reviewed decision",
		Files: []string{cp.designPath},
		Acceptance: []string{
			"the note states the choice, the alternatives and why",
			"every resource the Terraform creates is listed with its reason",
		},
		Params: params,
	}
	infra := engine.Task{
		ID: TaskInfra, Mode: InfraMode, Title: "Terraform for " + cp.label + " in " + dir + "/",
		Goal: "Write a Terraform root in " + dir + "/ with " + strings.Join(what, ", ") +
			": versions.tf with pinned providers, providers.tf without credentials, described variables, outputs, and a backend left for you to configure.",
		Why:       "it implements the " + cp.label + " design note, so it runs after the architect task",
		DependsOn: []string{TaskArchitect},
		Acceptance: []string{
			"`terraform init -backend=false && terraform validate` succeeds in " + dir + "/",
			"required_version and every provider are pinned from devops-lead's version table",
			"no credentials in the code; buckets private and encrypted; the database encrypted and not public",
			"IAM grants name their resources (least privilege)",
			"the gate reports no errors and no warnings",
		},
		Params: copyParams(params),
	}
	delete(infra.Params, "why")
	for _, f := range infraFilesFor(params) {
		infra.Files = append(infra.Files, joinPath(dir, f))
	}
	p.plan.Tasks = append(p.plan.Tasks, arch, infra)
	p.terraformTask(in.cloud, dir, in.compute, in.bucket)
	if in.compute != "" {
		p.deployTask(cp, dir, container)
	}
}

// terraformTask plans the workflow that checks, plans and applies the
// Terraform root through pull requests.
func (p *planner) terraformTask(cloud, dir, compute string, bucket bool) {
	if exists(p.in.Workspace, TerraformWorkflowPath) {
		p.note("the repository has %s: the plan keeps it and adds no Terraform workflow", TerraformWorkflowPath)
		return
	}
	if p.declineMode("the Terraform workflow", CICDMode) {
		return
	}
	params := map[string]string{"workflows": "terraform", "cloud": cloud, "infra_dir": dir}
	if compute != "" {
		params["compute"] = compute
	}
	if bucket {
		params["bucket"] = "true"
	}
	p.plan.Tasks = append(p.plan.Tasks, engine.Task{
		ID: TaskTerraform, Mode: CICDMode, Title: "GitHub Actions: Terraform plan and apply for " + dir + "/",
		Goal: "Write " + TerraformWorkflowPath + ": on pull requests that touch " + dir + "/, terraform fmt -check, init -backend=false, validate and a plan through OIDC; " +
			"on pushes to the default branch, apply in the production environment.",
		Why:       "the Terraform root is planned in pull requests and applied after review instead of from a laptop, so it runs after the infra task",
		Params:    params,
		Files:     []string{TerraformWorkflowPath},
		DependsOn: []string{TaskInfra},
		Acceptance: []string{
			"authentication through OIDC only, no keys or client secrets; permissions: contents: read at the top and id-token: write only on the plan and apply jobs",
			"apply runs only on pushes to the default branch, in the production environment; required reviewers on that environment (Settings > Environments) make every apply wait for approval",
			"hashicorp/setup-terraform is pinned to a full commit SHA and installs the root's required_version",
			"no ${{ github.event.* }} in run: steps, and the plan is not posted to the pull request",
			"the gate reports no errors and no warnings",
		},
	})
}

// deployAuth says, per compute, how the deploy workflow gets credentials.
var deployAuth = map[string]struct{ path, what, auth string }{
	"apprunner": {DeployWorkflowPath, "push the image to ECR (commit SHA and " + deployTag + ") and start an App Runner deployment",
		"no AWS keys: credentials come from aws-actions/configure-aws-credentials with the deploy role"},
	"cloudrun": {CloudRunDeployWorkflowPath, "push the image to Artifact Registry (commit SHA and " + deployTag + ") and deploy a new Cloud Run revision",
		"no service account keys: credentials come from google-github-actions/auth through Workload Identity Federation"},
	"containerapps": {ContainerAppsDeployWorkflowPath, "push the image to the container registry (commit SHA and " + deployTag + ") and roll a new Container Apps revision",
		"no client secret: azure/login signs in with the federated deploy identity (client-id, tenant-id, subscription-id)"},
}

// deployTask plans the deploy workflow of the cloud's compute.
func (p *planner) deployTask(cp cloudProfile, infraDir string, container bool) {
	if p.declineMode("the deploy workflow", CICDMode) {
		return
	}
	da := deployAuth[cp.compute]
	t := engine.Task{
		ID: TaskDeploy, Mode: CICDMode, Title: "GitHub Actions: deploy to " + cp.computeLabel,
		Goal:      "Write " + da.path + ": on pushes to the default branch, authenticate through GitHub OIDC, " + da.what + ".",
		Why:       "the pipeline ships what the Terraform creates, so it runs after the infra task",
		Params:    map[string]string{"workflows": "deploy", "deploy": cp.compute, "infra_dir": infraDir},
		Files:     []string{da.path},
		DependsOn: []string{TaskInfra},
		Acceptance: []string{
			da.auth,
			"actions are pinned to full commit SHAs; id-token: write only on the deploy job",
			"the gate reports no errors",
		},
	}
	if len(p.scope) > 0 && len(p.in.Repo.Services) > 1 {
		t.Services = []string{p.scope[0].Dir}
	}
	if container {
		t.DependsOn = append(t.DependsOn, TaskContainer)
		t.Why += " and the container task because it builds the Dockerfile"
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
}

// infraFilesFor lists the files the infrastructure task will write for
// params in a new root.
func infraFilesFor(params map[string]string) []string {
	a := &cloudInfra{Compute: params["compute"], Postgres: params["database"] == "postgres", Bucket: params["bucket"] == "true"}
	var out []string
	for _, f := range cloudFiles[params["cloud"]] {
		if f.when(a) {
			out = append(out, f.name)
		}
	}
	return out
}

func copyParams(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// terraformDir is the existing Terraform root to add to, or infra.
func (p *planner) terraformDir() string {
	roots := p.in.Repo.Artifacts.TerraformRoots
	if len(roots) == 0 {
		if f := p.in.Repo.Focus; f != "" && f != "." {
			p.note("the focus is %s inside a larger repository, so the Terraform goes to %s", f, joinPath(f, "infra"))
			return joinPath(f, "infra")
		}
		return "infra"
	}
	p.note("the repository has a Terraform root in %s: the new files are added to it", dirLabel(roots[0]))
	if len(roots) > 1 {
		p.note("%d Terraform roots were found; the plan uses the first, %s", len(roots), dirLabel(roots[0]))
	}
	return roots[0]
}
