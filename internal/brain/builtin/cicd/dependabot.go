package cicd

import (
	"fmt"
	"path"
	"sort"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// DependabotPath is where the CI/CD specialist writes Dependabot's
// configuration (Params["workflows"] contains "dependabot").
const DependabotPath = ".github/dependabot.yml"

// ciUpdate is one Dependabot updates: entry (values already YAML scalars).
type ciUpdate struct{ Ecosystem, Directory string }

// ciEcosystem names the Dependabot ecosystem of a service.
func ciEcosystem(s stack.Service) string {
	switch s.Language {
	case stack.Go:
		return "gomod"
	case stack.Node:
		return "npm"
	case stack.Python:
		if s.PackageManager == "uv" {
			return "uv"
		}
		return "pip"
	case stack.Rust:
		return "cargo"
	case stack.Java:
		if s.PackageManager == "gradle" {
			return "gradle"
		}
		return "maven"
	}
	return ""
}

// ciWriteDependabot writes .github/dependabot.yml: github-actions (so the
// pinned SHAs move with their releases), each service's ecosystem and the
// Dockerfiles' base images. An existing file is kept.
func ciWriteDependabot(in engine.WorkInput, services []stack.Service, cs *change.ChangeSet) error {
	if in.Workspace != nil && (workspace.Exists(in.Workspace, DependabotPath) || workspace.Exists(in.Workspace, ".github/dependabot.yaml")) {
		return ciNoteOnCI(cs, "kept the existing Dependabot configuration", nil)
	}
	seen := map[string]bool{}
	var ups []ciUpdate
	add := func(eco, dir string) {
		d := "/"
		if dir != "." {
			d += dir
		}
		if eco == "" || seen[eco+" "+d] {
			return
		}
		seen[eco+" "+d] = true
		ups = append(ups, ciUpdate{Ecosystem: eco, Directory: kit.YAMLScalar(d)})
	}
	for _, s := range services {
		// A workspace member is updated from its workspace root, where
		// the lock file is.
		dir := s.Dir
		if s.WorkspaceLock != "" {
			dir = path.Dir(s.WorkspaceLock)
		}
		add(ciEcosystem(s), dir)
	}
	// Units in languages the brain cannot build still have a Dependabot
	// ecosystem, and their Dockerfiles a base image to follow.
	dirs := services
	if in.Repo != nil {
		for _, u := range in.Repo.Unsupported {
			d := u.Dir
			if d == "" {
				d = "."
			}
			if ciUnitInTask(in.Task, d) {
				add(ciUnsupportedEcosystem(u), d)
				// Rails, Laravel and WordPress apps keep their front-end
				// packages in a package.json of the same unit.
				if in.Workspace != nil && workspace.Exists(in.Workspace, path.Join(d, "package.json")) {
					add("npm", d)
				}
				dirs = append(dirs, stack.Service{Dir: d})
			}
		}
	}
	for _, df := range ciDockerfiles(in, dirs) {
		add("docker", path.Dir(df))
	}
	sort.SliceStable(ups, func(i, j int) bool {
		if ups[i].Directory != ups[j].Directory {
			return ups[i].Directory < ups[j].Directory
		}
		return ups[i].Ecosystem < ups[j].Ecosystem
	})
	ups = append([]ciUpdate{{Ecosystem: "github-actions", Directory: "/"}}, ups...)
	out, err := templates.Render("dependabot.yml.tmpl", ups)
	if err != nil {
		return err
	}
	cs.Put(DependabotPath, out, nil, fmt.Sprintf("weekly updates for %d ecosystem entries, github-actions first so the pinned SHAs follow their releases", len(ups)))
	return nil
}

// ciUnsupportedEcosystems are the Dependabot ecosystems of the languages
// the brain cannot build, by stack.Unsupported language id; a language
// Dependabot does not update has none.
var ciUnsupportedEcosystems = map[string]string{
	"php": "composer", "ruby": "bundler", "elixir": "mix", "dotnet": "nuget", "dart": "pub", "swift": "swift",
}

// ciUnsupportedEcosystem names the Dependabot ecosystem of a unit in a
// language the brain cannot build, "" when Dependabot has none for it.
func ciUnsupportedEcosystem(u stack.Unsupported) string {
	return ciUnsupportedEcosystems[u.Language]
}

// ciUnitInTask reports whether a unit's directory is one the task covers:
// every unit when the task names no services.
func ciUnitInTask(t engine.Task, dir string) bool {
	if len(t.Services) == 0 {
		return true
	}
	for _, d := range t.Services {
		if path.Clean(d) == dir {
			return true
		}
	}
	return false
}

// ciDependabotOnly reports whether Dependabot has something to update in
// a repository with no buildable service: a unit in a language it
// supports, or a Dockerfile.
func ciDependabotOnly(repo *stack.Repo) bool {
	if repo == nil {
		return false
	}
	for _, u := range repo.Unsupported {
		if ciUnsupportedEcosystem(u) != "" {
			return true
		}
	}
	return len(repo.Artifacts.Dockerfiles) > 0
}
