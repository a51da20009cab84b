package compose

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/intent"
	"github.com/devops-lead/devops-lead/internal/stack"
	"gopkg.in/yaml.v3"
)

// composeFile is the part of a Compose file the tests read.
type composeFile struct {
	Services map[string]struct {
		Image string `yaml:"image"`
		Build *struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
		Ports       []string                     `yaml:"ports"`
		Environment map[string]string            `yaml:"environment"`
		DependsOn   map[string]map[string]string `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		Volumes []string `yaml:"volumes"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
	Version string         `yaml:"version"`
}

func parseCompose(t *testing.T, content string) composeFile {
	t.Helper()
	var c composeFile
	if err := yaml.Unmarshal([]byte(content), &c); err != nil {
		t.Fatalf("compose.yaml does not parse: %v\n%s", err, content)
	}
	return c
}

func TestComposeAllBacking(t *testing.T) {
	repo, fsys := kittest.MonoRepo()
	// The api's Dockerfile comes from the container task; web has one.
	dep := change.New("container", kit.ContainerMode)
	dep.Put("services/api/Dockerfile", []byte("FROM x:1\n"), nil, "")
	fsys = kittest.WithFile(fsys, "services/web/Dockerfile", "FROM y:1\n")
	task := engine.Task{ID: "compose", Params: map[string]string{"backing": "postgres,mysql,redis,mongodb,rabbitmq"}}
	cs := kittest.Work(t, kit.ComposeMode, task, repo, fsys, dep)

	content := kittest.FileOf(t, cs, "compose.yaml")
	c := parseCompose(t, content)
	if c.Version != "" {
		t.Errorf("compose.yaml has the obsolete version key")
	}
	tbl, err := kit.LoadImages()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range intent.BackingOrder() {
		s, ok := c.Services[b]
		if !ok {
			t.Fatalf("no %s service in:\n%s", b, content)
		}
		if s.Image != tbl.Services[b].Image {
			t.Errorf("%s image = %q, want the table's %q", b, s.Image, tbl.Services[b].Image)
		}
		if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD" {
			t.Errorf("%s has no exec-form healthcheck", b)
		}
		if _, ok := c.Volumes[b+"-data"]; !ok || len(s.Volumes) != 1 {
			t.Errorf("%s has no named volume", b)
		}
		for k, v := range s.Environment {
			if strings.Contains(k, "PASS") && !strings.HasPrefix(v, "${") {
				t.Errorf("%s.%s is a plaintext secret: %q", b, k, v)
			}
		}
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s publishes %s beyond localhost", b, p)
			}
		}
	}
	api, web := c.Services["api"], c.Services["web"]
	if api.Build == nil || api.Build.Context != "./services/api" || web.Build == nil || web.Build.Context != "./services/web" {
		t.Fatalf("apps are not built from their dirs:\n%s", content)
	}
	if len(api.Ports) != 1 || api.Ports[0] != "8080:8080" || web.Ports[0] != "3000:3000" {
		t.Errorf("app ports: api %v, web %v", api.Ports, web.Ports)
	}
	for _, b := range intent.BackingOrder() {
		if api.DependsOn[b]["condition"] != "service_healthy" {
			t.Errorf("api does not wait for %s to be healthy", b)
		}
	}
	if u := api.Environment["DATABASE_URL"]; !strings.Contains(u, "${POSTGRES_PASSWORD:?") || !strings.Contains(u, "@postgres:5432/") {
		t.Errorf("DATABASE_URL = %q", u)
	}
	if api.Environment["MYSQL_URL"] == "" || api.Environment["REDIS_URL"] != "redis://redis:6379/0" {
		t.Errorf("app env = %v", api.Environment)
	}
	env := kittest.FileOf(t, cs, ".env.example")
	for _, k := range []string{"POSTGRES_PASSWORD=", "MYSQL_PASSWORD=", "MYSQL_ROOT_PASSWORD=", "MONGO_PASSWORD=", "RABBITMQ_PASSWORD="} {
		if !strings.Contains(env, "\n"+k+"change-me\n") {
			t.Errorf(".env.example lacks a placeholder for %s:\n%s", k, env)
		}
	}
	kittest.GateClean(t, cs)
}

