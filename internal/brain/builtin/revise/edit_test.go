package revise

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

const reviseWorkflow = `name: ci
on: [push]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-22.04
    steps:
      - uses: actions/checkout@0000000000000000000000000000000000000000 # v4.0.0
      - uses: actions/setup-node@0000000000000000000000000000000000000000 # v4.0.0
        with:
          node-version: "20"
      - run: npm ci
  deploy:
    needs: test
    runs-on: ubuntu-22.04
    steps:
      - run: echo deploy
`

const reviseCompose = `services:
  web:
    build: .
    ports:
      - "127.0.0.1:8000:8000"
    environment:
      NODE_ENV: production
    depends_on:
      - redis
  redis:
    image: redis:7-alpine
`

const reviseK8s = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/o/web:1.0.0
          ports:
            - containerPort: 8080
          env:
            - name: PORT
              value: "8080"
          readinessProbe:
            httpGet:
              path: /healthz
              port: 8080
`

// TestReviewEdits applies each kind of instruction to a pull request's
// files and checks the lines it changed, and that each file still parses.
func TestReviewEdits(t *testing.T) {
	cs := change.New("ci", kit.CICDMode)
	cs.Put(".github/workflows/ci.yml", []byte(reviseWorkflow), nil, "")
	cs.Put("compose.yaml", []byte(reviseCompose), nil, "")
	cs.Put("k8s/web/deployment.yaml", []byte(reviseK8s), nil, "")
	cs.Put("Dockerfile", []byte("FROM python:3.11-slim\nUSER app\nCMD [\"python\", \"app.py\"]\n"), nil, "")
	body := strings.Join([]string{
		"Please use ubuntu-latest.",
		"Update node version from 20 to 22.",
		"Add a step that runs npm run lint.",
		"Add the environment variable LOG_LEVEL=debug and set API_TOKEN=abc123.",
		"Change the container port from 8000 to 8081.",
		"Rename the web service to frontend.",
		"containerPort should be 9090 instead of 8080.",
		"Bump the Dockerfile to Python 3.12.",
		"Please make it faster.",
	}, "\n")
	reading := readFeedback([]engine.Feedback{{Body: body}})
	rep := ApplyReview(context.Background(), nil, engine.Task{Mode: kit.CICDMode}, cs, reading.Asks)
	get := func(p string) string { return string(cs.Get(p).Content) }
	wf := get(".github/workflows/ci.yml")
	for _, want := range []string{"runs-on: ubuntu-latest", `node-version: "22"`, "      - name: npm run lint\n        run: npm run lint\n  deploy:", "\n  LOG_LEVEL: debug\n\njobs:", "API_TOKEN: ${{ secrets.API_TOKEN }}"} {
		if !strings.Contains(wf, want) {
			t.Errorf("workflow lacks %q:\n%s", want, wf)
		}
	}
	co := get("compose.yaml")
	for _, want := range []string{`"127.0.0.1:8081:8081"`, "  frontend:\n", "LOG_LEVEL: debug", `API_TOKEN: "${API_TOKEN:?set-it-in-.env}"`} {
		if !strings.Contains(co, want) {
			t.Errorf("compose lacks %q:\n%s", want, co)
		}
	}
	if strings.Contains(co, "abc123") || strings.Contains(wf, "abc123") {
		t.Error("a secret value from the review was written")
	}
	k := get("k8s/web/deployment.yaml")
	if !strings.Contains(k, "containerPort: 9090") || !strings.Contains(k, "port: 9090") || !strings.Contains(k, "value: \"9090\"") ||
		!strings.Contains(k, "          env:\n            - name: LOG_LEVEL\n              value: \"debug\"\n            - name: PORT") {
		t.Errorf("k8s ports:\n%s", k)
	}
	if df := get("Dockerfile"); !strings.Contains(df, "FROM python:3.12-slim") || !strings.Contains(df, "ENV LOG_LEVEL=debug") {
		t.Errorf("Dockerfile:\n%s", df)
	}
	for _, f := range cs.Files {
		if err := reparse(fileKind(f.Path, f.Content), f.Content); err != nil {
			t.Errorf("%s no longer parses: %v", f.Path, err)
		}
	}
	notes := strings.Join(rep.notes(reading), "\n")
	for _, want := range []string{"Not done: environment variable API_TOKEN in `Dockerfile`: API_TOKEN looks like a secret",
		"Not done: environment variable API_TOKEN in `k8s/web/deployment.yaml`: API_TOKEN looks like a secret", `did not understand "Please make it faster."`} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

type failingDigests struct{}

func (failingDigests) Digest(context.Context, string) (string, error) {
	return "", errors.New("registry unreachable")
}

type badDigests struct{}

func (badDigests) Digest(context.Context, string) (string, error) { return "sha256:abc", nil }

// TestReviewPinsNeverInvent: a registry error or a malformed answer pins
// nothing and is reported.
func TestReviewPinsNeverInvent(t *testing.T) {
	for _, d := range []DigestResolver{failingDigests{}, badDigests{}} {
		cs := change.New("compose", kit.ComposeMode)
		cs.Put("compose.yaml", []byte(reviseCompose), nil, "")
		rep := ApplyReview(context.Background(), d, engine.Task{}, cs, []ReviewAsk{{Kind: askPinDigest}})
		if strings.Contains(string(cs.Get("compose.yaml").Content), "@sha256") || len(rep.NotDone) != 1 || !strings.Contains(rep.NotDone[0], "pin redis:7-alpine by digest") {
			t.Errorf("%T: %q %+v", d, cs.Get("compose.yaml").Content, rep)
		}
	}
}

// TestReviewDropAndRename: a file the pull request adds may be dropped or
// renamed; a file the repository has is never renamed.
func TestReviewDropAndRename(t *testing.T) {
	cs := change.New("container", kit.ContainerMode)
	cs.Put("Dockerfile", []byte("FROM scratch\n"), nil, "")
	cs.Put(".dockerignore", []byte("x\n"), nil, "")
	cs.Put("README.md", []byte("new\n"), []byte("old\n"), "")
	rep := ApplyReview(context.Background(), nil, engine.Task{}, cs, []ReviewAsk{
		{Kind: askDrop, Value: ".dockerignore"},
		{Kind: askRename, Target: "Dockerfile", Value: "web.Dockerfile"},
		{Kind: askRename, Target: "README.md", Value: "README.txt"},
		{Kind: askDrop, Value: "nope.yml"},
	})
	if got := strings.Join(cs.Paths(), ","); got != "README.md,web.Dockerfile" {
		t.Errorf("paths = %s", got)
	}
	if len(rep.NotDone) != 2 || !strings.Contains(rep.NotDone[0], "never renames") || !strings.Contains(rep.NotDone[1], "no such file") {
		t.Errorf("not done: %q", rep.NotDone)
	}
}
