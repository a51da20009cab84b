package infra

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// TestInfraAzureAppService: compute=appservice writes a Linux plan and a
// web app that pulls from the registry with its managed identity, HTTPS
// only, WEBSITES_PORT and a health check, integrated with the network;
// the deploy identity may push and update that one web app.
func TestInfraAzureAppService(t *testing.T) {
	const registry = "azurerm_container_registry.main.id"
	roles := map[string]azureRole{
		"app_acr_pull":    {"AcrPull", registry},
		"deploy_acr_push": {"AcrPush", registry},
		"deploy_app":      {"Website Contributor", "azurerm_linux_web_app.app.id"},
	}
	tests := []struct {
		name, files, vars, outputs string
		params                     map[string]string
		roles                      map[string]azureRole
		contains, lacks            map[string][]string
	}{
		{name: "web app alone",
			params:  map[string]string{"cloud": "azure", "name": "web", "compute": "appservice", "port": "3000", "health_path": "/healthz"},
			files:   "README.md,acr.tf,appservice.tf,identity.tf,main.tf,network.tf,outputs.tf,providers.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    "container_port,deploy_branch,environment,github_repository,health_check_path,image_tag,location,name,registry_name,sku_name,vnet_cidr",
			outputs: "app_url,deploy_client_id,registry_login_server,resource_group,tenant_id,web_app_name",
			roles:   roles,
			contains: map[string][]string{
				"appservice.tf": {
					`os_type             = "Linux"`,
					"https_only                = true",
					"virtual_network_subnet_id = azurerm_subnet.apps.id",
					"container_registry_use_managed_identity       = true",
					"container_registry_managed_identity_client_id = azurerm_user_assigned_identity.app.client_id",
					`docker_registry_url = "https://${azurerm_container_registry.main.login_server}"`,
					`docker_image_name   = "${var.name}:${var.image_tag}"`,
					"WEBSITES_PORT                       = tostring(var.container_port)",
					"health_check_path                             = var.health_check_path",
					`ftps_state                                    = "Disabled"`,
					`minimum_tls_version                           = "1.2"`,
				},
				"variables.tf": {"default     = 3000", `default     = "/healthz"`, `default     = "B1"`},
				"network.tf":   {`name    = "Microsoft.Web/serverFarms"`, `name                 = "app-service"`},
				"README.md":    {"Web App for Containers", "`WEBSITES_PORT`", "azurewebsites.net"},
			},
			lacks: map[string][]string{
				"appservice.tf": {"PGHOST", "UPLOADS_BLOB_ENDPOINT"},
				"identity.tf":   {"azurerm_container_app", "aks"},
				"variables.tf":  {`"cpu"`, "memory", "k8s_namespace"},
				"outputs.tf":    {"container_app_name", "aks_cluster_name"},
				"network.tf":    {"container-apps", "Container Apps"},
			}},
		{name: "web app postgres storage",
			params:  map[string]string{"cloud": "azure", "name": "api", "compute": "appservice", "database": "postgres", "bucket": "true"},
			files:   "README.md,acr.tf,appservice.tf,identity.tf,main.tf,network.tf,outputs.tf,postgres.tf,providers.tf,storage.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    "container_port,db_name,db_sku,db_storage_mb,db_version,deploy_branch,environment,github_repository,health_check_path,image_tag,location,name,registry_name,sku_name,storage_account_name,vnet_cidr",
			outputs: "app_url,db_host,deploy_client_id,registry_login_server,resource_group,tenant_id,uploads_blob_endpoint,web_app_name",
			roles: map[string]azureRole{"app_uploads": {"Storage Blob Data Contributor", "azurerm_storage_container.uploads.resource_manager_id"},
				"app_acr_pull": roles["app_acr_pull"], "deploy_acr_push": roles["deploy_acr_push"], "deploy_app": roles["deploy_app"]},
			contains: map[string][]string{
				"appservice.tf": {"PGHOST                              = azurerm_postgresql_flexible_server.main.fqdn",
					"PGUSER                              = azurerm_user_assigned_identity.app.name", "UPLOADS_BLOB_ENDPOINT", "vnet_route_all_enabled                        = true"},
				"network.tf": {`resource "azurerm_subnet" "db"`, `resource "azurerm_subnet" "endpoints"`, `resource "azurerm_subnet" "apps"`},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			byName, mod := checkRoot(t, tc.params, rootWant{files: tc.files, vars: tc.vars, outputs: tc.outputs,
				contains: tc.contains, absent: tc.lacks, provider: "azurerm"})
			got := azureRoleAssignments(t, byName)
			for name, want := range tc.roles {
				if got[name] != want {
					t.Errorf("role assignment %s = %+v, want %+v", name, got[name], want)
				}
			}
			for name, r := range got {
				if _, ok := tc.roles[name]; !ok {
					t.Errorf("unexpected role assignment %s = %+v", name, r)
				}
			}
			if u := azureUntagged(t, byName); len(u) > 0 {
				t.Errorf("resources without tags: %v", u)
			}
			for _, r := range []string{"azurerm_service_plan.main", "azurerm_linux_web_app.app", "azurerm_subnet.apps"} {
				if mod.ManagedResources[r] == nil {
					t.Errorf("the root has no %s", r)
				}
			}
			for _, r := range []string{"azurerm_container_app.app", "azurerm_kubernetes_cluster.main"} {
				if mod.ManagedResources[r] != nil {
					t.Errorf("an App Service root has %s", r)
				}
			}
		})
	}
}

