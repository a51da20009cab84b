package compose

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
	"gopkg.in/yaml.v3"
)

func TestComposeMergeKeepsEveryLine(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "web", Dir: ".", Language: stack.Python, Port: 8000, Deps: []string{"postgres", "redis"}}}}
	fsys := kittest.WithFile(kittest.WithFile(nil, "Dockerfile", "FROM python:3.12-slim-bookworm\nUSER 10001\n"), "compose.yaml", kittest.DevCompose)
	task := engine.Task{ID: "compose", Params: map[string]string{"backing": "postgres,redis,rabbitmq"}}
	cs := kittest.Work(t, kit.ComposeMode, task, repo, fsys)
	f := cs.Get("compose.yaml")
	if f == nil {
		t.Fatalf("compose.yaml not extended: %v", cs.Paths())
	}
	added := kittest.AddedLines(t, kittest.DevCompose, string(f.Content))
	joined := strings.Join(added, "\n")
	for _, w := range []string{"    redis:\n        image: redis:", "    rabbitmq:\n", "    redis-data:", "    rabbitmq-data:"} {
		if !strings.Contains(joined, w) {
			t.Errorf("added lines lack %q (four-space indentation):\n%s", w, joined)
		}
	}
	for _, no := range []string{"postgres:", "  web:", "build:"} {
		if strings.Contains(joined, no) {
			t.Errorf("added %q although the file has it (PostGIS db, web built from .):\n%s", no, joined)
		}
	}
	var c struct{ Services map[string]any }
	if err := yaml.Unmarshal(f.Content, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Services) != 5 {
		t.Errorf("services: %v", c.Services)
	}
	if !strings.Contains(f.Note, "compose-plaintext-secret") {
		t.Errorf("the note does not name the file's own findings: %s", f.Note)
	}
	// The lines added are clean: every gate error is one the file had.
	base := map[string]bool{}
	for _, x := range validate.Errors(validate.CheckFile("compose.yaml", []byte(kittest.DevCompose), validate.Options{})) {
		base[x.Rule+x.Message] = true
	}
	for _, x := range validate.Errors(validate.CheckFile("compose.yaml", f.Content, validate.Options{})) {
		if !base[x.Rule+x.Message] {
			t.Errorf("the merge added a gate error: %s", x)
		}
	}
	// .env.example lists the new passwords only.
	env := kittest.FileOf(t, cs, ".env.example")
	if !strings.Contains(env, "RABBITMQ_PASSWORD=") || strings.Contains(env, "POSTGRES_PASSWORD") {
		t.Errorf(".env.example:\n%s", env)
	}
}

func TestComposeMergePorts(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "api", Language: stack.Go, Port: 8080}}}
	existing := "services:\n  proxy:\n    image: nginx:1.27\n    ports:\n      - 8080:80\n      - target: 443\n        published: \"8443\"\n  cache:\n    image: memcached:1.6\n    ports: [\"127.0.0.1:6379-6380:11211\"]\n"
	fsys := kittest.WithFile(kittest.WithFile(nil, "api/Dockerfile", "FROM x:1\n"), "docker-compose.yml", existing)
	cs := kittest.Work(t, kit.ComposeMode, engine.Task{ID: "compose", Params: map[string]string{"backing": "redis"}}, repo, fsys)
	f := cs.Get("docker-compose.yml")
	if f == nil {
		t.Fatalf("not extended: %v", cs.Paths())
	}
	added := strings.Join(kittest.AddedLines(t, existing, string(f.Content)), "\n")
	for _, w := range []string{`"8081:8080"`, `"127.0.0.1:6381:6379"`, "\nvolumes:\n  redis-data:"} {
		if !strings.Contains(added, w) {
			t.Errorf("added lines lack %q:\n%s", w, added)
		}
	}
	for _, w := range []string{"host port 8080 is already published", "host port 6379 is already published"} {
		if !strings.Contains(f.Note, w) {
			t.Errorf("note lacks %q: %s", w, f.Note)
		}
	}
	kittest.GateClean(t, cs)
}

func TestComposeMergeVolumesAndLineEndings(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: ".", Language: stack.Go, Port: 8080}}}
	for name, existing := range map[string]string{
		"volumes at the end": "services:\n  api:\n    build: .\nvolumes:\n  cache: {}\n",
		"volumes first":      "volumes:\n  cache: {}\n\nservices:\n  api:\n    build: .\n",
		"empty volumes":      "services:\n  api:\n    build: .\nvolumes:\n",
		"crlf":               "services:\r\n  api:\r\n    build: .\r\n",
		"no final newline":   "services:\n  api:\n    build: .",
	} {
		t.Run(name, func(t *testing.T) {
			fsys := kittest.WithFile(kittest.WithFile(nil, "Dockerfile", "FROM x:1\n"), "compose.yaml", existing)
			cs := kittest.Work(t, kit.ComposeMode, engine.Task{ID: "compose", Params: map[string]string{"backing": "postgres"}}, repo, fsys)
			got := string(kittest.FileOf(t, cs, "compose.yaml"))
			norm := strings.ReplaceAll(got, "\r\n", "\n")
			if strings.Contains(existing, "\r\n") && strings.Count(got, "\r\n") != strings.Count(got, "\n") {
				t.Errorf("line endings mixed: %q", got)
			}
			kittest.AddedLines(t, strings.TrimSuffix(strings.ReplaceAll(existing, "\r\n", "\n"), "\n"), norm)
			var c struct{ Services map[string]any }
			if err := yaml.Unmarshal([]byte(norm), &c); err != nil {
				t.Fatal(err)
			}
			if _, ok := c.Services["postgres"]; !ok || len(c.Services) != 2 {
				t.Errorf("services %v:\n%s", c.Services, got)
			}
			if !strings.Contains(norm, "  postgres-data:") {
				t.Errorf("volume not declared:\n%s", got)
			}
			kittest.GateClean(t, cs)
		})
	}
}

