package cicd

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kubernetes"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// The deploy workflows the CI/CD specialist writes, one per target.
const (
	// DeployWorkflowPath is the App Runner deploy workflow.
	DeployWorkflowPath = ".github/workflows/deploy-apprunner.yml"
	// CloudRunDeployWorkflowPath is the Cloud Run deploy workflow.
	CloudRunDeployWorkflowPath = ".github/workflows/deploy-cloudrun.yml"
	// ContainerAppsDeployWorkflowPath is the Azure Container Apps deploy
	// workflow.
	ContainerAppsDeployWorkflowPath = ".github/workflows/deploy-containerapps.yml"
	// AppServiceDeployWorkflowPath is the Azure App Service (Web App for
	// Containers) deploy workflow.
	AppServiceDeployWorkflowPath = ".github/workflows/deploy-appservice.yml"
	// ECSDeployWorkflowPath is the ECS on Fargate deploy workflow.
	ECSDeployWorkflowPath = ".github/workflows/deploy-ecs.yml"
	// EKSDeployWorkflowPath, GKEDeployWorkflowPath and
	// AKSDeployWorkflowPath apply the Kubernetes manifests to a cluster.
	EKSDeployWorkflowPath = ".github/workflows/deploy-eks.yml"
	GKEDeployWorkflowPath = ".github/workflows/deploy-gke.yml"
	AKSDeployWorkflowPath = ".github/workflows/deploy-aks.yml"
)

// DeployTag is the image tag the cloud service runs: the infra
// templates' image_tag default, which the deploy workflows move to each
// new image.
const DeployTag = "production"

// deployTarget is one deploy workflow: its file, template, the actions it
// uses (template key -> action) and the note on what to set.
type deployTarget struct {
	Path, tmpl, label string
	actions           map[string]string
	note              string
}

// DeployTargets are the deploy workflows by target name.
var DeployTargets = map[string]deployTarget{
	"apprunner": {Path: DeployWorkflowPath, tmpl: "deploy-apprunner.yml.tmpl", label: "App Runner",
		actions: map[string]string{"AWSCredentials": "aws-actions/configure-aws-credentials"},
		note:    "set the repository variables AWS_REGION, AWS_DEPLOY_ROLE_ARN, ECR_REPOSITORY_URL and APPRUNNER_SERVICE_ARN from the Terraform outputs"},
	"cloudrun": {Path: CloudRunDeployWorkflowPath, tmpl: "deploy-cloudrun.yml.tmpl", label: "Cloud Run",
		actions: map[string]string{"GCPAuth": "google-github-actions/auth"},
		note:    "set the repository variables GCP_PROJECT_ID, GCP_REGION, GCP_WORKLOAD_IDENTITY_PROVIDER, GCP_DEPLOY_SERVICE_ACCOUNT and GCP_IMAGE_REPOSITORY from the Terraform root and its outputs"},
	"ecs": {Path: ECSDeployWorkflowPath, tmpl: "deploy-ecs.yml.tmpl", label: "ECS on Fargate",
		actions: map[string]string{"AWSCredentials": "aws-actions/configure-aws-credentials"},
		note:    "set the repository variables AWS_REGION, AWS_DEPLOY_ROLE_ARN, ECR_REPOSITORY_URL, ECS_CLUSTER_NAME and ECS_SERVICE_NAME from the Terraform outputs"},
	"eks": {Path: EKSDeployWorkflowPath, tmpl: "deploy-k8s.yml.tmpl", label: "EKS",
		actions: map[string]string{"AWSCredentials": "aws-actions/configure-aws-credentials"},
		note:    "set the repository variables AWS_REGION, AWS_DEPLOY_ROLE_ARN, ECR_REPOSITORY_URL and EKS_CLUSTER_NAME from the Terraform root and its outputs"},
	"gke": {Path: GKEDeployWorkflowPath, tmpl: "deploy-k8s.yml.tmpl", label: "GKE",
		actions: map[string]string{"GCPAuth": "google-github-actions/auth", "GKECredentials": "google-github-actions/get-gke-credentials"},
		note:    "set the repository variables GCP_PROJECT_ID, GCP_REGION, GCP_WORKLOAD_IDENTITY_PROVIDER, GCP_DEPLOY_SERVICE_ACCOUNT, GCP_IMAGE_REPOSITORY, GKE_CLUSTER_NAME and GKE_LOCATION from the Terraform root and its outputs"},
	"aks": {Path: AKSDeployWorkflowPath, tmpl: "deploy-k8s.yml.tmpl", label: "AKS",
		actions: map[string]string{"AzureLogin": "azure/login", "Kubelogin": "azure/use-kubelogin"},
		note:    "set the repository variables AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, ACR_LOGIN_SERVER and AKS_CLUSTER_NAME from the Terraform root and its outputs"},
	"containerapps": {Path: ContainerAppsDeployWorkflowPath, tmpl: "deploy-containerapps.yml.tmpl", label: "Container Apps",
		actions: map[string]string{"AzureLogin": "azure/login"},
		note:    "set the repository variables AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, ACR_LOGIN_SERVER and CONTAINER_APP_NAME from the Terraform outputs; the job has no environment because the federated credential matches the branch"},
	"appservice": {Path: AppServiceDeployWorkflowPath, tmpl: "deploy-appservice.yml.tmpl", label: "App Service",
		actions: map[string]string{"AzureLogin": "azure/login"},
		note:    "set the repository variables AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, ACR_LOGIN_SERVER and WEB_APP_NAME from the Terraform outputs; the job has no environment because the federated credential matches the branch"},
}

