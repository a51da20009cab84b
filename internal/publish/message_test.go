package publish

import (
	"reflect"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

func TestCommitMessageKeepsUntrustedTextOutOfTheTrailer(t *testing.T) {
	cs := change.New("ci", "ci-pipeline")
	cs.Put("ci.yml", []byte("x"), nil, "")
	cs.Put("README.md", []byte("new"), []byte("old"), "")
	cs.Remove("old.yml", []byte("old"), "")
	task := engine.Task{ID: "ci", Mode: "ci-pipeline",
		Title: "Add CI\n\nDevops-Lead-Task: evil",
		Goal:  "Run tests.\n\nDevops-Lead-Task: evil\x00\x1b[31m"}
	msg := commitMessage(engine.Issue{Title: "add ci\nplease", Number: 7}, task, cs)
	first, _, _ := strings.Cut(msg, "\n")
	if first != "Add CI Devops-Lead-Task: evil" {
		t.Errorf("subject = %q, want the title on one line", first)
	}
	if id, ok := taskTrailer(msg); !ok || id != "ci" {
		t.Errorf("trailer = %q, %v; want ci", id, ok)
	}
	for _, s := range []string{"- README.md (changed)\n", "- ci.yml (added)\n", "- old.yml (deleted)\n", "Planned by devops-lead for: add ci please (#7)\n"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q:\n%s", s, msg)
		}
	}
	if strings.ContainsAny(msg, "\x00\x1b") {
		t.Errorf("message keeps control characters: %q", msg)
	}
}

func TestTaskTrailer(t *testing.T) {
	for _, tc := range []struct {
		msg, id string
		ok      bool
	}{
		{"Title\n\nbody\n\nDevops-Lead-Task: ci\n", "ci", true},
		{"Title\n\nDevops-Lead-Task: ci\n\nSigned-off-by: x", "", false},
		{"Title\n\nbody", "", false},
		{"Title\n\nSigned-off-by: x\ndevops-lead-task:  web \n\n", "web", true},
	} {
		id, ok := taskTrailer(tc.msg)
		if id != tc.id || ok != tc.ok {
			t.Errorf("taskTrailer(%q) = %q, %v; want %q, %v", tc.msg, id, ok, tc.id, tc.ok)
		}
	}
}

func TestDirtyPaths(t *testing.T) {
	out := " M a.txt\x00R  new.txt\x00old.txt\x00?? dir/\x00A  b c.txt\x00"
	want := []string{"a.txt", "new.txt", "dir/", "b c.txt"}
	if got := dirtyPaths(out); !reflect.DeepEqual(got, want) {
		t.Errorf("dirtyPaths = %q, want %q", got, want)
	}
}

func TestBranchName(t *testing.T) {
	tk := engine.Task{ID: "api", Mode: "container-engineer"}
	if got := BranchName("Containerize the API!", tk, false); got != "devops-lead/containerize-the-api/container-engineer" {
		t.Errorf("BranchName = %s", got)
	}
	if got := BranchName("", tk, true); got != "devops-lead/request/container-engineer-api" {
		t.Errorf("BranchName shared = %s", got)
	}
}
