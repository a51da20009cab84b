package infra

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// The documented member form of a Kubernetes ServiceAccount in Workload
// Identity Federation for GKE.
var reGKEPrincipal = regexp.MustCompile(`"principal://iam\.googleapis\.com/projects/\$\{data\.google_project\.this\.number\}/locations/global/workloadIdentityPools/\$\{google_container_cluster\.main\.workload_identity_config\[0\]\.workload_pool\}/subject/ns/\$\{var\.k8s_namespace\}/sa/([a-z0-9-]+)"`)

func TestInfraGCPGKE(t *testing.T) {
	tests := []struct {
		name, files, vars, outputs, resources, ksa string
		params                                     map[string]string
		contains, absent                           map[string][]string
	}{
		{name: "gke alone",
			params:    map[string]string{"cloud": "gcp", "name": "web", "compute": "gke"},
			files:     "README.md,artifact_registry.tf,gke.tf,network.tf,outputs.tf,providers.tf,terraform.tfvars.example,variables.tf,versions.tf,workload_identity.tf",
			vars:      "deploy_branch,environment,github_repository,k8s_namespace,master_authorized_networks,name,pods_cidr,project_id,region,services_cidr,subnet_cidr",
			outputs:   "deploy_service_account,gke_cluster_name,gke_location,image_repository,k8s_namespace,workload_identity_provider",
			resources: "google_artifact_registry_repository.app,google_artifact_registry_repository_iam_member.deploy_push,google_artifact_registry_repository_iam_member.nodes_pull,google_compute_network.main,google_compute_router.main,google_compute_router_nat.main,google_compute_subnetwork.gke,google_container_cluster.main,google_iam_workload_identity_pool.github,google_iam_workload_identity_pool_provider.github,google_project_iam_member.deploy_gke,google_project_iam_member.nodes,google_service_account.deploy,google_service_account.nodes,google_service_account_iam_member.deploy_wif",
			contains: map[string][]string{
				"gke.tf": {"enable_autopilot    = true", "deletion_protection = true", "location            = var.region",
					"enable_private_nodes    = true", "enable_private_endpoint = false", `channel = "REGULAR"`,
					`workload_pool = "${var.project_id}.svc.id.goog"`, "for_each = var.master_authorized_networks",
					"service_account = google_service_account.nodes.email", `role    = "roles/container.defaultNodeServiceAccount"`,
					`role       = "roles/artifactregistry.reader"`, `mode = "BASIC"`},
				"network.tf": {"auto_create_subnetworks = false", "private_ip_google_access = true", `range_name    = "pods"`,
					`range_name    = "services"`, `source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"`, "flow_sampling"},
				"workload_identity.tf":     {`role    = "roles/container.developer"`, "IAM cannot scope it to one cluster", `role       = "roles/artifactregistry.writer"`, "principalSet://"},
				"variables.tf":             {`default     = "default"`, `cidr_block = "0.0.0.0/0"`},
				"README.md":                {"GKE Autopilot cluster", "`web`", "master_authorized_networks"},
				"terraform.tfvars.example": {`k8s_namespace     = "default"`, "# master_authorized_networks"},
			},
			absent: map[string][]string{
				"gke.tf":               {`data "google_project"`, "k8s_principal"},
				"network.tf":           {"private_services", "servicenetworking"},
				"workload_identity.tf": {"run.developer", "iam.serviceAccountUser", "google_cloud_run", "google_service_account.run"},
				"variables.tf":         {"image_tag", "container_port", `"public"`},
				"outputs.tf":           {"service_url"},
				"README.md":            {"Cloud Run", "Cloud SQL"},
			}},
		{name: "gke postgres bucket",
			params:    map[string]string{"cloud": "gcp", "name": "api", "compute": "gke", "database": "postgres", "bucket": "true", "k8s_name": "shop-api", "port": "3000"},
			ksa:       "shop-api",
			files:     "README.md,artifact_registry.tf,cloudsql.tf,gcs.tf,gke.tf,network.tf,outputs.tf,providers.tf,terraform.tfvars.example,variables.tf,versions.tf,workload_identity.tf",
			vars:      "db_name,db_tier,db_version,deploy_branch,environment,github_repository,k8s_namespace,master_authorized_networks,name,pods_cidr,project_id,region,services_cidr,subnet_cidr",
			outputs:   "db_connection_name,db_name,db_service_account,db_user,deploy_service_account,gke_cluster_name,gke_location,image_repository,k8s_namespace,uploads_bucket,workload_identity_provider",
			resources: "google_artifact_registry_repository.app,google_artifact_registry_repository_iam_member.deploy_push,google_artifact_registry_repository_iam_member.nodes_pull,google_compute_global_address.private_services,google_compute_network.main,google_compute_router.main,google_compute_router_nat.main,google_compute_subnetwork.gke,google_container_cluster.main,google_iam_workload_identity_pool.github,google_iam_workload_identity_pool_provider.github,google_project_iam_member.db_sql_client,google_project_iam_member.db_sql_user,google_project_iam_member.deploy_gke,google_project_iam_member.nodes,google_service_account.db,google_service_account.deploy,google_service_account.nodes,google_service_account_iam_member.db_ksa,google_service_account_iam_member.deploy_wif,google_service_networking_connection.private_services,google_sql_database.app,google_sql_database_instance.main,google_sql_user.app,google_storage_bucket.uploads,google_storage_bucket_iam_member.app_uploads",
			contains: map[string][]string{
				"network.tf": {`purpose       = "VPC_PEERING"`, `service                 = "servicenetworking.googleapis.com"`},
				"cloudsql.tf": {"ipv4_enabled    = false", "private_network = google_compute_network.main.id", `ssl_mode        = "ENCRYPTED_ONLY"`,
					"depends_on = [google_service_networking_connection.private_services]", `type     = "CLOUD_IAM_SERVICE_ACCOUNT"`,
					`role               = "roles/iam.workloadIdentityUser"`, "member             = local.k8s_principal",
					`value = "on"`, "--impersonate-service-account"},
				"gcs.tf":       {`role   = "roles/storage.objectUser"`, "member = local.k8s_principal", `public_access_prevention    = "enforced"`},
				"outputs.tf":   {"google_service_account.db.email", "google_sql_user.app.name"},
				"README.md":    {"a private IP only", "`db_service_account`", "Cloud SQL Admin, Service Networking", "`shop-api`"},
				"variables.tf": {"its ServiceAccount shop-api there"},
			},
			absent: map[string][]string{
				"cloudsql.tf":          {"ipv4_enabled = true", "authorized_networks", "google_service_account.run", "Cloud Run"},
				"gcs.tf":               {"google_service_account.run"},
				"workload_identity.tf": {"google_cloud_run", "iam.serviceAccountUser"},
			}},
		{name: "cloud run keeps no cluster",
			params:    map[string]string{"cloud": "gcp", "name": "api", "compute": "cloudrun", "database": "postgres", "bucket": "true"},
			files:     "README.md,artifact_registry.tf,cloudrun.tf,cloudsql.tf,gcs.tf,outputs.tf,providers.tf,terraform.tfvars.example,variables.tf,versions.tf,workload_identity.tf",
			vars:      "container_port,db_name,db_tier,db_version,deploy_branch,environment,github_repository,image_tag,name,project_id,public,region",
			outputs:   "db_connection_name,deploy_service_account,image_repository,service_url,uploads_bucket,workload_identity_provider",
			resources: "google_artifact_registry_repository.app,google_artifact_registry_repository_iam_member.deploy_push,google_cloud_run_v2_service.app,google_cloud_run_v2_service_iam_member.deploy,google_cloud_run_v2_service_iam_member.public,google_iam_workload_identity_pool.github,google_iam_workload_identity_pool_provider.github,google_project_iam_member.run_sql_client,google_project_iam_member.run_sql_user,google_service_account.deploy,google_service_account.run,google_service_account_iam_member.deploy_act_as_run,google_service_account_iam_member.deploy_wif,google_sql_database.app,google_sql_database_instance.main,google_sql_user.run,google_storage_bucket.uploads,google_storage_bucket_iam_member.run_uploads",
			contains: map[string][]string{
				"cloudsql.tf": {"ipv4_enabled = true", "Cloud Run connects"},
				"README.md":   {"Cloud Run needs an image to start"},
			},
			absent: map[string][]string{
				"cloudsql.tf":              {"private_network", "depends_on", "k8s_principal"},
				"gcs.tf":                   {"k8s_principal"},
				"workload_identity.tf":     {"container.developer"},
				"README.md":                {"GKE", "master_authorized_networks"},
				"terraform.tfvars.example": {"k8s_namespace"},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			byName, _ := checkRoot(t, tc.params, rootWant{files: tc.files, vars: tc.vars, outputs: tc.outputs, resources: tc.resources,
				contains: tc.contains, absent: tc.absent, provider: "google"})
			if tc.ksa != "" {
				m := reGKEPrincipal.FindStringSubmatch(byName["gke.tf"])
				if m == nil || m[1] != tc.ksa {
					t.Errorf("gke.tf has no Workload Identity Federation for GKE principal of %s: %v\n%s", tc.ksa, m, byName["gke.tf"])
				}
			}
		})
	}
}

