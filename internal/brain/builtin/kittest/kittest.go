// Package kittest holds the test helpers the built-in specialists' tests
// share: fixtures, gate checks and a stand-in for the built-in brain that
// runs the specialists a package's tests register.
package kittest

import (
	"context"
	"fmt"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// Specialists are the specialists by mode slug that Brain runs; the tests
// of each package set them (in an init of a _test.go file) to the
// specialists they exercise.
var Specialists map[string]kit.Specialist

// Brain runs a task's specialist from Specialists, as the built-in brain
// does for a task without findings or review feedback.
type Brain struct{}

// New returns the stand-in brain.
func New() Brain { return Brain{} }

// Work runs the specialist of the task's mode.
func (Brain) Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	s, ok := Specialists[in.Task.Mode]
	if !ok {
		return nil, fmt.Errorf("kittest: no %s specialist registered by these tests", in.Task.Mode)
	}
	return s(ctx, in)
}
