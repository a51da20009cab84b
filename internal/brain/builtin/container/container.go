package container

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// Work is the container specialist: a Dockerfile and a
// .dockerignore for each service of the task. An existing Dockerfile that
// passes the gate with no errors is kept; one with errors is replaced and
// the file's note lists what was wrong with it.
func Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	tbl, err := kit.LoadImages()
	if err != nil {
		return nil, err
	}
	services, err := kit.TaskServices(in.Repo, in.Task)
	if err != nil {
		return nil, err
	}
	if len(services) == 0 {
		if skipped := skippedUnits(in.Repo); skipped != "" {
			return nil, fmt.Errorf("no service to containerize: %s, and only services and workers get an image unless the request names the unit; name it in the request to containerize it anyway", skipped)
		}
		return nil, errors.New("no service to containerize: the repository has no go.mod, package.json, pyproject.toml, requirements.txt, Cargo.toml, pom.xml or build.gradle in the focus; say which directory holds the application")
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	shared := sharedIgnores(in.Workspace, services)
	for i := range services {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := containerizeService(tbl, in.Workspace, in.Repo, &services[i], shared, cs); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// containerizeService adds one service's Dockerfile and .dockerignore.
// An existing Dockerfile is never replaced: the findings with a safe line
// edit are fixed in place and the rest are named in the note.
func containerizeService(tbl *kit.ImageTable, ws fs.FS, repo *stack.Repo, s *stack.Service, shared map[string]ignoreData, cs *change.ChangeSet) error {
	dfPath := kit.JoinPath(s.Dir, "Dockerfile")
	if kept := KeptDockerfile(ws, nil, *s); kept != "" {
		// The repository builds the unit from a Dockerfile elsewhere
		// (docker/Dockerfile): that one is patched, no second is written.
		dfPath = kept
	}
	old, err := kit.ReadOptional(ws, dfPath)
	if err != nil {
		return err
	}
	if old != nil {
		pt := patchDockerfile(tbl, ws, s, dfPath, old)
		kept := ""
		switch {
		case len(pt.Edits) > 0:
			cs.Put(dfPath, pt.Content, old, patchNote(pt))
		case len(pt.Left) > 0:
			kept = "the existing Dockerfile is kept unchanged: " + strings.Join(pt.Left, "; ")
		}
		return addDockerignore(ws, s, cs, kept, nil)
	}
	content, notes, err := renderDockerfile(tbl, ws, repo, s)
	if err != nil {
		return err
	}
	cs.Put(dfPath, content, nil, strings.Join(notes, "; "))
	if err := addDockerignore(ws, s, cs, "", shared); err != nil {
		return err
	}
	return checkAgainstRepo(ws, s, cs, dfPath)
}

// repoRules are the gate's rules that read the repository: a Dockerfile
// the specialist writes that breaks one of them means the layout is one it
// cannot build, which is said plainly rather than left for the gate to
// report as an internal error.
var repoRules = map[string]bool{
	"dockerfile-copy-missing": true, "dockerfile-context-go-replace": true, "dockerfile-context-cargo": true,
	"dockerfile-context-node-workspace": true, "dockerfile-context-python": true, "dockerfile-cgo-disabled": true,
	"dockerfile-entrypoint-missing": true,
}

// checkAgainstRepo runs the gate with the repository at hand on the new
// Dockerfile and the task's other files, as the engine will, and turns a
// finding of the repository rules into an error naming the unit, its
// build context and what does not build.
func checkAgainstRepo(ws fs.FS, s *stack.Service, cs *change.ChangeSet, dfPath string) error {
	if ws == nil {
		return nil
	}
	var files []validate.File
	for _, f := range cs.Files {
		if f.Op != change.Delete {
			files = append(files, validate.File{Path: f.Path, Content: f.Content})
		}
	}
	var bad []validate.Finding
	for _, f := range validate.Errors(validate.Check(files, validate.Options{Workspace: ws})) {
		if f.Path == dfPath && repoRules[f.Rule] {
			bad = append(bad, f)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return unsupportedContext(*s, "the Dockerfile the built-in specialist can write for it would not build there ("+kit.DescribeFindings(bad)+")")
}

// patchNote lists a patch's edits and the findings it left, for people.
func patchNote(pt dfPatch) string {
	note := "patched the existing Dockerfile, every other line kept byte for byte: " + strings.Join(pt.Edits, "; ")
	if len(pt.Left) > 0 {
		note += "; not changed: " + strings.Join(pt.Left, "; ")
	}
	return note
}

// addDockerignore writes the .dockerignore of the service's build
// context (its directory, or the workspace root it builds from) unless one
// exists there or another service of the task already wrote it; extra is
// added to its note. Beside an existing Dockerfile (shared nil) it goes in
// the service's directory, as the context a person uses is not known; a
// workspace root's file serves every unit sharing it (shared).
func addDockerignore(ws fs.FS, s *stack.Service, cs *change.ChangeSet, extra string, shared map[string]ignoreData) error {
	atContext := shared != nil
	p := kit.JoinPath(s.Dir, ".dockerignore")
	if atContext && ContextDiffers(*s) {
		p = kit.JoinPath(BuildContext(*s), ".dockerignore")
	}
	old, err := kit.ReadOptional(ws, p)
	if err != nil || old != nil || cs.Get(p) != nil {
		return err
	}
	data := dockerignoreData(ws, s)
	data.Nested = data.Nested && atContext
	if d, ok := shared[p]; ok && data.Nested {
		data = d
	}
	content, err := templates.Render("dockerignore.tmpl", data)
	if err != nil {
		return err
	}
	note := "keeps .git, .env files, dependencies and build output out of the build context"
	if extra != "" {
		note += "; " + extra
	}
	cs.Put(p, content, nil, note)
	return nil
}

// dockerfileData feeds the Dockerfile templates.
type dockerfileData struct {
	Name, Dir              string
	BuildImage, Runtime    string
	Port                   int
	Cmd, Healthcheck       string // JSON arrays; Healthcheck may be empty
	Copy                   string // the manifests copied before installing
	Setup                  []string
	Install, Build, Prune  string
	Main, Binary, JarDir   string
	PackageManager, Poetry string
	UV                     string
	Lockfile               bool
	// Cgo builds Go with CGO_ENABLED=1 (for a runtime with glibc).
	Cgo bool
	// ContextLine, for a Dockerfile built from a context other than its
	// directory, is the docker build command its first line states.
	ContextLine string
	// Workdir is the unit's directory relative to that context.
	Workdir string
	// Modules are the Go modules copied from that context.
	Modules []goModule
	// Members are the workspace members (relative to that context) whose
	// manifest (package.json, or pyproject.toml for uv) is copied before
	// the install.
	Members []string
	// Filter is the unit's package name for a filtered workspace install.
	Filter string
	// BuildDir is where Build runs, relative to the context ("" for its
	// root); User is the runtime's non-root user by name.
	BuildDir, User string
	// Dirs are directories of the context copied before the install
	// (.yarn/releases, where yarnPath points).
	Dirs []string
}

// renderDockerfile renders a service's Dockerfile and says what it
// assumed.
func renderDockerfile(tbl *kit.ImageTable, ws fs.FS, repo *stack.Repo, s *stack.Service) ([]byte, []string, error) {
	variant := ""
	switch {
	case s.Language == stack.Java:
		variant = javaBuildVariant(ws, s)
	case s.Language == stack.Node && s.PackageManager == "bun":
		variant = "bun"
	}
	imgs, err := tbl.ImagesFor(s, variant)
	if err != nil {
		return nil, nil, err
	}
	if err := checkServiceText(s); err != nil {
		return nil, nil, err
	}
	d := dockerfileData{Name: kit.ServiceName(*s), Dir: s.Dir, BuildImage: imgs.Build, Runtime: imgs.Runtime, Port: s.Port}
	if d.Port < 0 || d.Port > 65535 {
		d.Port = 0
	}
	if ContextDiffers(*s) {
		if !kit.SafePath(BuildContext(*s)) {
			return nil, nil, unsupportedContext(*s, "its path has characters a Dockerfile cannot take safely")
		}
		if !inside(BuildContext(*s), s.Dir) {
			return nil, nil, unsupportedContext(*s, "that context does not hold the unit")
		}
		d.ContextLine = contextLine(*s)
		d.Workdir = CtxRel(BuildContext(*s), s.Dir)
	}
	var notes []string
	if imgs.Assumed {
		notes = append(notes, fmt.Sprintf("no %s version is stated in %s, so the image uses the default %s from images.yaml", s.Language, kit.DirLabel(s.Dir), imgs.Version))
	}
	if d.Port == 0 {
		d.Port = imgs.Port
		notes = append(notes, fmt.Sprintf("no port found in the code or config, so it exposes %d, the usual %s port", d.Port, s.Language))
	}
	var more []string
	switch s.Language {
	case stack.Go:
		more, err = goDockerfile(ws, repo, s, &d)
	case stack.Node:
		more, err = nodeDockerfile(ws, repo, s, &d)
	case stack.Python:
		more, err = pythonDockerfile(tbl, ws, repo, s, &d)
	case stack.Rust:
		more, err = rustDockerfile(ws, repo, s, &d)
	case stack.Java:
		if ContextDiffers(*s) {
			return nil, nil, unsupportedContext(*s, "the built-in specialist does not yet build one module of a multi-module Java build")
		}
		more, err = javaDockerfile(ws, s, &d)
	default:
		err = fmt.Errorf("the built-in container specialist does not know %q (service %s)", s.Language, s.Dir)
	}
	if err != nil {
		return nil, nil, err
	}
	out, err := templates.Render(string(s.Language)+".Dockerfile.tmpl", d)
	if err != nil {
		return nil, nil, err
	}
	return out, append(notes, more...), nil
}

// skippedUnits names the units taskServices leaves out and why, for the
// error when nothing is left.
func skippedUnits(repo *stack.Repo) string {
	if repo == nil {
		return ""
	}
	var parts []string
	for _, s := range repo.Services {
		if !kit.RunsAsService(s) {
			parts = append(parts, fmt.Sprintf("%s is a %s", kit.DirLabel(s.Dir), s.Kind))
		}
	}
	return strings.Join(parts, ", ")
}

// checkServiceText refuses detected values that would break out of the
// Dockerfile line they are written into: repository files are untrusted,
// so a path or command with a line break or shell-unsafe characters is an
// error, not something to render.
func checkServiceText(s *stack.Service) error {
	paths := map[string]string{"directory": s.Dir, "lock file": s.Lockfile, "entry": s.Entry}
	for i, m := range s.Mains {
		paths[fmt.Sprintf("main package %d", i+1)] = m
	}
	for _, what := range kit.SortedKeys(paths) {
		if v := paths[what]; v != "" && !kit.SafePath(v) {
			return fmt.Errorf("the %s %q of service %s has characters a Dockerfile cannot take safely: rename it to letters, digits and ./_-@+", what, v, kit.DirLabel(s.Dir))
		}
	}
	for what, v := range map[string]string{"build": s.Build} {
		if strings.ContainsAny(v, "\r\n\x00") {
			return fmt.Errorf("the %s command of %s spans several lines: put it in a script and reference that instead", what, kit.DirLabel(s.Dir))
		}
	}
	return nil
}
