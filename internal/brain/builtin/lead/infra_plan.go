package lead

import (
	"fmt"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/infra"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kubernetes"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// computeProfile is how the lead speaks of one way of running the
// service (a computesOf value).
type computeProfile struct{ label, what, why string }

var computeProfiles = map[string]computeProfile{
	"apprunner": {"App Runner", "App Runner, ECR and a GitHub OIDC deploy role",
		"App Runner: one HTTP service, no cluster, load balancer or NAT gateway to run (say \"use ECS\" for Fargate, \"on EKS\" for Kubernetes)"},
	"ecs": {"ECS on Fargate", "ECS on Fargate behind an Application Load Balancer, ECR and a GitHub OIDC deploy role",
		"ECS on Fargate, as asked: the service runs as Fargate tasks in private subnets behind a load balancer, with no servers or cluster nodes to manage"},
	"eks": {"EKS", "an EKS cluster in Auto Mode, ECR and a GitHub OIDC deploy role limited to one namespace",
		"EKS, because the request asks for Kubernetes on AWS: Auto Mode runs and patches the nodes, so there is no node group to manage"},
	"cloudrun": {"Cloud Run", "Cloud Run, Artifact Registry and Workload Identity Federation for deploys",
		"Cloud Run: one HTTP service that scales to zero, no cluster to run (say \"on GKE\" for Kubernetes)"},
	"gke": {"GKE Autopilot", "a GKE Autopilot cluster, Artifact Registry and Workload Identity Federation for deploys",
		"GKE Autopilot, because the request asks for Kubernetes on Google Cloud: Google runs the nodes and bills per pod"},
	"containerapps": {"Container Apps", "Container Apps, a container registry and a federated deploy identity",
		"Container Apps: one HTTP service in a virtual network, no cluster to run (say \"on AKS\" for Kubernetes)"},
	"appservice": {"App Service", "App Service (Web App for Containers) on a Linux plan, a container registry and a federated deploy identity",
		"App Service (Web App for Containers), as asked: one HTTP service on a Linux App Service plan, HTTPS only, pulling its image with a managed identity"},
	"aks": {"AKS", "an AKS cluster with workload identity, a container registry and a federated deploy identity",
		"AKS, because the request asks for Kubernetes on Azure: Entra ID and Azure RBAC guard the API, workload identity replaces secrets"},
}

// cloudTasks plans the design note and the Terraform root of the chosen
// cloud. It returns the planning of the deploy workflow, which comes
// after the Kubernetes manifests it may apply, or nil.
func (p *planner) cloudTasks(container bool) func() {
	in := &p.req.Infra
	cp := infra.CloudProfiles[in.Cloud]
	def := computeProfiles[infra.ComputesOf[in.Cloud][0]]
	declined := len(p.plan.Declined)
	if in.Compute != "" && !kit.Contains(infra.ComputesOf[in.Cloud], in.Compute) {
		var labels []string
		for _, c := range infra.ComputesOf[in.Cloud] {
			labels = append(labels, computeProfiles[c].label)
		}
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s on %s: not built into the built-in brain yet (it writes %s); say \"%s\" to get that, or set GEMINI_API_KEY to plan %s with the Gemini brain", in.Compute, cp.Label, strings.Join(labels, ", "), def.label, in.Compute))
		in.Compute = ""
	}
	for _, db := range in.OtherDB {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s on %s: not built into the built-in brain yet (it writes %s)", db, cp.Label, cp.DBWhat))
	}
	if in.Compute != "" && !in.Postgres && len(in.OtherDB) == 0 {
		for _, sv := range p.scope {
			if kit.Contains(sv.Deps, "postgres") {
				in.Postgres = true
				p.note("%s uses PostgreSQL in its dependencies, so the %s plan adds %s", kit.DirLabel(sv.Dir), cp.Label, cp.DBWhat)
				break
			}
		}
	}
	if in.Postgres && in.Compute == "" {
		p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("a PostgreSQL database without a service on %s to use it: the built-in brain adds the database with a %s service; ask, for example, %s", cp.Label, def.label, cp.Example))
		in.Postgres = false
	}
	if in.Compute == "" && !in.Bucket {
		r := p.req
		if len(p.plan.Declined) > declined {
			return nil // what was asked on the cloud is declined above
		}
		if r.CI || r.Container || r.Compose || r.Publish || in.K8s || in.Monitoring || in.Worker {
			p.plan.Declined = append(p.plan.Declined, fmt.Sprintf("%s infrastructure: the request names nothing to create on %s; ask, for example, %s", cp.Label, cp.Label, cp.Example))
			return nil
		}
		if len(p.plan.Declined) == 0 {
			p.ask(fmt.Sprintf("What should run on %s? The built-in brain can, for example, %s.", cp.Label, cp.Example))
		}
		return nil
	}
	if p.declineMode("the "+cp.Label+" design note", cp.Architect) || p.declineMode("the "+cp.Label+" Terraform", kit.InfraMode) {
		return nil
	}
	comp := computeProfiles[in.Compute]
	name, port := "app", 0
	if len(p.scope) > 0 {
		name, port = p.scope[0].Name, p.scope[0].Port
		if len(p.scope) > 1 && in.Compute != "" {
			p.note("%s deploys one service here; the plan deploys %s (name another service in the request to choose it)", comp.label, name)
		}
	}
	params := map[string]string{"cloud": in.Cloud, "name": infra.InfraName(name), "dir": p.terraformDir()}
	var what []string
	why := in.CloudWhy
	if in.Compute != "" {
		params["compute"] = in.Compute
		what = append(what, comp.what)
		why += "; " + comp.why
		if port > 0 {
			params["port"] = fmt.Sprint(port)
		}
		p.computeParams(params)
	}
	if in.Postgres {
		params["database"] = "postgres"
		what = append(what, cp.DBWhat)
		why += "; PostgreSQL because the request or the dependencies use it"
	}
	if in.Bucket {
		params["bucket"] = "true"
		what = append(what, cp.BucketWhat)
	}
	params["why"] = why
	dir := params["dir"]
	arch := engine.Task{
		ID: kit.TaskArchitect, Mode: cp.Architect, Title: cp.Label + " design: " + strings.Join(what, ", "),
		Goal:  "Write " + cp.DesignPath + ": the choice of " + strings.Join(what, ", ") + ", the options weighed, the resource list with why, the data flow and the follow-up tasks.",
		Why:   why + "; the design comes first so the Terraform implements a reviewed decision",
		Files: []string{cp.DesignPath},
		Acceptance: []string{
			"the note states the choice, the alternatives and why",
			"every resource the Terraform creates is listed with its reason",
		},
		Params: params,
	}
	infra := engine.Task{
		ID: kit.TaskInfra, Mode: kit.InfraMode, Title: "Terraform for " + cp.Label + " in " + dir + "/",
		Goal: "Write a Terraform root in " + dir + "/ with " + strings.Join(what, ", ") +
			": versions.tf with pinned providers, providers.tf without credentials, described variables, outputs, and a backend left for you to configure.",
		Why:       "it implements the " + cp.Label + " design note, so it runs after the architect task",
		DependsOn: []string{kit.TaskArchitect},
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
		infra.Files = append(infra.Files, kit.JoinPath(dir, f))
	}
	p.plan.Tasks = append(p.plan.Tasks, arch, infra)
	p.terraformTask(in.Cloud, dir, in.Compute, in.Bucket)
	if in.Compute == "" {
		return nil
	}
	compute := in.Compute
	return func() { p.deployTask(compute, dir, container) }
}

