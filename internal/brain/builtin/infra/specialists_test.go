package infra

import (
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
)

// The shared test helpers run this package's specialists.
func init() {
	kittest.Specialists = map[string]kit.Specialist{kit.InfraMode: Work, kit.AWSArchitectMode: WriteDesign, kit.GCPArchitectMode: WriteDesign, kit.AzureArchitectMode: WriteDesign}
}
