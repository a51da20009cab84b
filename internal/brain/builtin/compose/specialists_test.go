package compose

import (
	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
)

// The shared test helpers run this package's specialist and the container specialist it builds on.
func init() {
	kittest.Specialists = map[string]kit.Specialist{kit.ComposeMode: Work, kit.ContainerMode: container.Work}
}
