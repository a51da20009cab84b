package kit

// The slugs of the cloud architects and the design notes they write.
const (
	AWSArchitectMode   = "aws-architect"
	GCPArchitectMode   = "gcp-architect"
	AzureArchitectMode = "azure-architect"

	AWSDesignPath   = "docs/architecture/aws.md"
	GCPDesignPath   = "docs/architecture/gcp.md"
	AzureDesignPath = "docs/architecture/azure.md"
)

// CICDMode is the slug of the CI/CD specialist mode.
const CICDMode = "cicd-specialist"

// ContainerMode is the slug of the container specialist.
const ContainerMode = "containerization-developer"

// InfraMode is the slug of the infrastructure (Terraform) specialist.
const InfraMode = "infrastructure-specialist"

// KubernetesMode is the slug of the Kubernetes specialist.
const KubernetesMode = "kubernetes-specialist"

// The mode slug of the Compose specialist and the task ids of the
// built-in plan contract.
const (
	ComposeMode = "docker-compose-specialist"

	TaskContainer = "container"
	TaskCI        = "ci"
	TaskCompose   = "compose"
)

// The task ids of the infrastructure plan contract, and the modes the
// lead plans besides InfraMode and AWSArchitectMode, under the names the
// lead's planner uses (the Kubernetes, monitoring and Workers slugs).
const (
	PlanK8sMode        = "kubernetes-specialist"
	PlanMonitoringMode = "monitoring-specialist"
	PlanWorkerMode     = "cloudflare-workers-specialist"

	TaskArchitect  = "architect"
	TaskInfra      = "infra"
	TaskK8s        = "k8s"
	TaskMonitoring = "monitoring"
	TaskWorker     = "worker"
	TaskDeploy     = "deploy"
	TaskTerraform  = "terraform"
)

// MonitoringMode is the slug of the monitoring specialist.
const MonitoringMode = "monitoring-specialist"

// WorkerMode is the slug of the Cloudflare Workers specialist.
const WorkerMode = "cloudflare-workers-specialist"
