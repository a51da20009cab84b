package builtin

import (
	"context"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// A failing CI that a minimal patch cannot fix is left as it is: no
// delete, no replacement, no second CI beside it, and the plan says why.
func TestCICDLeavesUnpatchableCI(t *testing.T) {
	cases := map[string]struct{ wf, why string }{
		"another major": {strings.Replace(kittest.CIPatchableWF, "checkout@v6", "checkout@v5", 1), "another major version"},
		"a branch ref":  {strings.Replace(kittest.CIPatchableWF, "checkout@v6", "checkout@main", 1), "follows a branch"},
		"not in the table": {strings.Replace(kittest.CIPatchableWF, "actions/checkout@v6", "someone/checkout@v6", 1),
			"not in the pins table"},
		"a job that writes": {strings.Replace(kittest.CIPatchableWF, "- run: go test ./...", "- run: go test ./...\n      - run: gh release upload v1 dist/*", 1),
			"may need to write"},
		"an actionlint error": {strings.Replace(kittest.CIPatchableWF, "runs-on: ubuntu-latest", "runs-on: ${{ matrix.os }}", 1), "more than pinning and permissions"},
	}
	for name, c := range cases {
		files := kittest.CIWithFiles(kittest.CIGoRepo, ".github/workflows/test.yml", c.wf)
		cs, err := kittest.CIWork(t, files, kittest.CIGoService, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !cs.Empty() {
			t.Errorf("%s: the unpatchable test.yml got %v", name, cs.Paths())
		}
		p, err := New().Plan(context.Background(), engine.PlanInput{Issue: engine.Issue{Title: "add CI"}, Repo: &stack.Repo{Services: kittest.CIGoService}, Workspace: kittest.CIMapFS(files)})
		if err != nil {
			t.Fatal(err)
		}
		notes := strings.Join(p.Notes, "\n")
		if !strings.Contains(notes, "test.yml runs the tests of . but fails the gate") || !strings.Contains(notes, "left as it is") || !strings.Contains(notes, c.why) {
			t.Errorf("%s: the plan's notes do not say why test.yml is left alone:\n%s", name, notes)
		}
		if ci := kittest.Task(p, kit.TaskCI); ci == nil || len(ci.Files) != 0 {
			t.Errorf("%s: the ci task should name no files (nothing to write): %+v", name, ci)
		}
	}
}
