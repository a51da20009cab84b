package lead

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/compose"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

func BenchmarkPlan(b *testing.B) {
	repo, fsys := kittest.MonoRepo()
	in := engine.PlanInput{Issue: engine.Issue{Title: "Add CI, containerize the services, publish to GHCR and add compose with postgres and redis"},
		Repo: repo, Workspace: fsys}
	for b.Loop() {
		if _, err := kittest.New().Plan(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkContainerAndCompose(b *testing.B) {
	repo, fsys := kittest.MonoRepo()
	for b.Loop() {
		cs, err := container.Work(context.Background(), engine.WorkInput{Task: engine.Task{ID: "container", Mode: kit.ContainerMode}, Repo: repo, Workspace: fsys})
		if err != nil {
			b.Fatal(err)
		}
		task := engine.Task{ID: "compose", Mode: kit.ComposeMode, Params: map[string]string{"backing": "postgres,redis"}}
		if _, err := compose.Work(context.Background(), engine.WorkInput{Task: task, Repo: repo, Workspace: fsys, Deps: []*change.ChangeSet{cs}}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPlanLongIssue checks a maximal issue body (GitHub caps bodies at
// 65,536 characters) plans quickly: matching is linear in the text.
func TestPlanLongIssue(t *testing.T) {
	repo, fsys := kittest.GoRepo()
	body := strings.Repeat("please print add ci the lorem ipsum dolor ", 1600)[:65536]
	start := time.Now()
	p, err := kittest.New().Plan(context.Background(), engine.PlanInput{Issue: engine.Issue{Title: "x", Body: body}, Repo: repo, Workspace: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("planning a 64 KiB issue took %v", d)
	}
	if kittest.TaskIDs(p) != "ci" {
		t.Errorf("tasks = %q", kittest.TaskIDs(p))
	}
}