func TestComposeFromDepsAndSkips(t *testing.T) {
	repo, fsys := kittest.MonoRepo()
	// No params: the backing services come from the services' deps (web
	// uses redis). api has no Dockerfile anywhere, so it is skipped.
	fsys = kittest.WithFile(fsys, "services/web/Dockerfile", "FROM y:1\n")
	cs := kittest.Work(t, kit.ComposeMode, engine.Task{ID: "compose"}, repo, fsys)
	content := kittest.FileOf(t, cs, "compose.yaml")
	c := parseCompose(t, content)
	if _, ok := c.Services["api"]; ok {
		t.Errorf("api has no Dockerfile but is in compose.yaml")
	}
	if _, ok := c.Services["redis"]; !ok {
		t.Errorf("redis from web's deps is missing")
	}
	if f := cs.Get("compose.yaml"); !strings.Contains(f.Note, "services/api has no Dockerfile") {
		t.Errorf("note does not say api was skipped: %q", f.Note)
	}
	if cs.Get(".env.example") != nil {
		t.Errorf("redis needs no password, yet .env.example was written")
	}
	kittest.GateClean(t, cs)
}

func TestComposeFocusDir(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{{Name: "api", Dir: "services/api", Language: stack.Go, Port: 8080}}}
	fsys := fstest.MapFS{"services/api/Dockerfile": {Data: []byte("FROM x:1\n")}}
	task := engine.Task{ID: "compose", Params: map[string]string{"backing": "postgres", "dir": "services/api"}}
	cs := kittest.Work(t, kit.ComposeMode, task, repo, fsys)
	c := parseCompose(t, kittest.FileOf(t, cs, "services/api/compose.yaml"))
	if b := c.Services["api"].Build; b == nil || b.Context != "." {
		t.Errorf("build context in the focus dir = %+v, want .", b)
	}
	kittest.FileOf(t, cs, "services/api/.env.example")
	if got := kit.RelDir("a/b", "c"); got != "../../c" {
		t.Errorf("relDir(a/b, c) = %q", got)
	}
}

func TestComposeExtendsExisting(t *testing.T) {
	repo, fsys := kittest.GoRepo()
	repo.Services[0].Deps = []string{"postgres", "redis"}
	existing := "services:\n  db:\n    image: postgres:16\n  # the cache\n  cache:\n    image: memcached:1.6\n"
	fsys = kittest.WithFile(kittest.WithFile(fsys, "Dockerfile", kittest.GoDockerfileOK), "docker-compose.yml", existing)
	fsys = kittest.WithFile(fsys, ".env.example", "POSTGRES_PASSWORD=change-me")
	task := engine.Task{ID: "compose", Params: map[string]string{"backing": "postgres,redis"}}
	cs := kittest.Work(t, kit.ComposeMode, task, repo, fsys)
	if cs.Get("compose.yaml") != nil {
		t.Fatalf("a second Compose file was written next to docker-compose.yml")
	}
	f := cs.Get("docker-compose.yml")
	if f == nil {
		t.Fatalf("docker-compose.yml not extended: %v", cs.Paths())
	}
	c := parseCompose(t, string(f.Content))
	if _, ok := c.Services["postgres"]; ok {
		t.Errorf("postgres added although db runs the postgres image")
	}
	if c.Services["db"].Image != "postgres:16" || c.Services["cache"].Image != "memcached:1.6" {
		t.Errorf("existing services changed:\n%s", f.Content)
	}
	if _, ok := c.Services["redis"]; !ok {
		t.Errorf("redis not added:\n%s", f.Content)
	}
	app := c.Services["api"]
	if _, ok := app.DependsOn["postgres"]; ok {
		t.Errorf("the added app depends on a postgres service that does not exist:\n%s", f.Content)
	}
	if app.DependsOn["redis"]["condition"] != "service_healthy" {
		t.Errorf("the added app does not wait for redis")
	}
	if !strings.Contains(string(f.Content), "# the cache") {
		t.Errorf("comments of the existing file were lost:\n%s", f.Content)
	}
	if cs.Get(".env.example") != nil {
		t.Errorf(".env.example changed although redis needs no password")
	}
	kittest.GateClean(t, cs)

	// A file that already has everything is left alone.
	full := kittest.WithFile(fsys, "docker-compose.yml", string(f.Content))
	if cs := kittest.Work(t, kit.ComposeMode, task, repo, full); !cs.Empty() {
		t.Errorf("complete Compose file changed: %v", cs.Paths())
	}
}

func TestComposeNothingToDo(t *testing.T) {
	repo, fsys := kittest.GoRepo()
	in := engine.Task{ID: "compose", Mode: kit.ComposeMode, Params: map[string]string{"backing": ""}}
	_, err := kittest.New().Work(t.Context(), engine.WorkInput{Task: in, Repo: repo, Workspace: fsys})
	if err == nil || !strings.Contains(err.Error(), "nothing to put") {
		t.Errorf("err = %v", err)
	}
}
