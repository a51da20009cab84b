// Package builtin is the deterministic, offline brain: the lead turns a
// request into a plan with keyword rules over the issue text and the
// detected stack, and each specialist renders embedded templates. It is the
// default when no LLM key is set, and every file it writes must pass the
// validation gate with no errors.
//
// This package only binds the parts together: the lead is package lead,
// review handling package revise, each specialist its own package (cicd,
// compose, container, infra, kubernetes, monitoring, worker), and what
// several of them share is package kit. README.md lists them.
package builtin

import (
	"context"
	"fmt"
	"sort"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/compose"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/infra"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kubernetes"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/lead"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/monitoring"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/revise"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/worker"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// Brain is the built-in brain.
type Brain struct {
	// Digests resolves image tags to registry digests when a review asks
	// to pin images; nil means registry.FromEnv() (each image's own
	// registry, or DEVOPS_LEAD_REGISTRY_MIRROR).
	Digests DigestResolver
}

// DigestResolver resolves an image reference with a tag to the digest its
// registry serves ("sha256:…"); *registry.Resolver is the production one.
type DigestResolver = revise.DigestResolver

// New returns the built-in brain.
func New() *Brain { return &Brain{} }

// Name implements engine.Brain.
func (*Brain) Name() string { return "builtin" }

// specialist produces the ChangeSet for one task of its mode.
type specialist = kit.Specialist

// specialists binds each mode slug to its built-in specialist.
var specialists = map[string]specialist{
	kit.AWSArchitectMode:   infra.WriteDesign,
	kit.GCPArchitectMode:   infra.WriteDesign,
	kit.AzureArchitectMode: infra.WriteDesign,
	kit.CICDMode:           cicd.Work,
	kit.ComposeMode:        compose.Work,
	kit.ContainerMode:      container.Work,
	kit.InfraMode:          infra.Work,
	kit.KubernetesMode:     kubernetes.Work,
	kit.MonitoringMode:     monitoring.Work,
	kit.WorkerMode:         worker.Work,
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

// Plan implements engine.Brain: the lead plans the request (see package
// lead).
func (b *Brain) Plan(ctx context.Context, in engine.PlanInput) (*engine.Plan, error) {
	return lead.Plan(ctx, in)
}

// Work implements engine.Brain: it runs the task's specialist. The
// built-in specialists never produce a gate error on lines they write, so
// a repair round (in.Findings set) is answered with a clear failure.
func (b *Brain) Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	s, ok := specialists[in.Task.Mode]
	if !ok {
		return nil, fmt.Errorf("the built-in brain has no %s specialist (set GEMINI_API_KEY to use the Gemini brain)", in.Task.Mode)
	}
	if len(in.Findings) > 0 {
		// Findings on lines the repository's file already had are not
		// this change's: the engine reports them as warnings, so a
		// repair round here means a line this brain wrote is wrong.
		return nil, fmt.Errorf("built-in %s output failed the gate (%s); this is a bug in devops-lead, please report it",
			in.Task.Mode, in.Findings[0].String())
	}
	if len(in.Feedback) > 0 {
		return revise.Revise(ctx, in, s, b.Digests)
	}
	return s(ctx, in)
}