// computeParams adds what the compute's Terraform needs to know of the
// deployed service: its health endpoint for a load balancer, its
// Kubernetes name and namespace for a cluster.
func (p *planner) computeParams(params map[string]string) {
	if len(p.scope) == 0 {
		return
	}
	sv := p.scope[0]
	switch {
	case params["compute"] == "ecs":
		others := map[string]bool{}
		for _, o := range p.in.Repo.Services {
			if o.Dir != sv.Dir {
				others[o.Dir] = true
			}
		}
		if hp, src, err := kubernetes.ServiceHealthPath(p.in.Workspace, &sv, others); err == nil && hp != "" {
			params["health_path"] = hp
			p.note("the load balancer checks GET %s, which %s states", hp, src)
		}
	case kit.ClusterComputes[params["compute"]]:
		params["k8s_name"] = kit.K8sName(kit.ServiceName(sv))
		params["k8s_namespace"] = p.k8sNamespace()
	}
}

// k8sNamespace is the namespace the Kubernetes manifests deploy to: the
// production overlay's with kustomize, else the kubeconfig's default.
func (p *planner) k8sNamespace() string {
	if p.req.Infra.Kustomize {
		return "production"
	}
	return "default"
}

// terraformTask plans the workflow that checks, plans and applies the
// Terraform root through pull requests.
func (p *planner) terraformTask(cloud, dir, compute string, bucket bool) {
	if kit.Exists(p.in.Workspace, cicd.TerraformWorkflowPath) {
		p.note("the repository has %s: the plan keeps it and adds no Terraform workflow", cicd.TerraformWorkflowPath)
		return
	}
	if p.declineMode("the Terraform workflow", kit.CICDMode) {
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
		ID: kit.TaskTerraform, Mode: kit.CICDMode, Title: "GitHub Actions: Terraform plan and apply for " + dir + "/",
		Goal: "Write " + cicd.TerraformWorkflowPath + ": on pull requests that touch " + dir + "/, terraform fmt -check, init -backend=false, validate and a plan through OIDC; " +
			"on pushes to the default branch, apply in the production environment.",
		Why:       "the Terraform root is planned in pull requests and applied after review instead of from a laptop, so it runs after the infra task",
		Params:    params,
		Files:     []string{cicd.TerraformWorkflowPath},
		DependsOn: []string{kit.TaskInfra},
		Acceptance: []string{
			"authentication through OIDC only, no keys or client secrets; permissions: contents: read at the top and id-token: write only on the plan and apply jobs",
			"apply runs only on pushes to the default branch, in the production environment; required reviewers on that environment (Settings > Environments) make every apply wait for approval",
			"hashicorp/setup-terraform is pinned to a full commit SHA and installs the root's required_version",
			"no ${{ github.event.* }} in run: steps, and the plan is not posted to the pull request",
			"the gate reports no errors and no warnings",
		},
	})
}