func TestDesignAzureAppService(t *testing.T) {
	task := engine.Task{ID: "architect", Mode: kit.AzureArchitectMode, Params: map[string]string{"cloud": "azure", "name": "api", "compute": "appservice", "database": "postgres"}}
	cs, err := kittest.New().Work(context.Background(), engine.WorkInput{Task: task, Workspace: fstest.MapFS{}, Issue: engine.Issue{Title: "Deploy to an Azure Web App"}})
	if err != nil {
		t.Fatal(err)
	}
	note := kittest.FileOf(t, cs, kit.AzureDesignPath)
	for _, w := range []string{"**App Service (Web App for Containers)** (chosen)", "Linux App Service plan + web app", "web app --VNet integration, Entra ID token--> PostgreSQL", "points `web_app_name` at it", "the registry, the web\n  app"} {
		if !strings.Contains(note, w) {
			t.Errorf("the note lacks %q:\n%s", w, note)
		}
	}
	for _, a := range []string{"(chosen): one HTTP service", "Container Apps environment", "container_app_name", "**App Service for containers**"} {
		if strings.Contains(note, a) {
			t.Errorf("the note has %q:\n%s", a, note)
		}
	}
	kittest.InfraGate(t, kit.AzureArchitectMode, cs)
}

func TestCIWriteDeployAppService(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "services/api", Language: stack.Go}}}
	in := engine.WorkInput{
		Task: engine.Task{ID: kit.TaskDeploy, Mode: kit.CICDMode, Params: map[string]string{"workflows": "deploy", "deploy": "appservice", "infra_dir": "terraform"}},
		Repo: repo, Workspace: fstest.MapFS{},
	}
	cs, err := cicd.Work(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	f := cs.Get(cicd.AppServiceDeployWorkflowPath)
	if f == nil || len(cs.Files) != 1 {
		t.Fatalf("want only %s: %v", cicd.AppServiceDeployWorkflowPath, cs.Paths())
	}
	got := string(f.Content)
	login, err := pins.Action("azure/login")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{login.Uses(), "id-token: write", `context: "services/api"`, "client-id: ${{ vars.AZURE_CLIENT_ID }}",
		"${{ vars.ACR_LOGIN_SERVER }}/${{ vars.WEB_APP_NAME }}:production", "/${{ vars.WEB_APP_NAME }}:${{ github.sha }}",
		`az webapp config container set --name "$WEB_APP_NAME"`, `--container-image-name "${ACR_LOGIN_SERVER}/${WEB_APP_NAME}:${GITHUB_SHA}"`,
		"output web_app_name", "in terraform/"} {
		if !strings.Contains(got, w) {
			t.Errorf("deploy workflow lacks %q:\n%s", w, got)
		}
	}
	for _, bad := range []string{"containerapp", "CONTAINER_APP", "Container Apps", "    environment:"} {
		if strings.Contains(got, bad) {
			t.Errorf("deploy workflow has %q:\n%s", bad, got)
		}
	}
	kittest.InfraGate(t, kit.CICDMode, cs)
}
