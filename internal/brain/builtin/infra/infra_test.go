package infra

import (
	"context"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// infraWork runs the infrastructure specialist on params over fsys.
func infraWork(t *testing.T, params map[string]string, fsys fstest.MapFS) (*change.ChangeSet, error) {
	t.Helper()
	task := engine.Task{ID: "infra", Mode: kit.InfraMode, Params: params}
	return kittest.New().Work(context.Background(), engine.WorkInput{Task: task, Workspace: fsys})
}

func keys[V any](m map[string]V) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestInfraAWS(t *testing.T) {
	tests := []struct {
		name     string
		params   map[string]string
		files    string
		vars     string
		outputs  string
		contains map[string][]string
	}{
		{name: "app runner postgres bucket",
			params:  map[string]string{"cloud": "aws", "name": "API Server", "compute": "apprunner", "database": "postgres", "bucket": "true", "port": "3000"},
			files:   "README.md,apprunner.tf,ecr.tf,github_oidc.tf,network.tf,outputs.tf,providers.tf,rds.tf,s3.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    "container_port,cpu,db_allocated_storage,db_engine_version,db_instance_class,db_name,db_username,deploy_branch,environment,github_oidc_provider_arn,github_repository,image_tag,memory,name,region,vpc_cidr",
			outputs: "db_credentials_secret_arn,db_endpoint,deploy_role_arn,ecr_repository_url,service_arn,service_url,uploads_bucket",
			contains: map[string][]string{
				"versions.tf":  {`version = "~> 6.0"`, `required_version = ">= 1.6"`, `#   backend "s3" {}`},
				"variables.tf": {`default     = "api-server"`, `default     = 3000`},
				"network.tf":   {`aws_vpc_endpoint" "s3"`},
				"rds.tf":       {"publicly_accessible         = false", "manage_master_user_password = true"},
				"apprunner.tf": {"UPLOADS_BUCKET", "DATABASE_CREDENTIALS", `egress_type       = "VPC"`},
			}},
		{name: "app runner only",
			params:  map[string]string{"cloud": "aws", "name": "web", "compute": "apprunner"},
			files:   "README.md,apprunner.tf,ecr.tf,github_oidc.tf,outputs.tf,providers.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    "container_port,cpu,deploy_branch,environment,github_oidc_provider_arn,github_repository,image_tag,memory,name,region",
			outputs: "deploy_role_arn,ecr_repository_url,service_arn,service_url",
			contains: map[string][]string{
				"variables.tf": {"default     = 8080"},
				"apprunner.tf": {"auto_deployments_enabled = false"},
			}},
		{name: "bucket only",
			params:   map[string]string{"cloud": "aws", "name": "uploads", "bucket": "true"},
			files:    "README.md,outputs.tf,providers.tf,s3.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:     "environment,name,region",
			outputs:  "uploads_bucket",
			contains: map[string][]string{"s3.tf": {"restrict_public_buckets = true", `sse_algorithm = "aws:kms"`, `status = "Enabled"`}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRoot(t, tc.params, rootWant{files: tc.files, vars: tc.vars, outputs: tc.outputs, contains: tc.contains, provider: "aws"})
		})
	}
}

// TestInfraExistingRoot adds to an existing root: its versions, provider
// and variables are reused, and a taken file name is not overwritten.
func TestInfraExistingRoot(t *testing.T) {
	existing := fstest.MapFS{
		"terraform/main.tf": {Data: []byte(`terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  type        = string
  description = "Region."
}
`)},
		"terraform/s3.tf": {Data: []byte("# mine\n")},
	}
	cs, err := infraWork(t, map[string]string{"cloud": "aws", "name": "api", "bucket": "true", "dir": "terraform"}, existing)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range cs.Files {
		names = append(names, f.Path)
	}
	sort.Strings(names)
	want := "terraform/README.md,terraform/aws_s3.tf,terraform/outputs.tf,terraform/terraform.tfvars.example,terraform/variables.tf"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("files = %s, want %s", got, want)
	}
	if strings.Contains(string(cs.Get("terraform/variables.tf").Content), `"region"`) {
		t.Error("variables.tf declares region again")
	}
	kittest.InfraGate(t, kit.InfraMode, cs)
	mod := kittest.LoadRoot(t, cs, "terraform", existing)
	if got := keys(mod.Variables); got != "environment,name,region" {
		t.Errorf("variables = %s", got)
	}
}

