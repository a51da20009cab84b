// Package builtin is the deterministic, offline brain: the lead turns a
// request into a plan with keyword rules over the issue text and the
// detected stack, and each specialist renders embedded templates. It is the
// default when no LLM key is set, and every file it writes must pass the
// validation gate with no errors.
package builtin

import (
	"context"
	"fmt"
	"sort"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// Brain is the built-in brain.
type Brain struct{}

// New returns the built-in brain.
func New() *Brain { return &Brain{} }

// Name implements engine.Brain.
func (*Brain) Name() string { return "builtin" }

// specialist produces the ChangeSet for one task of its mode.
type specialist func(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error)

var specialists = map[string]specialist{}

// registerSpecialist binds a mode slug to its built-in specialist; the
// specialist files call it from init.
func registerSpecialist(slug string, s specialist) {
	if _, dup := specialists[slug]; dup {
		panic("builtin: specialist registered twice: " + slug)
	}
	specialists[slug] = s
}

// Specialists lists the mode slugs the built-in brain can work as.
func Specialists() []string {
	out := make([]string, 0, len(specialists))
	for s := range specialists {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Work implements engine.Brain: it runs the task's specialist. The
// built-in specialists never produce a gate error, so a repair round
// (in.Findings set) is answered with a clear failure instead of a retry.
func (b *Brain) Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	s, ok := specialists[in.Task.Mode]
	if !ok {
		return nil, fmt.Errorf("the built-in brain has no %s specialist (set GEMINI_API_KEY to use the Gemini brain)", in.Task.Mode)
	}
	if len(in.Findings) > 0 {
		return nil, fmt.Errorf("built-in %s output failed the gate (%s); this is a bug in devops-lead, please report it",
			in.Task.Mode, in.Findings[0].String())
	}
	return s(ctx, in)
}