// deployAuth says, per compute, what the deploy workflow does and how it
// gets credentials.
var deployAuth = map[string]struct{ what, auth string }{
	"apprunner": {"push the image to ECR (commit SHA and " + cicd.DeployTag + ") and start an App Runner deployment", awsDeployAuth},
	"ecs":       {"push the image to ECR (commit SHA and " + cicd.DeployTag + "), force a new ECS deployment and wait until the service is stable", awsDeployAuth},
	"eks": {"push the image to ECR (commit SHA), apply the Kubernetes manifests with that image to the EKS cluster and wait for the rollout",
		awsDeployAuth + "; the role's EKS access entry edits one namespace"},
	"cloudrun": {"push the image to Artifact Registry (commit SHA and " + cicd.DeployTag + ") and deploy a new Cloud Run revision", gcpDeployAuth},
	"gke": {"push the image to Artifact Registry (commit SHA), apply the Kubernetes manifests with that image to the GKE cluster and wait for the rollout",
		gcpDeployAuth + "; cluster credentials from google-github-actions/get-gke-credentials"},
	"containerapps": {"push the image to the container registry (commit SHA and " + cicd.DeployTag + ") and roll a new Container Apps revision", azureDeployAuth},
	"appservice":    {"push the image to the container registry (commit SHA and " + cicd.DeployTag + ") and point the web app at the new image", azureDeployAuth},
	"aks": {"push the image to the container registry (commit SHA), apply the Kubernetes manifests with that image to the AKS cluster and wait for the rollout",
		azureDeployAuth + "; kubectl signs in through kubelogin with the same identity, which Azure RBAC lets write one namespace"},
}

