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
)

func TestInfraAWSCompute(t *testing.T) {
	const ecsVars = "certificate_arn,container_port,deploy_branch,desired_count,environment,github_oidc_provider_arn,github_repository,image_tag,log_retention_days,name,region,task_cpu,task_memory,vpc_cidr"
	const eksVars = "cluster_admin_arns,cluster_public_access_cidrs,deploy_branch,environment,github_oidc_provider_arn,github_repository,k8s_namespace,kubernetes_version,log_retention_days,name,region,vpc_cidr"
	const dbVars = "db_allocated_storage,db_engine_version,db_instance_class,db_name,db_username"
	tests := []struct {
		name     string
		params   map[string]string
		files    string
		vars     string
		outputs  string
		contains map[string][]string
		absent   map[string][]string
	}{
		{name: "ecs alone",
			params:  map[string]string{"cloud": "aws", "name": "web", "compute": "ecs"},
			files:   "README.md,alb.tf,ecr.tf,ecs.tf,github_oidc.tf,network.tf,outputs.tf,providers.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    ecsVars,
			outputs: "deploy_role_arn,ecr_repository_url,ecs_cluster_name,ecs_service_name,service_url",
			contains: map[string][]string{
				"network.tf": {`resource "aws_subnet" "public"`, "map_public_ip_on_launch = false", `resource "aws_nat_gateway" "main"`,
					"nat_gateway_id         = aws_nat_gateway.main.id", "ONE NAT gateway", `resource "aws_vpc_endpoint" "s3"`,
					`description = "ECS tasks of ${var.name}: reachable from the load balancer only"`},
				"alb.tf": {"internal                   = false", "subnets                    = aws_subnet.public[*].id",
					"drop_invalid_header_fields = true", `target_type          = "ip"`, `path                = "/"`, `port                = "traffic-port"`,
					`ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"`, "count             = var.certificate_arn == null ? 0 : 1",
					`type             = var.certificate_arn == null ? "forward" : "redirect"`, `status_code = "HTTP_301"`,
					`cidr_ipv4         = "0.0.0.0/0"`, "referenced_security_group_id = aws_security_group.alb.id"},
				"ecs.tf": {`value = "enabled"`, "retention_in_days = var.log_retention_days",
					`requires_compatibilities = ["FARGATE"]`, `network_mode             = "awsvpc"`, "cpu                      = var.task_cpu",
					`image                  = "${aws_ecr_repository.app.repository_url}:${var.image_tag}"`,
					"readonlyRootFilesystem = true", "privileged             = false", `logDriver = "awslogs"`,
					"assign_public_ip = false", "subnets          = aws_subnet.private[*].id", "desired_count                     = var.desired_count",
					"enable   = true", "rollback = true", "health_check_grace_period_seconds = 60", "target_group_arn = aws_lb_target_group.app.arn",
					"Resource = aws_ecr_repository.app.arn", `Resource = "${aws_cloudwatch_log_group.app.arn}:*"`},
				"github_oidc.tf": {`Action   = ["ecs:DescribeServices", "ecs:UpdateService"]`, "Resource = aws_ecs_service.app.id"},
				"variables.tf":   {"default     = 8080", "default     = 2", "default     = null", `default     = "production"`},
				"outputs.tf":     {`"${var.certificate_arn == null ? "http" : "https"}://${aws_lb.app.dns_name}"`},
				"README.md":      {"an ECS cluster", "`certificate_arn`"},
			},
			absent: map[string][]string{
				"ecs.tf":         {"UPLOADS_BUCKET", "DATABASE_", "secretsmanager", `"aws_iam_role_policy" "ecs_task"`},
				"github_oidc.tf": {"apprunner", `"iam:PassRole"`, "eks:"},
				"network.tf":     {`"aws_security_group" "db"`, "app_to_s3", "kubernetes.io"},
			}},
		{name: "ecs postgres bucket",
			params:  map[string]string{"cloud": "aws", "name": "API Server", "compute": "ecs", "database": "postgres", "bucket": "true", "port": "3000", "health_path": "/healthz"},
			files:   "README.md,alb.tf,ecr.tf,ecs.tf,github_oidc.tf,network.tf,outputs.tf,providers.tf,rds.tf,s3.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    mergeKeys(ecsVars, dbVars),
			outputs: "db_credentials_secret_arn,db_endpoint,deploy_role_arn,ecr_repository_url,ecs_cluster_name,ecs_service_name,service_url,uploads_bucket",
			contains: map[string][]string{
				"alb.tf":       {`path                = "/healthz"`},
				"variables.tf": {`default     = "api-server"`, "default     = 3000"},
				"network.tf":   {`"aws_vpc_security_group_ingress_rule" "db_from_app"`, "referenced_security_group_id = aws_security_group.app.id"},
				"ecs.tf": {`{ name = "UPLOADS_BUCKET", value = aws_s3_bucket.uploads.bucket }`, `{ name = "DATABASE_HOST", value = aws_db_instance.main.address }`,
					`{ name = "DATABASE_CREDENTIALS", valueFrom = aws_db_instance.main.master_user_secret[0].secret_arn }`,
					`Resource = "${aws_s3_bucket.uploads.arn}/*"`, `"aws_iam_role_policy" "ecs_task"`,
					"Resource = aws_db_instance.main.master_user_secret[0].secret_arn"},
				"rds.tf": {"publicly_accessible         = false", "storage_encrypted           = true"},
			},
			absent: map[string][]string{"network.tf": {"App Runner", "app_to_s3"}}},
		{name: "eks alone",
			params:  map[string]string{"cloud": "aws", "name": "web", "compute": "eks"},
			files:   "README.md,ecr.tf,eks.tf,github_oidc.tf,network.tf,outputs.tf,providers.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    eksVars,
			outputs: "deploy_role_arn,ecr_repository_url,eks_cluster_name,k8s_namespace",
			contains: map[string][]string{
				"eks.tf": {"bootstrap_self_managed_addons = false", "enabled       = true", `node_pools    = ["general-purpose"]`,
					"node_role_arn = aws_iam_role.eks_node.arn", "elastic_load_balancing {", "block_storage {",
					`authentication_mode                         = "API"`, "bootstrap_cluster_creator_admin_permissions = false",
					"subnet_ids              = aws_subnet.private[*].id", "endpoint_private_access = true", "endpoint_public_access  = true",
					"public_access_cidrs     = var.cluster_public_access_cidrs", `resources = ["secrets"]`, "key_arn = aws_kms_key.eks.arn",
					"enable_key_rotation     = true", `enabled_cluster_log_types     = ["api", "audit", "authenticator"]`,
					`name              = "/aws/eks/${var.name}/cluster"`, "retention_in_days = var.log_retention_days",
					`["AmazonEKSClusterPolicy", "AmazonEKSComputePolicy", "AmazonEKSBlockStoragePolicy", "AmazonEKSLoadBalancingPolicy", "AmazonEKSNetworkingPolicy"]`,
					`["AmazonEKSWorkerNodeMinimalPolicy", "AmazonEC2ContainerRegistryPullOnly"]`, `Action    = ["sts:AssumeRole", "sts:TagSession"]`},
				"github_oidc.tf": {`Action   = ["eks:DescribeCluster"]`, "Resource = aws_eks_cluster.main.arn", `resource "aws_eks_access_entry" "deploy"`,
					"cluster-access-policy/AmazonEKSEditPolicy", `type       = "namespace"`, "namespaces = [var.k8s_namespace]"},
				"network.tf":   {`"kubernetes.io/role/elb" = "1"`, `"kubernetes.io/role/internal-elb" = "1"`, "cidrsubnet(var.vpc_cidr, 4, count.index)", `resource "aws_nat_gateway" "main"`},
				"variables.tf": {`default     = ["0.0.0.0/0"]`, `default     = "default"`},
			},
			absent: map[string][]string{
				"eks.tf":         {"aws_eks_pod_identity_association", "pods.eks.amazonaws.com"},
				"github_oidc.tf": {"apprunner", "ecs:", "AmazonEKSClusterAdminPolicy"},
				"network.tf":     {`"aws_security_group" "app"`, `"aws_security_group" "db"`},
				"variables.tf":   {"image_tag", "container_port", "App Runner"},
			}},
		{name: "eks postgres bucket",
			params:  map[string]string{"cloud": "aws", "name": "API Server", "compute": "eks", "database": "postgres", "bucket": "true", "k8s_name": "api"},
			files:   "README.md,ecr.tf,eks.tf,github_oidc.tf,network.tf,outputs.tf,providers.tf,rds.tf,s3.tf,terraform.tfvars.example,variables.tf,versions.tf",
			vars:    mergeKeys(eksVars, dbVars),
			outputs: "db_credentials_secret_arn,db_endpoint,deploy_role_arn,ecr_repository_url,eks_cluster_name,k8s_namespace,uploads_bucket",
			contains: map[string][]string{
				"eks.tf": {`Principal = { Service = "pods.eks.amazonaws.com" }`, `"aws:RequestTag/kubernetes-service-account" = "api"`,
					`"aws:RequestTag/kubernetes-namespace"       = var.k8s_namespace`, `service_account = "api"`, "namespace       = var.k8s_namespace",
					"role_arn        = aws_iam_role.app.arn", `Resource = "${aws_s3_bucket.uploads.arn}/*"`,
					"Resource = aws_db_instance.main.master_user_secret[0].secret_arn"},
				"network.tf": {`"aws_vpc_security_group_ingress_rule" "db_from_cluster"`,
					"referenced_security_group_id = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id", "from_port                    = 5432"},
				"README.md": {"EKS Pod Identity role for the service account `api`"},
			},
			absent: map[string][]string{"network.tf": {"aws_security_group.app", "App Runner"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			byName, _ := checkRoot(t, tc.params, rootWant{files: tc.files, vars: tc.vars, outputs: tc.outputs,
				contains: tc.contains, absent: tc.absent, provider: "aws"})
			for n, src := range byName {
				if strings.Contains(src, "apprunner") || strings.Contains(src, "App Runner") {
					t.Errorf("%s of a %s root mentions App Runner", n, tc.params["compute"])
				}
			}
		})
	}
}

// mergeKeys joins two comma-separated key lists, sorted.
func mergeKeys(a, b string) string {
	all := append(strings.Split(a, ","), strings.Split(b, ",")...)
	sort.Strings(all)
	return strings.Join(all, ",")
}

func TestDesignAWSCompute(t *testing.T) {
	tests := []struct {
		name         string
		params       map[string]string
		want, absent []string
	}{
		{name: "ecs postgres bucket",
			params: map[string]string{"cloud": "aws", "name": "api", "compute": "ecs", "database": "postgres", "bucket": "true", "health_path": "/healthz"},
			want: []string{
				"- **ECS on Fargate** (chosen):",
				"- **App Runner**: one HTTP service",
				"- **EKS**: worth it only",
				"| VPC: two public and two private subnets, internet gateway, one NAT gateway, S3 gateway endpoint |",
				"| Application Load Balancer, target group, listeners | internet-facing in the public subnets, drops invalid headers, checks GET /healthz on port 8080;",
				"| ECS cluster (Container Insights), task definition, service |",
				"| IAM roles: task execution, task |",
				"| Database security group | the database has no public address; only the tasks' security group reaches port 5432 |",
				"users --HTTP(S)--> load balancer (public subnets) --> ECS tasks (private subnets)",
				"ECS tasks --security group--> RDS PostgreSQL (private subnets)",
				"ECS tasks --task role--> S3 uploads bucket (gateway endpoint)",
				"forces a new deployment of `ecs_service_name` in\n  `ecs_cluster_name`",
			},
			absent: []string{"**App Runner** (chosen)", "VPC connector", "`service_arn`", "App Runner service |"}},
		{name: "eks postgres bucket",
			params: map[string]string{"cloud": "aws", "name": "api", "compute": "eks", "database": "postgres", "bucket": "true", "k8s_name": "shop-api"},
			want: []string{
				"- **EKS** (chosen):",
				"- **ECS on Fargate**: more control",
				"| EKS cluster in Auto Mode |",
				"| KMS key (rotation on) | encrypts Kubernetes Secrets in etcd |",
				"| IAM roles: cluster, node |",
				"| GitHub OIDC provider + deploy role + access entry |",
				"| EKS Pod Identity role + association | the service account `shop-api`",
				"only the cluster's security group reaches port 5432",
				"GitHub Actions --kubectl apply (access entry, one namespace)--> EKS API (api)",
				"pods --Pod Identity--> S3 uploads bucket (gateway endpoint)",
				"pods --cluster security group--> RDS PostgreSQL (private subnets)",
				"applies\n  the manifests to `eks_cluster_name` in `k8s_namespace`",
				"`eks.amazonaws.com/alb`",
			},
			absent: []string{"**App Runner** (chosen)", "**ECS on Fargate** (chosen)", "VPC connector", "`service_arn`", "ECS tasks"}},
		{name: "eks alone",
			params: map[string]string{"cloud": "aws", "name": "web", "compute": "eks"},
			want:   []string{"- **EKS** (chosen):", "pods of web (private subnets)"},
			absent: []string{"PostgreSQL", "S3 uploads bucket", "Pod Identity role"}},
		{name: "app runner unchanged",
			params: map[string]string{"cloud": "aws", "name": "api", "compute": "apprunner"},
			want:   []string{"- **App Runner** (chosen):", "Ask for \"ECS\" when that control is needed.", "starts an App Runner deployment of `service_arn`"},
			absent: []string{"(chosen): more control", "EKS cluster", "NAT gateway, S3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			task := engine.Task{ID: "architect", Mode: kit.AWSArchitectMode, Params: tc.params}
			cs, err := kittest.New().Work(context.Background(), engine.WorkInput{Task: task, Workspace: fstest.MapFS{}, Issue: engine.Issue{Title: "Host it on AWS"}})
			if err != nil {
				t.Fatal(err)
			}
			f := cs.Get(kit.AWSDesignPath)
			if f == nil || len(cs.Files) != 1 {
				t.Fatalf("want only %s: %v", kit.AWSDesignPath, cs.Paths())
			}
			got := string(f.Content)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the note lacks %q:\n%s", w, got)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(got, a) {
					t.Errorf("the note has %q:\n%s", a, got)
				}
			}
			kittest.InfraGate(t, kit.AWSArchitectMode, cs)
		})
	}
}