func TestComposeMergeNoop(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "web", Dir: ".", Language: stack.Python, Port: 8000}}}
	fsys := kittest.WithFile(kittest.WithFile(nil, "Dockerfile", "FROM x:1\n"), "compose.yaml", kittest.DevCompose)
	cs := kittest.Work(t, kit.ComposeMode, engine.Task{ID: "compose", Params: map[string]string{"backing": "postgres"}}, repo, fsys)
	if !cs.Empty() {
		t.Errorf("a file with every requested service changed: %v\n%s", cs.Paths(), cs.Diff())
	}
}

// FuzzComposeMerge: any existing file either gets new lines only, with
// every old line kept in order, or a clear error; never a panic.
func FuzzComposeMerge(f *testing.F) {
	for _, s := range []string{kittest.DevCompose, "services:\n  a:\n    image: x:1\n", "services: {}\n", "services:\n  a: {image: x}\nvolumes: {}\n",
		"services:\n  a:\n    image: x:1\nvolumes:\n", "x: 1\nservices:\n    a:\n        ports: [\"5432:5432\"]\n# end\n", "services:\n  a:\n    command: |\n      x\n"} {
		f.Add(s)
	}
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: ".", Language: stack.Go, Port: 8080}}}
	f.Fuzz(func(t *testing.T, existing string) {
		fsys := kittest.WithFile(kittest.WithFile(nil, "Dockerfile", "FROM x:1\n"), "compose.yaml", existing)
		in := engine.WorkInput{Task: engine.Task{ID: "compose", Mode: kit.ComposeMode, Params: map[string]string{"backing": "postgres,redis"}}, Repo: repo, Workspace: fsys}
		start := time.Now()
		cs, err := kittest.New().Work(context.Background(), in)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s for %q", d, existing)
		}
		if err != nil || cs.Get("compose.yaml") == nil {
			return
		}
		got := strings.ReplaceAll(string(cs.Get("compose.yaml").Content), "\r\n", "\n")
		o := strings.Split(strings.TrimSuffix(strings.ReplaceAll(existing, "\r\n", "\n"), "\n"), "\n")
		i := 0
		for _, l := range strings.Split(got, "\n") {
			if i < len(o) && l == o[i] {
				i++
			}
		}
		if i != len(o) {
			t.Errorf("old line %d %q lost:\n%s\n---\n%s", i+1, o[i], existing, got)
		}
	})
}

// TestComposeMergeWorkspaceBuilds: units of one workspace built from its
// root share the context, so an existing Compose file's build of one of
// them (context and Dockerfile, or the unit's own directory) keeps that
// unit out, and the other is added with its own Dockerfile.
func TestComposeMergeWorkspaceBuilds(t *testing.T) {
	a := "# docker build -f a/Dockerfile .\nFROM x:1\n"
	repo := &stack.Repo{Services: []stack.Service{
		{Name: "a", Dir: "a", Language: stack.Go, Port: 8081, Context: "."},
		{Name: "b", Dir: "b", Language: stack.Go, Port: 8082, Context: "."},
		{Name: "c", Dir: "c", Language: stack.Go, Port: 8083, Context: "."},
	}}
	existing := "services:\n  alpha:\n    build:\n      context: .\n      dockerfile: a/Dockerfile\n  gamma:\n    build:\n      context: ./c\n      dockerfile: Dockerfile.dev\n"
	fsys := kittest.WithFile(kittest.WithFile(kittest.WithFile(kittest.WithFile(nil, "a/Dockerfile", a), "b/Dockerfile", strings.Replace(a, "a/", "b/", 1)),
		"c/Dockerfile", strings.Replace(a, "a/", "c/", 1)), "compose.yaml", existing)
	cs := kittest.Work(t, kit.ComposeMode, engine.Task{ID: "compose"}, repo, fsys)
	f := cs.Get("compose.yaml")
	if f == nil {
		t.Fatalf("not extended: %v", cs.Paths())
	}
	added := strings.Join(kittest.AddedLines(t, existing, string(f.Content)), "\n")
	if !strings.Contains(added, "dockerfile: b/Dockerfile") {
		t.Errorf("b is not added with its Dockerfile:\n%s", added)
	}
	for _, w := range []string{"a/Dockerfile", "c/Dockerfile", "\n  a:", "\n  c:"} {
		if strings.Contains(added, w) {
			t.Errorf("added lines duplicate an existing build (%q):\n%s", w, added)
		}
	}
}