const (
	awsDeployAuth   = "no AWS keys: credentials come from aws-actions/configure-aws-credentials with the deploy role"
	gcpDeployAuth   = "no service account keys: credentials come from google-github-actions/auth through Workload Identity Federation"
	azureDeployAuth = "no client secret: azure/login signs in with the federated deploy identity (client-id, tenant-id, subscription-id)"
)

// deployTask plans the deploy workflow of the compute; on a cluster it
// applies the Kubernetes task's manifests, so it comes after that task.
func (p *planner) deployTask(compute, infraDir string, container bool) {
	if p.declineMode("the deploy workflow", kit.CICDMode) {
		return
	}
	da, target := deployAuth[compute], cicd.DeployTargets[compute]
	helm := kit.ClusterComputes[compute] && p.req.Infra.Helm
	if helm {
		da.what = strings.Replace(da.what, "apply the Kubernetes manifests with that image to the", "install the Helm chart with that image (helm upgrade --install) on the", 1)
	}
	t := engine.Task{
		ID: kit.TaskDeploy, Mode: kit.CICDMode, Title: "GitHub Actions: deploy to " + computeProfiles[compute].label,
		Goal:      "Write " + target.Path + ": on pushes to the default branch, authenticate through GitHub OIDC, " + da.what + ".",
		Why:       "the pipeline ships what the Terraform creates, so it runs after the infra task",
		Params:    map[string]string{"workflows": "deploy", "deploy": compute, "infra_dir": infraDir},
		Files:     []string{target.Path},
		DependsOn: []string{kit.TaskInfra},
		Acceptance: []string{
			da.auth,
			"actions are pinned to full commit SHAs; id-token: write only on the deploy job",
			"the gate reports no errors",
		},
	}
	if kit.ClusterComputes[compute] {
		in := &p.req.Infra
		if helm {
			t.Params["helm"] = "true"
		} else {
			t.Params["k8s_dir"] = p.k8sDir()
			t.Params["kustomize"] = fmt.Sprint(in.Kustomize)
		}
		t.Params["k8s_namespace"] = p.k8sNamespace()
		if azureIdentity(in) {
			t.Params["workload_identity"] = "azure"
		}
		if cloudSQLProxy(in) {
			t.Params["cloudsql_proxy"] = "true"
			n := len(t.Acceptance) - 1 // before "the gate reports no errors"
			t.Acceptance = append(t.Acceptance[:n:n], "the Cloud SQL Auth Proxy sidecar's placeholders are filled in from repository variables, and the deploy stops when one is unset", t.Acceptance[n])
		}
		if p.allowed(kit.PlanK8sMode) {
			t.DependsOn = append(t.DependsOn, kit.TaskK8s)
			t.Why += map[bool]string{false: ", the k8s task because it applies those manifests", true: ", the k8s task because it installs that chart"}[helm]
		}
	}
	if len(p.scope) > 0 && len(p.in.Repo.Services) > 1 {
		t.Services = []string{p.scope[0].Dir}
	}
	if container {
		t.DependsOn = append(t.DependsOn, kit.TaskContainer)
		t.Why += " and the container task because it builds the Dockerfile"
	}
	p.plan.Tasks = append(p.plan.Tasks, t)
}

// infraFilesFor lists the files the infrastructure task will write for
// params in a new root.
func infraFilesFor(params map[string]string) []string {
	a := &infra.CloudInfra{Compute: params["compute"], Postgres: params["database"] == "postgres", Bucket: params["bucket"] == "true"}
	var out []string
	for _, f := range infra.CloudFiles[params["cloud"]] {
		if f.When(a) {
			out = append(out, f.Name)
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

// terraformDir is the root the cloud's Terraform goes to (see
// chooseTerraformRoot), with the reasons noted in the plan.
func (p *planner) terraformDir() string {
	c := infra.ChooseTerraformRoot(p.in.Workspace, p.in.Repo.Artifacts.TerraformRoots, p.req.Infra.Cloud, p.in.Repo.Focus)
	for _, n := range c.Notes {
		p.note("%s", n)
	}
	return c.Dir
}
