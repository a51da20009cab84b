package app

import (
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

func TestPRBodySaysWhichPullRequestToMergeFirst(t *testing.T) {
	st := &State{Hash: "abc123", Tasks: map[string]*TaskState{
		"container": {Status: "done", PR: 7},
		"k8s":       {Status: "done", PR: 8, PRState: "merged"},
	}}
	ci := engine.TaskResult{Task: engine.Task{ID: "ci", Mode: "cicd-specialist", Goal: "CI", DependsOn: []string{"container", "k8s"}},
		ChangeSet: &change.ChangeSet{}}
	body := prBody(12, st, ci, &TaskState{})
	if !strings.Contains(body, "### Merge order") || !strings.Contains(body, "Merge #7 (task `container`) first") {
		t.Errorf("the body does not say to merge #7 first:\n%s", body)
	}
	if strings.Contains(body, "#8") {
		t.Errorf("the body names the merged #8:\n%s", body)
	}
	alone := engine.TaskResult{Task: engine.Task{ID: "container", Mode: "containerization-developer", Goal: "Image"}, ChangeSet: &change.ChangeSet{}}
	if body := prBody(12, st, alone, &TaskState{}); strings.Contains(body, "Merge order") {
		t.Errorf("a task with no dependencies has a merge order:\n%s", body)
	}
}
