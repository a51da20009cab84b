package infra

import (
	"context"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// azureRole is one azurerm_role_assignment of a root: its role and the
// source text of its scope.
type azureRole struct{ role, scope string }

// azureRoleAssignments reads every azurerm_role_assignment of the .tf
// files, by resource name.
func azureRoleAssignments(t *testing.T, files map[string]string) map[string]azureRole {
	t.Helper()
	out := map[string]azureRole{}
	for name, src := range files {
		if !strings.HasSuffix(name, ".tf") {
			continue
		}
		f, diags := hclsyntax.ParseConfig([]byte(src), name, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", name, diags)
		}
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			if b.Type != "resource" || len(b.Labels) != 2 || b.Labels[0] != "azurerm_role_assignment" {
				continue
			}
			role, _ := b.Body.Attributes["role_definition_name"].Expr.Value(nil)
			scope := b.Body.Attributes["scope"]
			out[b.Labels[1]] = azureRole{role.AsString(), strings.TrimSpace(string(scope.Expr.Range().SliceBytes([]byte(src))))}
		}
	}
	return out
}

// azureUntagged lists the resources of the .tf files that set no tags,
// leaving out the types azurerm gives no tags argument.
func azureUntagged(t *testing.T, files map[string]string) []string {
	t.Helper()
	noTags := map[string]bool{
		"azurerm_role_assignment": true, "azurerm_federated_identity_credential": true,
		"azurerm_subnet": true, "azurerm_monitor_diagnostic_setting": true,
		"azurerm_storage_container": true, "azurerm_postgresql_flexible_server_database": true,
		"azurerm_postgresql_flexible_server_active_directory_administrator": true,
		"azurerm_private_dns_zone_virtual_network_link":                     true, // not tagged by the existing templates either
	}
	var out []string
	for name, src := range files {
		if !strings.HasSuffix(name, ".tf") {
			continue
		}
		f, _ := hclsyntax.ParseConfig([]byte(src), name, hcl.InitialPos)
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			if b.Type == "resource" && !noTags[b.Labels[0]] && b.Body.Attributes["tags"] == nil {
				out = append(out, b.Labels[0]+"."+b.Labels[1])
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestInfraAzureAKS(t *testing.T) {
	const (
		registry = "azurerm_container_registry.main.id"
		cluster  = "azurerm_kubernetes_cluster.main.id"
	)
	aksRoles := map[string]azureRole{
		"aks_subnet":          {"Network Contributor", "azurerm_subnet.aks.id"},
		"kubelet_acr_pull":    {"AcrPull", registry},
		"cluster_admins":      {"Azure Kubernetes Service RBAC Cluster Admin", cluster},
		"deploy_acr_push":     {"AcrPush", registry},
		"deploy_cluster_user": {"Azure Kubernetes Service Cluster User Role", cluster},
		"deploy_namespace":    {"Azure Kubernetes Service RBAC Writer", `"${azurerm_kubernetes_cluster.main.id}/namespaces/${var.k8s_namespace}"`},
	}
	withUploads := map[string]azureRole{"app_uploads": {"Storage Blob Data Contributor", "azurerm_storage_container.uploads.resource_manager_id"}}
	for k, v := range aksRoles {
		withUploads[k] = v
	}
	aksVars := "api_authorized_ip_ranges,cluster_admin_object_ids,deploy_branch,environment,github_repository,k8s_namespace,location,name,node_max_count,node_min_count,node_vm_size,registry_name,vnet_cidr"
	aksContains := map[string][]string{
		"aks.tf": {
			"oidc_issuer_enabled       = true",
			"workload_identity_enabled = true",
			"local_account_disabled = true",
			"azure_rbac_enabled = true",
			"tenant_id          = data.azurerm_client_config.current.tenant_id",
			"authorized_ip_ranges = var.api_authorized_ip_ranges",
			`automatic_upgrade_channel = "stable"`,
			`network_plugin_mode = "overlay"`,
			`network_policy      = "cilium"`,
			`network_data_plane  = "cilium"`,
			"vnet_subnet_id              = azurerm_subnet.aks.id",
			"auto_scaling_enabled        = true",
			"min_count                   = var.node_min_count",
			"max_count                   = var.node_max_count",
			"retention_in_days   = 30",
			`category = "kube-audit-admin"`,
			"principal_id         = azurerm_kubernetes_cluster.main.kubelet_identity[0].object_id",
		},
		"network.tf":   {`resource "azurerm_subnet" "aks"`, "the AKS nodes run in"},
		"variables.tf": {`default     = "default"`, "default     = []"},
	}
	tests := []struct {
		name, files, vars, outputs string
		params                     map[string]string
		roles                      map[string]azureRole
		contains, lacks            map[string][]string
	}{
		{name: "aks only",
			params:  map[string]string{"cloud": "azure", "name": "web", "compute": "aks"},
			files:   "README.md,acr.tf,aks.tf,identity.tf,main.tf,network.tf,outputs.tf,providers.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    aksVars,
			outputs: "aks_cluster_name,app_client_id,deploy_client_id,k8s_namespace,registry_login_server,resource_group,tenant_id",
			roles:   aksRoles,
			contains: map[string][]string{
				"identity.tf": {
					`issuer              = azurerm_kubernetes_cluster.main.oidc_issuer_url`,
					`subject             = "system:serviceaccount:${var.k8s_namespace}:web"`,
					`subject             = "repo:${var.github_repository}:ref:refs/heads/${var.deploy_branch}"`,
				},
				"README.md":                {"azure.workload.identity/client-id", `azure.workload.identity/use: "true"`, "`app_client_id`", "ServiceAccount `web`"},
				"terraform.tfvars.example": {"registry_name", "# cluster_admin_object_ids"},
			},
			lacks: map[string][]string{
				"identity.tf":  {"azurerm_container_app", `"Contributor"`, "app_acr_pull"},
				"network.tf":   {"container-apps", "Container Apps"},
				"variables.tf": {"image_tag", "container_port", `"cpu"`},
				"outputs.tf":   {"app_url", "container_app_name", "uploads_", "db_"},
				"README.md":    {"container app", "PGHOST"},
			}},
		{name: "aks postgres storage",
			params:  map[string]string{"cloud": "azure", "name": "API Server", "compute": "aks", "database": "postgres", "bucket": "true", "k8s_name": "api-web"},
			files:   "README.md,acr.tf,aks.tf,identity.tf,main.tf,network.tf,outputs.tf,postgres.tf,providers.tf,storage.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    "api_authorized_ip_ranges,cluster_admin_object_ids,db_name,db_sku,db_storage_mb,db_version,deploy_branch,environment,github_repository,k8s_namespace,location,name,node_max_count,node_min_count,node_vm_size,registry_name,storage_account_name,vnet_cidr",
			outputs: "aks_cluster_name,app_client_id,db_host,db_name,db_user,deploy_client_id,k8s_namespace,registry_login_server,resource_group,tenant_id,uploads_blob_endpoint,uploads_container_url",
			roles:   withUploads,
			contains: map[string][]string{
				"identity.tf": {`subject             = "system:serviceaccount:${var.k8s_namespace}:api-web"`},
				"postgres.tf": {"public_network_access_enabled = false", "password_auth_enabled         = false", "object_id           = azurerm_user_assigned_identity.app.principal_id"},
				"storage.tf":  {"public_network_access_enabled   = false", "shared_access_key_enabled       = false"},
				"network.tf":  {`resource "azurerm_subnet" "db"`, `resource "azurerm_subnet" "endpoints"`},
				"README.md":   {"`PGHOST`, `PGUSER` and `PGDATABASE`", "`UPLOADS_BLOB_ENDPOINT`: `uploads_container_url`", "ServiceAccount `api-web`"},
				"outputs.tf":  {"value       = azurerm_user_assigned_identity.app.name"},
			},
			lacks: map[string][]string{"identity.tf": {"azurerm_container_app"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			contains := map[string][]string{}
			for _, m := range []map[string][]string{aksContains, tc.contains} {
				for file, wants := range m {
					contains[file] = append(contains[file], wants...)
				}
			}
			byName, mod := checkRoot(t, tc.params, rootWant{files: tc.files, vars: tc.vars, outputs: tc.outputs,
				contains: contains, absent: tc.lacks, provider: "azurerm"})
			roles := azureRoleAssignments(t, byName)
			for name, want := range tc.roles {
				if roles[name] != want {
					t.Errorf("role assignment %s = %+v, want %+v", name, roles[name], want)
				}
			}
			for name, got := range roles {
				if _, ok := tc.roles[name]; !ok {
					t.Errorf("unexpected role assignment %s = %+v", name, got)
				}
			}
			if u := azureUntagged(t, byName); len(u) > 0 {
				t.Errorf("resources without tags: %v", u)
			}
			for _, r := range []string{"azurerm_kubernetes_cluster.main", "azurerm_log_analytics_workspace.main", "azurerm_monitor_diagnostic_setting.aks", "azurerm_federated_identity_credential.app", "azurerm_user_assigned_identity.aks"} {
				if mod.ManagedResources[r] == nil {
					t.Errorf("the root has no %s", r)
				}
			}
			for _, r := range []string{"azurerm_container_app.app", "azurerm_container_app_environment.main", "azurerm_subnet.apps"} {
				if mod.ManagedResources[r] != nil {
					t.Errorf("an AKS root has %s", r)
				}
			}
		})
	}
}

// TestInfraAzureContainerAppsHasNoCluster: the default compute keeps its
// Container Apps root, with no AKS file or role.
func TestInfraAzureContainerAppsHasNoCluster(t *testing.T) {
	cs, err := infraWork(t, map[string]string{"cloud": "azure", "name": "web", "compute": "containerapps"}, fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, f := range cs.Files {
		byName[strings.TrimPrefix(f.Path, "infra/")] = string(f.Content)
	}
	if _, ok := byName["aks.tf"]; ok {
		t.Error("a Container Apps root has aks.tf")
	}
	roles := azureRoleAssignments(t, byName)
	want := map[string]azureRole{
		"app_acr_pull":    {"AcrPull", "azurerm_container_registry.main.id"},
		"deploy_acr_push": {"AcrPush", "azurerm_container_registry.main.id"},
		"deploy_app":      {"Contributor", "azurerm_container_app.app.id"},
	}
	if len(roles) != len(want) {
		t.Errorf("role assignments = %+v, want %+v", roles, want)
	}
	for name, w := range want {
		if roles[name] != w {
			t.Errorf("role assignment %s = %+v, want %+v", name, roles[name], w)
		}
	}
	for _, f := range []string{"identity.tf", "network.tf", "variables.tf", "outputs.tf", "README.md"} {
		for _, bad := range []string{"kubernetes", "k8s_namespace", "aks"} {
			if strings.Contains(strings.ToLower(byName[f]), bad) {
				t.Errorf("%s of a Container Apps root mentions %q", f, bad)
			}
		}
	}
	kittest.InfraGate(t, kit.InfraMode, cs)
	kittest.LoadRoot(t, cs, "infra", nil)
}

func TestDesignAzureCompute(t *testing.T) {
	tests := []struct {
		name         string
		params       map[string]string
		want, absent []string
	}{
		{name: "aks",
			params: map[string]string{"cloud": "azure", "name": "api", "compute": "aks", "database": "postgres", "bucket": "true"},
			want: []string{
				"- **AKS** (chosen):",
				"- **Container Apps**: one HTTP service",
				"| AKS cluster (nodes in the network) | runs the Kubernetes manifests of `api`",
				"Entra ID sign-in only with Azure RBAC, workload identity",
				"| Log Analytics workspace + diagnostic setting | the API server's audit log",
				"| Managed identities: cluster, app (federated with the ServiceAccount `api`), deploy",
				"| Container registry (no admin user) |",
				"| Storage account for uploads + private endpoint |",
				"flexible server (delegated subnet, private DNS)",
				"AKS nodes --kubelet identity--> registry (pull)",
				"pods --workload identity, VNet, Entra ID token--> PostgreSQL flexible server",
				"pods --workload identity, private endpoint--> uploads storage",
				"cluster, the service's namespace and the uploads container",
				"applies the manifests to `aks_cluster_name`",
				"`azure.workload.identity/client-id`",
			},
			absent: []string{"**Container Apps** (chosen)", "container app (", "Container Apps environment", "`container_app_name`"}},
		{name: "aks alone",
			params: map[string]string{"cloud": "azure", "name": "web", "compute": "aks"},
			want:   []string{"- **AKS** (chosen):", "users --Kubernetes Service--> pods (web)"},
			absent: []string{"PostgreSQL", "uploads storage", "Storage account"}},
		{name: "container apps",
			params: map[string]string{"cloud": "azure", "name": "api", "compute": "containerapps"},
			want:   []string{"- **Container Apps** (chosen):", "- **AKS**: for several services", "Container Apps environment (in the network) + container app", "updates `container_app_name`"},
			absent: []string{"**AKS** (chosen)", "kubelet", "ServiceAccount", "aks_cluster_name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			task := engine.Task{ID: "architect", Mode: kit.AzureArchitectMode, Params: tc.params}
			cs, err := kittest.New().Work(context.Background(), engine.WorkInput{Task: task, Workspace: fstest.MapFS{}, Issue: engine.Issue{Title: "Host it on Azure"}})
			if err != nil {
				t.Fatal(err)
			}
			f := cs.Get(kit.AzureDesignPath)
			if f == nil || len(cs.Files) != 1 {
				t.Fatalf("files = %v, want %s only", cs.Paths(), kit.AzureDesignPath)
			}
			note := string(f.Content)
			for _, w := range tc.want {
				if !strings.Contains(note, w) {
					t.Errorf("the note lacks %q:\n%s", w, note)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(note, a) {
					t.Errorf("the note has %q:\n%s", a, note)
				}
			}
			kittest.InfraGate(t, kit.AzureArchitectMode, cs)
		})
	}
}
