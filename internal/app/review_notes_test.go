package app

import (
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
)

// TestRevisedTextListsNotes: the reply to a revision lists what the brain
// did for the review and names what it did not do.
func TestRevisedTextListsNotes(t *testing.T) {
	cs := change.New("container", "container-specialist")
	cs.Notes = []string{"Done for the review: EXPOSE 8081 in `Dockerfile`.", "Not done: pin node:22 by digest: registry unreachable."}
	got := revisedText("0123456789abcdef", []github.FileChange{{Path: "Dockerfile"}}, engine.TaskResult{ChangeSet: cs})
	for _, want := range []string{"- `Dockerfile`", "\n- Done for the review: EXPOSE 8081", "\n- Not done: pin node:22 by digest: registry unreachable."} {
		if !strings.Contains(got, want) {
			t.Errorf("reply lacks %q:\n%s", want, got)
		}
	}
}