func TestDesignGCPCompute(t *testing.T) {
	tests := []struct {
		name         string
		params       map[string]string
		want, absent []string
	}{
		{name: "gke postgres bucket",
			params: map[string]string{"cloud": "gcp", "name": "api", "compute": "gke", "database": "postgres", "bucket": "true"},
			want: []string{
				"- **GKE Autopilot** (chosen):",
				"Autopilot rather than\n  Standard",
				"- **Cloud Run**: one HTTP service",
				"| VPC, subnet with pod and service ranges, Cloud NAT |",
				"| GKE Autopilot cluster + node service account | runs the Kubernetes manifests on private nodes",
				"| Workload Identity Federation for GKE | the Kubernetes ServiceAccount `api`",
				"| Private services access range and peering |",
				"| Cloud SQL PostgreSQL " + mustPostgresMajor(t) + " + login service account | private IP only",
				"GitHub Actions --kubectl apply--> GKE Autopilot cluster (api)",
				"pods --Cloud SQL Auth Proxy, private IP, IAM auth--> Cloud SQL PostgreSQL",
				"pods --Workload Identity Federation for GKE--> Cloud Storage uploads bucket",
				"Kubernetes Engine Developer",
				"IAM cannot scope it to one cluster",
				"`master_authorized_networks`",
				"gets the credentials of `gke_cluster_name`",
				"- kubernetes-specialist: the Deployment and ServiceAccount `api`",
			},
			absent: []string{"**Cloud Run** (chosen)", "Cloud Run service + runtime", "Cloud Run --", "deploys it to the Cloud Run service"}},
		{name: "gke alone",
			params: map[string]string{"cloud": "gcp", "name": "web", "compute": "gke", "k8s_name": "web-front"},
			want:   []string{"- **GKE Autopilot** (chosen):", "pods (web-front)", "RBAC can narrow it) and the nodes' default node service account role."},
			absent: []string{"Cloud SQL", "uploads bucket", "Private services access"}},
		{name: "cloud run",
			params: map[string]string{"cloud": "gcp", "name": "api", "compute": "cloudrun", "database": "postgres"},
			want:   []string{"- **Cloud Run** (chosen):", "- **GKE Autopilot**: for several services", "| Cloud Run service + runtime service account |", "Cloud Run --Cloud SQL connector, IAM auth--> Cloud SQL PostgreSQL"},
			absent: []string{"**GKE Autopilot** (chosen)", "gke_cluster_name", "kubernetes-specialist", "master_authorized_networks"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			task := engine.Task{ID: "architect", Mode: kit.GCPArchitectMode, Params: tc.params}
			cs, err := kittest.New().Work(context.Background(), engine.WorkInput{Task: task, Workspace: fstest.MapFS{}, Issue: engine.Issue{Title: "Run it on Google Cloud"}})
			if err != nil {
				t.Fatal(err)
			}
			f := cs.Get(kit.GCPDesignPath)
			if f == nil {
				t.Fatalf("no %s: %v", kit.GCPDesignPath, cs.Paths())
			}
			got := string(f.Content)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("note lacks %q:\n%s", w, got)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(got, a) {
					t.Errorf("note has %q:\n%s", a, got)
				}
			}
			if strings.Contains(got, "<no value>") {
				t.Errorf("note has an unrendered value:\n%s", got)
			}
		})
	}
}

func mustPostgresMajor(t *testing.T) string {
	t.Helper()
	major, err := kit.PostgresMajor()
	if err != nil || major == "" {
		t.Fatalf("postgresMajor = %q, %v", major, err)
	}
	return major
}