// TestInfraExistingOtherProvider: a root that pins only google gets the
// aws pin in aws_versions.tf.
func TestInfraExistingOtherProvider(t *testing.T) {
	existing := fstest.MapFS{"infra/versions.tf": {Data: []byte(`terraform {
  required_version = ">= 1.6"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.19"
    }
  }
}
`)}}
	cs, err := infraWork(t, map[string]string{"cloud": "aws", "bucket": "true"}, existing)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Get("infra/aws_versions.tf") == nil {
		t.Fatalf("no aws_versions.tf: %v", cs.Paths())
	}
	kittest.InfraGate(t, kit.InfraMode, cs)
	mod := kittest.LoadRoot(t, cs, "infra", existing)
	if mod.RequiredProviders["aws"] == nil || mod.RequiredProviders["google"] == nil {
		t.Errorf("required providers = %v", keys(mod.RequiredProviders))
	}
}

func TestInfraRefuses(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"cloud": "digitalocean"}, "aws, gcp and azure"},
		{map[string]string{"cloud": "aws", "compute": "lambda"}, "compute=apprunner|ecs|eks;"},
		{map[string]string{"cloud": "gcp", "compute": "apprunner"}, "compute=cloudrun|gke;"},
		{map[string]string{"cloud": "azure", "compute": "aks", "k8s_namespace": "Prod"}, "k8s_namespace"},
		{map[string]string{"cloud": "aws", "compute": "apprunner", "health_path": "healthz"}, "absolute URL path"},
		{map[string]string{"cloud": "aws", "database": "postgres"}, "without a service"},
		{map[string]string{"cloud": "aws", "compute": "apprunner", "port": "99999"}, "1 to 65535"},
		{map[string]string{"cloud": "aws", "dir": "../x"}, "relative path"},
	} {
		_, err := infraWork(t, tc.params, fstest.MapFS{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.params, err, tc.want)
		}
	}
	_, err := infraWork(t, map[string]string{"cloud": "aws"}, fstest.MapFS{"infra/bad.tf": {Data: []byte("resource {")}})
	if err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("broken root: err = %v", err)
	}
}

func TestInfraGCP(t *testing.T) {
	tests := []struct {
		name, files, vars, outputs string
		params                     map[string]string
		contains                   map[string][]string
	}{
		{name: "cloud run postgres bucket",
			params:  map[string]string{"cloud": "gcp", "name": "api", "compute": "cloudrun", "database": "postgres", "bucket": "true", "port": "3000"},
			files:   "README.md,artifact_registry.tf,cloudrun.tf,cloudsql.tf,gcs.tf,outputs.tf,providers.tf,terraform.tfvars.example,variables.tf,versions.tf,workload_identity.tf",
			vars:    "container_port,db_name,db_tier,db_version,deploy_branch,environment,github_repository,image_tag,name,project_id,public,region",
			outputs: "db_connection_name,deploy_service_account,image_repository,service_url,uploads_bucket,workload_identity_provider",
			contains: map[string][]string{
				"versions.tf":          {`source  = "hashicorp/google"`, `version = "` + kit.TFVersions["google"].Constraint + `"`, `#   backend "gcs" {}`},
				"cloudsql.tf":          {`ssl_mode     = "ENCRYPTED_ONLY"`, "CLOUD_IAM_SERVICE_ACCOUNT"},
				"gcs.tf":               {`public_access_prevention    = "enforced"`, "roles/storage.objectUser"},
				"workload_identity.tf": {"attribute_condition", "principalSet://"},
				"cloudrun.tf":          {"UPLOADS_BUCKET", "cloud_sql_instance"},
			}},
		{name: "gcs only",
			params:   map[string]string{"cloud": "gcp", "name": "files", "bucket": "true"},
			files:    "README.md,gcs.tf,outputs.tf,providers.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:     "environment,name,project_id,region",
			outputs:  "uploads_bucket",
			contains: map[string][]string{"gcs.tf": {"uniform_bucket_level_access = true"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRoot(t, tc.params, rootWant{files: tc.files, vars: tc.vars, outputs: tc.outputs, contains: tc.contains, provider: "google"})
		})
	}
}

func TestInfraAzure(t *testing.T) {
	tests := []struct {
		name, files, vars, outputs string
		params                     map[string]string
		contains                   map[string][]string
	}{
		{name: "container apps postgres storage",
			params:  map[string]string{"cloud": "azure", "name": "api", "compute": "containerapps", "database": "postgres", "bucket": "true"},
			files:   "README.md,acr.tf,containerapp.tf,identity.tf,main.tf,network.tf,outputs.tf,postgres.tf,providers.tf,storage.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    "container_port,cpu,db_name,db_sku,db_storage_mb,db_version,deploy_branch,environment,github_repository,image_tag,location,memory,name,registry_name,storage_account_name,vnet_cidr",
			outputs: "app_url,container_app_name,db_host,deploy_client_id,registry_login_server,resource_group,tenant_id,uploads_blob_endpoint",
			contains: map[string][]string{
				"versions.tf": {`source  = "hashicorp/azurerm"`, `#   backend "azurerm" {}`},
				"storage.tf":  {`min_tls_version                 = "TLS1_2"`, "allow_nested_items_to_be_public = false", "public_network_access_enabled   = false"},
				"postgres.tf": {"public_network_access_enabled = false", "password_auth_enabled         = false"},
				"identity.tf": {"azurerm_federated_identity_credential", "api://AzureADTokenExchange"},
				"acr.tf":      {"admin_enabled       = false"},
			}},
		{name: "storage only",
			params:  map[string]string{"cloud": "azure", "name": "files", "bucket": "true"},
			files:   "README.md,main.tf,network.tf,outputs.tf,providers.tf,storage.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    "environment,location,name,storage_account_name,vnet_cidr",
			outputs: "resource_group,uploads_blob_endpoint",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRoot(t, tc.params, rootWant{files: tc.files, vars: tc.vars, outputs: tc.outputs, contains: tc.contains, provider: "azurerm"})
		})
	}
}

