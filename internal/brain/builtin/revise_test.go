package builtin

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/revise"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/registry"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
)

// TestReviseExposeAndPin is the user's case: on a container pull request,
// "expose 8081 and pin base images by digest" exposes 8081 and pins every
// FROM line to the digest the (faked) registry serves, and the gate
// passes. With the registry unreachable, nothing is pinned and the notes
// say so.
func TestReviseExposeAndPin(t *testing.T) {
	repo, fsys := kittest.NodeRepo()
	issue := engine.Issue{Title: "Containerize the web app"}
	p := kittest.Plan(t, issue.Title, "", repo, fsys)
	ct := kittest.Task(p, kit.TaskContainer)
	if ct == nil {
		t.Fatalf("no container task: %+v", p.Tasks)
	}
	e := &engine.Engine{Brain: New(), Modes: kittest.DefaultModes(t)}
	first := e.RunTask(context.Background(), issue, p, repo, fsys, *ct, nil)
	if first.Status != engine.StatusDone {
		t.Fatalf("first run: %s %s", first.Status, first.Error)
	}
	df := first.ChangeSet.Get("Dockerfile")
	if df == nil {
		t.Fatalf("no Dockerfile: %v", first.ChangeSet.Paths())
	}
	var refs []string
	for _, m := range kittest.ReFromLine.FindAllStringSubmatch(string(df.Content), -1) {
		if strings.Contains(m[1], ":") && !slices.Contains(refs, m[1]) {
			refs = append(refs, m[1])
		}
	}
	if len(refs) == 0 || !strings.Contains(strings.Join(refs, " "), "node:22") {
		t.Fatalf("FROM lines: %v\n%s", refs, df.Content)
	}
	host, digests := kittest.PushAll(t, refs)

	fb := []engine.Feedback{{Author: "alice", Body: "expose 8081 and pin base images by digest"}}
	b := &Brain{Digests: &registry.Resolver{Mirror: host}}
	e.Brain = b
	rev := e.ReviseTask(context.Background(), issue, p, repo, fsys, *ct, nil, first.ChangeSet, fb)
	if rev.Status != engine.StatusDone {
		t.Fatalf("revision: %s %s %v", rev.Status, rev.Error, rev.Findings)
	}
	got := string(rev.ChangeSet.Get("Dockerfile").Content)
	if !regexp.MustCompile(`(?m)^EXPOSE 8081$`).MatchString(got) {
		t.Errorf("no EXPOSE 8081:\n%s", got)
	}
	for _, r := range refs {
		if !strings.Contains(got, "FROM "+r+"@"+digests[r]) && !strings.Contains(got, " "+r+"@"+digests[r]) {
			t.Errorf("%s is not pinned to %s:\n%s", r, digests[r], got)
		}
	}
	t.Logf("revised Dockerfile:\n%s", got)
	notes := strings.Join(rev.ChangeSet.Notes, "\n")
	if !strings.Contains(notes, "pinned") || !strings.Contains(notes, "EXPOSE 8081") || strings.Contains(notes, "Not done") {
		t.Errorf("notes: %s", notes)
	}

	// The registry gone: no digest is made up, and the reply says why.
	srv := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	gone := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	e.Brain = &Brain{Digests: &registry.Resolver{Mirror: gone}}
	down := e.ReviseTask(context.Background(), issue, p, repo, fsys, *ct, nil, first.ChangeSet, fb)
	if down.Status != engine.StatusDone {
		t.Fatalf("revision without a registry: %s %s", down.Status, down.Error)
	}
	if strings.Contains(string(down.ChangeSet.Get("Dockerfile").Content), "@sha256:") {
		t.Error("a digest was written though the registry could not be reached")
	}
	notes = strings.Join(down.ChangeSet.Notes, "\n")
	if !strings.Contains(notes, "Not done: pin "+refs[0]+" by digest") {
		t.Errorf("the notes must say the digest was not pinned and why: %s", notes)
	}
}

// TestReviseComposeAddsService: "add a redis service" on the compose pull
// request has the compose specialist write redis beside postgres; on
// another task's pull request the service is named as not done.
func TestReviseComposeAddsService(t *testing.T) {
	repo, fsys := kittest.GoRepo()
	fsys = kittest.WithFile(fsys, "Dockerfile", kittest.GoDockerfileOK)
	issue := engine.Issue{Title: "Add docker compose for local development"}
	p := kittest.Plan(t, issue.Title, "", repo, fsys)
	ct := kittest.Task(p, kit.TaskCompose)
	if ct == nil {
		t.Fatalf("no compose task: %+v", p.Tasks)
	}
	e := &engine.Engine{Brain: New(), Modes: kittest.DefaultModes(t)}
	first := e.RunTask(context.Background(), issue, p, repo, fsys, *ct, nil)
	if first.Status != engine.StatusDone || strings.Contains(string(first.ChangeSet.Get("compose.yaml").Content), "redis") {
		t.Fatalf("first run: %s %s", first.Status, first.Error)
	}
	fb := []engine.Feedback{{Author: "bob", Body: "We use Redis for sessions too, please add a redis service."}}
	rev := e.ReviseTask(context.Background(), issue, p, repo, fsys, *ct, nil, first.ChangeSet, fb)
	if rev.Status != engine.StatusDone {
		t.Fatalf("revision: %s %s %v", rev.Status, rev.Error, rev.Findings)
	}
	got := string(rev.ChangeSet.Get("compose.yaml").Content)
	if !strings.Contains(got, "\n  redis:") || !strings.Contains(got, "\n  postgres:") {
		t.Errorf("compose.yaml after the review:\n%s", got)
	}
	if notes := strings.Join(rev.ChangeSet.Notes, "\n"); !strings.Contains(notes, "the redis service in `compose.yaml`") {
		t.Errorf("notes: %s", notes)
	}

	k8sTask := engine.Task{ID: kit.TaskContainer, Mode: kit.ContainerMode}
	cs := &change.ChangeSet{}
	rep := revise.ApplyReview(context.Background(), nil, k8sTask, cs, []revise.ReviewAsk{{Kind: revise.AskService, Value: "redis"}})
	if len(rep.NotDone) != 1 || !strings.Contains(rep.NotDone[0], "add the redis service: this pull request is the container task") {
		t.Errorf("not done: %q", rep.NotDone)
	}
}
