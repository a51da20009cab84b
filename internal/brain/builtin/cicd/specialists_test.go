package cicd

import (
	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kubernetes"
)

// The shared test helpers run this package's specialist and those whose output its tests build on.
func init() {
	kittest.Specialists = map[string]kit.Specialist{kit.CICDMode: Work, kit.KubernetesMode: kubernetes.Work, kit.ContainerMode: container.Work}
}
