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
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/compose"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/infra"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kubernetes"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/lead"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/monitoring"
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
		return b.revise(ctx, in, s)
	}
	return s(ctx, in)
}

// revised is the task as the built-in lead plans it when the reviewers'
// comments are read as part of the request: "add autoscaling" on the
// Kubernetes pull request turns its autoscaling param on. The built-in
// brain understands what its lead understands in a request, no more; a
// review it cannot act on gives the same task, and so the same files.
func (b *Brain) revised(ctx context.Context, in engine.WorkInput) (engine.Task, error) {
	var asked []string
	for _, f := range in.Feedback {
		if s := strings.TrimSpace(f.Body); s != "" {
			asked = append(asked, s)
		}
	}
	issue := in.Issue
	issue.Body = strings.TrimSpace(issue.Body + "\n\n" + strings.Join(asked, "\n\n"))
	p, err := b.Plan(ctx, engine.PlanInput{Issue: issue, Repo: in.Repo, Workspace: in.Workspace})
	if err != nil {
		return engine.Task{}, fmt.Errorf("read the review as part of the request: %w", err)
	}
	var ids []string
	for _, t := range p.Tasks {
		if t.ID == in.Task.ID && t.Mode == in.Task.Mode {
			return t, nil
		}
		ids = append(ids, t.ID)
	}
	return engine.Task{}, fmt.Errorf("with the review read as part of the request, the built-in lead no longer plans task %q (it plans: %s); ask for the change on the issue with `/devops plan <what you need>`",
		in.Task.ID, strings.Join(ids, ", "))
}
