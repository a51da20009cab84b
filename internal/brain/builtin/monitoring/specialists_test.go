package monitoring

import (
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
)

// The shared test helpers run this package's specialist.
func init() { kittest.Specialists = map[string]kit.Specialist{kit.MonitoringMode: Work} }
