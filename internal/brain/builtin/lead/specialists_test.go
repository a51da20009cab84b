package lead

import (
	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/compose"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/infra"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kubernetes"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/monitoring"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/worker"
)

// The shared test helpers run the lead and every specialist.
func init() {
	kittest.Planner = Plan
	kittest.Specialists = map[string]kit.Specialist{
		kit.CICDMode: cicd.Work, kit.ComposeMode: compose.Work, kit.ContainerMode: container.Work,
		kit.InfraMode: infra.Work, kit.KubernetesMode: kubernetes.Work, kit.MonitoringMode: monitoring.Work,
		kit.WorkerMode: worker.Work, kit.AWSArchitectMode: infra.WriteDesign, kit.GCPArchitectMode: infra.WriteDesign,
		kit.AzureArchitectMode: infra.WriteDesign,
	}
}