// TestInfraPostgresMajor: both clouds default to the images.yaml major.
func TestInfraPostgresMajor(t *testing.T) {
	major, err := kit.PostgresMajor()
	if err != nil || major == "" {
		t.Fatalf("postgresMajor = %q, %v", major, err)
	}
	aws, err := infraWork(t, map[string]string{"cloud": "aws", "compute": "apprunner", "database": "postgres"}, fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	if v := string(aws.Get("infra/variables.tf").Content); !strings.Contains(v, `default     = "`+major+`"`) {
		t.Errorf("aws variables.tf lacks engine version %s", major)
	}
	gcp, err := infraWork(t, map[string]string{"cloud": "gcp", "compute": "cloudrun", "database": "postgres"}, fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	if v := string(gcp.Get("infra/variables.tf").Content); !strings.Contains(v, `"POSTGRES_`+major+`"`) {
		t.Errorf("gcp variables.tf lacks POSTGRES_%s", major)
	}
}

func TestInfraName(t *testing.T) {
	for in, want := range map[string]string{"API Server": "api-server", "": "app", "9lives": "app-9lives", "a-very-long-service-name-indeed": "a-very-long-service"} {
		if got := InfraName(in); got != want {
			t.Errorf("infraName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestInfraClusterNamespace: the namespace the plan deploys to (the
// production overlay's with kustomize) is the root's k8s_namespace
// default, so the deploy identity and the app's federation name the
// namespace the manifests land in.
func TestInfraClusterNamespace(t *testing.T) {
	for cloud, compute := range map[string]string{"aws": "eks", "gcp": "gke", "azure": "aks"} {
		for _, ns := range []string{"", "production"} {
			params := map[string]string{"cloud": cloud, "compute": compute, "name": "shop", "k8s_name": "shop-api"}
			if ns != "" {
				params["k8s_namespace"] = ns
			}
			cs, err := infraWork(t, params, fstest.MapFS{})
			if err != nil {
				t.Fatal(err)
			}
			mod := kittest.LoadRoot(t, cs, "infra", nil)
			v := mod.Variables["k8s_namespace"]
			want := ns
			if want == "" {
				want = "default"
			}
			if v == nil || v.Default != want {
				t.Errorf("%s/%s k8s_namespace=%q: variable = %+v, want default %q", cloud, compute, ns, v, want)
			}
			var named bool
			for _, f := range cs.Files {
				named = named || strings.Contains(string(f.Content), "shop-api")
			}
			if !named {
				t.Errorf("%s/%s: no file names the ServiceAccount shop-api", cloud, compute)
			}
		}
	}
}
