package builtin

import "github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"

// The shared test helpers run every specialist of the built-in brain.
func init() { kittest.Specialists = specialists }
