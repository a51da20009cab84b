package builtin

import "github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"

// The shared test helpers run every specialist of the built-in brain, and
// its lead.
func init() {
	kittest.Specialists = specialists
	kittest.Planner = New().Plan
}
