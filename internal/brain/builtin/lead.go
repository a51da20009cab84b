package builtin

import (
	"context"
	"errors"

	"github.com/devops-lead/devops-lead/internal/engine"
)

// Plan implements engine.Brain. (Skeleton: the lead work fills this in.)
func (b *Brain) Plan(ctx context.Context, in engine.PlanInput) (*engine.Plan, error) {
	return nil, errors.New("builtin lead: not built yet")
}