// deployTargetNames lists the deploy targets for messages.
func deployTargetNames() string {
	var out []string
	for k := range DeployTargets {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// CIWriteDeploy writes a deploy workflow: check out, authenticate through
// GitHub OIDC, push the image (commit SHA and the deploy tag) and roll the
// service. Params: deploy (apprunner, cloudrun or containerapps),
// infra_dir (where the Terraform outputs are), branch (default: the repository's default branch, else main). The image
// builds from the task's first service directory.
func CIWriteDeploy(in engine.WorkInput, defaultBranch string, cs *change.ChangeSet) error {
	pr := in.Task.Params
	target, ok := DeployTargets[pr["deploy"]]
	if !ok {
		return fmt.Errorf("task %s: params deploy is %q; the built-in CI/CD specialist deploys to %s", in.Task.ID, pr["deploy"], deployTargetNames())
	}
	dir := "."
	switch {
	case len(in.Task.Services) > 0:
		dir = path.Clean(in.Task.Services[0])
	case in.Repo != nil && len(in.Repo.Services) > 0 && in.Repo.Services[0].Dir != "":
		dir = in.Repo.Services[0].Dir
	}
	if !kit.SafePath(dir) {
		return fmt.Errorf("task %s: service directory %q has characters a workflow path may not use; rename it", in.Task.ID, dir)
	}
	branch := pr["branch"]
	if branch == "" {
		branch = defaultBranch
	}
	if branch == "" {
		branch = "main"
	}
	if !CIBranchRE.MatchString(branch) {
		return fmt.Errorf("task %s: params branch %q is not a branch name", in.Task.ID, branch)
	}
	infraDir := pr["infra_dir"]
	if infraDir == "" {
		infraDir = "infra"
	}
	if !kit.SafePath(infraDir) {
		return fmt.Errorf("task %s: params infra_dir %q is not a plain path", in.Task.ID, infraDir)
	}
	data := map[string]any{"Name": kit.DirLabel(dir), "InfraDir": infraDir, "Branch": branch, "Tag": DeployTag, "File": ""}
	bctx := dir
	if in.Repo != nil {
		if s := in.Repo.Service(dir); s != nil {
			// A Dockerfile written for a workspace root builds from there.
			if c, df := container.ImageBuild(in.Workspace, in.Deps, *s); (c != dir || df != kit.JoinPath(dir, "Dockerfile")) && kit.SafePath(c) && kit.SafePath(df) {
				bctx = c
				fileJSON, err := json.Marshal(df)
				if err != nil {
					return fmt.Errorf("quote the Dockerfile %q: %w", df, err)
				}
				data["File"] = string(fileJSON)
			}
		}
	}
	ctxJSON, err := json.Marshal(bctx) // a JSON string is a valid YAML scalar
	if err != nil {
		return fmt.Errorf("quote the build context %q: %w", bctx, err)
	}
	data["Context"] = string(ctxJSON)
	acts := map[string]string{
		"Checkout": "actions/checkout", "Buildx": "docker/setup-buildx-action", "BuildPush": "docker/build-push-action",
	}
	for k, v := range target.actions {
		acts[k] = v
	}
	for key, act := range acts {
		p, err := pins.Action(act)
		if err != nil {
			return fmt.Errorf("the deploy workflow needs %s pinned in internal/pins/actions.yaml: %w", act, err)
		}
		data[key] = p.Uses()
	}
	switch v := pr["cloudsql_proxy"]; {
	case v == "true" && pr["deploy"] != "gke":
		return fmt.Errorf("task %s: params cloudsql_proxy=true: the Cloud SQL Auth Proxy sidecar is written for deploy gke only, not %s", in.Task.ID, pr["deploy"])
	case v != "" && v != "true" && v != "false":
		return fmt.Errorf("task %s: params cloudsql_proxy=%q must be true or false", in.Task.ID, v)
	}
	note := target.note
	if kit.ClusterComputes[pr["deploy"]] {
		if err := clusterDeployData(in, pr["deploy"], dir, data); err != nil {
			return err
		}
		if data["CloudSQL"] != nil {
			note += "; with the Cloud SQL Auth Proxy sidecar also GCP_DB_CONNECTION_NAME, GCP_DB_SERVICE_ACCOUNT, GCP_DB_USER and GCP_DB_NAME from the outputs db_connection_name, db_service_account, db_user and db_name"
		}
		if data["Helm"] == true {
			note += fmt.Sprintf("; installs the chart %s/ as release %s in namespace %s with helm upgrade --install (helm and kubectl come with GitHub's ubuntu-latest runners)", data["Manifests"], data["K8sName"], data["Namespace"])
		}
	}
	content, err := templates.Render(target.tmpl, data)
	if err != nil {
		return err
	}
	if kit.Exists(in.Workspace, target.Path) {
		return fmt.Errorf("%s exists: the built-in CI/CD specialist does not replace a deploy workflow; remove or rename it to have it written again", target.Path)
	}
	cs.Put(target.Path, content, nil, note)
	return nil
}

// clusterVar is one repository variable a cluster deploy reads: its name,
// where its value comes from, and whether the job's env carries it.
type clusterVar struct {
	Name, From string
	Env        bool
}

// clusterDeploys are, per cluster compute, the registry and cluster
// names, the repository variables and the image reference ({{name}} is
// the service's Kubernetes name).
var clusterDeploys = map[string]struct {
	registry, cluster, image string
	vars                     []clusterVar
}{
	"eks": {"Amazon ECR", "EKS", "${{ vars.ECR_REPOSITORY_URL }}:${{ github.sha }}", []clusterVar{
		{"AWS_REGION", "the region variable", true},
		{"AWS_DEPLOY_ROLE_ARN", "output deploy_role_arn", false},
		{"ECR_REPOSITORY_URL", "output ecr_repository_url", true},
		{"EKS_CLUSTER_NAME", "output eks_cluster_name", true},
	}},
	"gke": {"Artifact Registry", "GKE", "${{ vars.GCP_IMAGE_REPOSITORY }}:${{ github.sha }}", []clusterVar{
		{"GCP_PROJECT_ID", "the project_id variable", false},
		{"GCP_REGION", "the region variable", true},
		{"GCP_WORKLOAD_IDENTITY_PROVIDER", "output workload_identity_provider", false},
		{"GCP_DEPLOY_SERVICE_ACCOUNT", "output deploy_service_account", false},
		{"GCP_IMAGE_REPOSITORY", "output image_repository", false},
		{"GKE_CLUSTER_NAME", "output gke_cluster_name", false},
		{"GKE_LOCATION", "output gke_location", false},
	}},
	"aks": {"the Azure container registry", "AKS", "${{ vars.ACR_LOGIN_SERVER }}/{{name}}:${{ github.sha }}", []clusterVar{
		{"AZURE_CLIENT_ID", "output deploy_client_id", false},
		{"AZURE_TENANT_ID", "output tenant_id", false},
		{"AZURE_SUBSCRIPTION_ID", "the subscription the root deploys to", false},
		{"AZURE_RESOURCE_GROUP", "output resource_group", true},
		{"ACR_LOGIN_SERVER", "output registry_login_server", true},
		{"AKS_CLUSTER_NAME", "output aks_cluster_name", true},
	}},
}

// cloudSQLVars are the repository variables the GKE deploy reads for the
// Cloud SQL Auth Proxy sidecar; each fills in the placeholder of its name.
var cloudSQLVars = []clusterVar{
	{kit.GCPDBConnectionNamePlaceholder, "output db_connection_name", true},
	{kit.GCPDBServiceAccountPlaceholder, "output db_service_account", true},
	{kit.GCPDBUserPlaceholder, "output db_user", true},
	{kit.GCPDBNamePlaceholder, "output db_name", true},
}

// cloudSQLDeploy is what the render step needs to fill in the sidecar's
// placeholders: the variables to check and the placeholders they replace.
type cloudSQLDeploy struct {
	Vars                                     []clusterVar
	Instance, ServiceAccount, User, Database string
}

// ReK8sNamespace matches a Kubernetes namespace name (a DNS-1123 label).
var ReK8sNamespace = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// clusterDeployData adds what the cluster deploy template needs: the
// manifests to render (Params k8s_dir, kustomize, k8s_namespace) or, with
// helm=true, the chart in charts/<name>/ to install with helm upgrade
// --install; the service's Kubernetes name and the image name its
// manifests or values.yaml use, which the workflow replaces with the
// pushed image.
func clusterDeployData(in engine.WorkInput, compute, dir string, data map[string]any) error {
	pr := in.Task.Params
	cd := clusterDeploys[compute]
	k8sDir := pr["k8s_dir"]
	if k8sDir == "" {
		k8sDir = "k8s"
	}
	if k8sDir != "k8s" && k8sDir != "deploy" {
		return fmt.Errorf("task %s: params k8s_dir %q is not one the kubernetes specialist writes: use k8s or deploy", in.Task.ID, k8sDir)
	}
	ns := pr["k8s_namespace"]
	if ns == "" {
		ns = "default"
	}
	if !ReK8sNamespace.MatchString(ns) {
		return fmt.Errorf("task %s: params k8s_namespace %q is not a Kubernetes namespace name", in.Task.ID, ns)
	}
	var svc *stack.Service
	var several bool
	if in.Repo != nil {
		several = len(in.Repo.Services) > 1
		for i := range in.Repo.Services {
			if path.Clean(in.Repo.Services[i].Dir) == dir || (dir == "." && in.Repo.Services[i].Dir == "") {
				svc = &in.Repo.Services[i]
			}
		}
	}
	if svc == nil {
		return fmt.Errorf("task %s: no service in %s to deploy; stack detection found none there, so the Kubernetes names are unknown", in.Task.ID, kit.DirLabel(dir))
	}
	name := kit.K8sName(kit.ServiceName(*svc))
	owner, repo, known := kit.GitHubRepoOf(in.Issue.URL)
	manifests := path.Join(k8sDir, name)
	kustomize := pr["kustomize"] == "true"
	if kustomize {
		manifests = path.Join(k8sDir, "overlays", "production")
	}
	var helm bool
	switch v := pr["helm"]; v {
	case "", "false":
	case "true":
		if kustomize {
			return fmt.Errorf("task %s: params kustomize=true and helm=true: pick one (the deploy installs a Helm chart or applies a kustomize overlay)", in.Task.ID)
		}
		helm = true
		manifests = kubernetes.HelmChartDir(name)
	default:
		return fmt.Errorf("task %s: params helm=%q must be true or false", in.Task.ID, v)
	}
	data["Compute"] = compute
	data["RegistryLabel"] = cd.registry
	data["ClusterLabel"] = cd.cluster
	data["Vars"] = cd.vars
	data["AzureClientID"] = ""
	switch wi := pr["workload_identity"]; {
	case wi == "azure" && compute == "aks":
		data["Vars"] = append(append([]clusterVar{}, cd.vars...), clusterVar{"AZURE_APP_CLIENT_ID", "output app_client_id", true})
		data["AzureClientID"] = kit.AzureClientIDPlaceholder
	case wi != "":
		return fmt.Errorf("task %s: params workload_identity %q: only azure on aks is written", in.Task.ID, wi)
	}
	data["CloudSQL"] = nil
	if pr["cloudsql_proxy"] == "true" { // ciWriteDeploy allows it on gke only
		data["Vars"] = append(append([]clusterVar{}, cd.vars...), cloudSQLVars...)
		data["CloudSQL"] = &cloudSQLDeploy{Vars: cloudSQLVars, Instance: kit.GCPDBConnectionNamePlaceholder,
			ServiceAccount: kit.GCPDBServiceAccountPlaceholder, User: kit.GCPDBUserPlaceholder, Database: kit.GCPDBNamePlaceholder}
	}
	data["Image"] = strings.ReplaceAll(cd.image, "{{name}}", name)
	data["Helm"] = helm
	// The chart's image.repository: the pushed image without its tag,
	// which the Helm step sets to the commit SHA.
	data["ImageRepository"] = strings.TrimSuffix(data["Image"].(string), ":${{ github.sha }}")
	data["K8sName"] = name
	data["Namespace"] = ns
	data["Kustomize"] = kustomize
	data["Manifests"] = manifests
	data["ManifestsQ"] = manifests // k8s or deploy, then DNS-label names: no quoting needed
	data["ImageName"] = kubernetes.K8sImageName(svc, several, owner, repo, known)
	return nil
}
