package compose

import (
	"context"
	"fmt"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/intent"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// ComposeNames are the Compose file names, in the order Compose prefers.
var ComposeNames = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// composeData feeds templates/compose/compose.yaml.tmpl.
type composeData struct {
	Apps    []composeService
	Backing []composeService
	Volumes []string
}

// composeService is one service of the Compose file.
type composeService struct {
	Name string
	// Context and Dockerfile are set for an app built from the repository;
	// Image for a backing service.
	Context, Dockerfile, Image string
	// Own is the unit's directory relative to the Compose file's, for
	// an app; a person's service built from there is the same app.
	Own         string
	Ports       []string
	Env         []envVar
	DependsOn   []string
	Volume      string // "name:/path"
	Healthcheck string // a JSON array for test:
	StartPeriod string
}

// envVar is one environment entry; Value is quoted by the template.
type envVar struct{ Key, Value string }

// secretVar is a password the Compose file references and .env.example
// lists.
type secretVar struct{ Name, Service string }

// Work is the Compose specialist: compose.yaml with the app
// services built from their Dockerfiles and the backing services the task
// lists, each with a pinned image, a healthcheck and a named volume;
// passwords are ${VAR:?...} references listed with placeholders in
// .env.example. An existing Compose file is extended with the services it
// lacks, or left alone when it has them all.
func Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	tbl, err := kit.LoadImages()
	if err != nil {
		return nil, err
	}
	dir := in.Task.Params["dir"]
	if dir == "" {
		dir = "."
	}
	if err := engine.CheckPath(kit.JoinPath(dir, "compose.yaml")); err != nil {
		return nil, fmt.Errorf("task %s: params dir: %w", in.Task.ID, err)
	}
	services, err := kit.TaskServices(in.Repo, in.Task)
	if err != nil {
		return nil, err
	}
	backing, notes, err := backingList(tbl, in.Task, services)
	if err != nil {
		return nil, err
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	data, secrets, more := composeModel(tbl, in, dir, services, backing)
	notes = append(notes, more...)
	if len(data.Apps) == 0 && len(data.Backing) == 0 {
		return nil, fmt.Errorf("nothing to put in compose.yaml: no service has a Dockerfile and no backing service was asked for; containerize a service first or name postgres, mysql, redis, mongodb or rabbitmq")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	existing := ""
	for _, n := range ComposeNames {
		if p := kit.JoinPath(dir, n); kit.Exists(in.Workspace, p) {
			existing = p
			break
		}
	}
	if existing != "" {
		secrets, err = extendCompose(in.Workspace, existing, data, secrets, notes, cs)
		if err != nil {
			return nil, err
		}
	} else {
		out, err := templates.Render("compose.yaml.tmpl", data)
		if err != nil {
			return nil, err
		}
		cs.Put(kit.JoinPath(dir, "compose.yaml"), out, nil, strings.Join(append([]string{"local development stack; copy .env.example to .env first"}, notes...), "; "))
	}
	return cs, envExample(in.Workspace, dir, secrets, cs)
}

// backingList returns the backing services of the task: Params["backing"]
// when the lead set it, else the services' dependencies.
func backingList(tbl *kit.ImageTable, t engine.Task, services []stack.Service) ([]string, []string, error) {
	var want []string
	var notes []string
	if raw, ok := t.Params["backing"]; ok {
		for _, b := range strings.Split(raw, ",") {
			if b = strings.ToLower(strings.TrimSpace(b)); b != "" {
				want = append(want, b)
			}
		}
	} else {
		for _, s := range services {
			want = append(want, s.Deps...)
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, name := range intent.BackingOrder() {
		for _, w := range want {
			if w == name && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	for _, w := range want {
		if !seen[w] {
			if _, ok := tbl.Services[w]; !ok {
				seen[w] = true
				notes = append(notes, fmt.Sprintf("%s is not in images.yaml, so it is not added; add it by hand", w))
			}
		}
	}
	for _, name := range out {
		if _, ok := tbl.Services[name]; !ok {
			return nil, nil, fmt.Errorf("images.yaml has no image for backing service %s: add it under services", name)
		}
	}
	return out, notes, nil
}

// composeModel builds the Compose data: backing services first (so apps
// can depend on them), then one app per service with a Dockerfile.
func composeModel(tbl *kit.ImageTable, in engine.WorkInput, dir string, services []stack.Service, backing []string) (composeData, []secretVar, []string) {
	var d composeData
	var secrets []secretVar
	var notes []string
	used := map[string]bool{}
	hostPorts := map[int]bool{}
	for _, b := range backing {
		svc, sec := backingService(b, tbl.Services[b])
		used[svc.Name] = true
		d.Backing = append(d.Backing, svc)
		d.Volumes = append(d.Volumes, b+"-data")
		secrets = append(secrets, sec...)
		hostPorts[tbl.Services[b].Port] = true
	}
	for _, s := range services {
		df := kit.JoinPath(s.Dir, "Dockerfile")
		if !kit.Exists(in.Workspace, df) && !inDeps(in.Deps, df) && container.KeptDockerfile(in.Workspace, in.Deps, s) == "" {
			notes = append(notes, fmt.Sprintf("%s has no Dockerfile, so it is not in the Compose file; containerize it first", kit.DirLabel(s.Dir)))
			continue
		}
		name := uniqueName(kit.ServiceName(s), used)
		port := s.Port
		if port == 0 {
			if l, ok := tbl.Languages[string(s.Language)]; ok {
				port = l.Port
			}
		}
		bctx, bdf := container.ImageBuild(in.Workspace, in.Deps, s)
		app := composeService{Name: name, Context: kit.RelDir(dir, bctx), Dockerfile: container.CtxRel(bctx, bdf), Own: kit.RelDir(dir, s.Dir)}
		if port > 0 {
			host := port
			for hostPorts[host] {
				host++
			}
			hostPorts[host] = true
			app.Ports = []string{fmt.Sprintf("%d:%d", host, port)}
			if host != port {
				notes = append(notes, fmt.Sprintf("%s listens on %d like another service, so it is published on host port %d", name, port, host))
			}
		}
		for _, b := range appBacking(s, backing) {
			app.DependsOn = append(app.DependsOn, b)
			app.Env = append(app.Env, appEnv(b, backing)...)
		}
		d.Apps = append(d.Apps, app)
	}
	return d, secrets, notes
}

// appBacking returns the backing services an app is wired to: those its
// dependencies use, or all of them when its dependencies name none.
func appBacking(s stack.Service, backing []string) []string {
	var out []string
	for _, b := range backing {
		if kit.Contains(s.Deps, b) {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return backing
	}
	return out
}

// inDeps reports whether a dependency's ChangeSet writes the path.
func inDeps(deps []*change.ChangeSet, p string) bool {
	for _, cs := range deps {
		if cs != nil && cs.Get(p) != nil && cs.Get(p).Op != change.Delete {
			return true
		}
	}
	return false
}

// uniqueName returns name, or name-2, name-3... when it is taken.
func uniqueName(name string, used map[string]bool) string {
	out := name
	for i := 2; used[out]; i++ {
		out = fmt.Sprintf("%s-%d", name, i)
	}
	used[out] = true
	return out
}
