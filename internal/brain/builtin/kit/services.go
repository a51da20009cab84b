package kit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// ServiceName turns a stack service name into a Compose service name.
func ServiceName(s stack.Service) string {
	n := s.Name
	if n == "" {
		n = LastElem(s.Dir)
	}
	var b strings.Builder
	for _, r := range strings.ToLower(n) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case (r == '-' || r == '_' || r == '.' || r == '/' || r == '@') && b.Len() > 0:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "app"
	}
	return out
}

// SecretRef is the Compose reference to a password kept in .env: Compose
// stops with "required variable NAME is missing a value: set-it-in-.env"
// when it is unset or empty. The message has no spaces so the gate's
// secret-assignment rule reads "NAME:?set-it-in-.env}" as a reference.
func SecretRef(name string) string {
	return "${" + name + ":?set-it-in-.env}"
}

// TaskServices returns the services the task names, or, when it names
// none, every detected unit that runs as a service or a worker. A unit
// whose kind is something else (a CLI, a library, a GitHub Action, a site,
// a test fixture, an example) is only containerized or deployed when the
// task names it; a unit of unknown kind counts as a service. A named
// service that was not detected is an error.
func TaskServices(repo *stack.Repo, t engine.Task) ([]stack.Service, error) {
	if repo == nil {
		return nil, nil
	}
	if len(t.Services) == 0 {
		var out []stack.Service
		for _, s := range repo.Services {
			if RunsAsService(s) {
				out = append(out, s)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
		return out, nil
	}
	var out []stack.Service
	for _, dir := range t.Services {
		s := repo.Service(dir)
		if s == nil {
			// A unit in a language the specialists cannot build, run
			// from the image its own Dockerfile builds.
			s = repo.ImageUnit(dir)
		}
		if s == nil {
			return nil, fmt.Errorf("task %s names service %q, which stack detection did not find: remove it from the task or add its manifest", t.ID, dir)
		}
		out = append(out, *s)
	}
	return out, nil
}

// RunsAsService reports whether a unit is containerized and deployed
// without being named: services and workers, and units detection could
// not classify.
func RunsAsService(s stack.Service) bool {
	return s.Kind == "" || s.Kind == stack.KindService || s.Kind == stack.KindWorker
}
