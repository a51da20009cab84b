package container

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/stack"
	toml "github.com/pelletier/go-toml/v2"
)

// pythonScripts returns the console scripts a unit's pyproject.toml
// declares ([project.scripts] and poetry's [tool.poetry.scripts]).
func pythonScripts(ws fs.FS, s *stack.Service) map[string]bool {
	data, err := kit.ReadOptional(ws, kit.JoinPath(s.Dir, "pyproject.toml"))
	if err != nil || data == nil {
		return nil
	}
	var doc struct {
		Project struct {
			Scripts map[string]any `toml:"scripts"`
		} `toml:"project"`
		Tool struct {
			Poetry struct {
				Scripts map[string]any `toml:"scripts"`
			} `toml:"poetry"`
		} `toml:"tool"`
	}
	if toml.Unmarshal(data, &doc) != nil {
		return nil
	}
	out := map[string]bool{}
	for k := range doc.Project.Scripts {
		out[k] = true
	}
	for k := range doc.Tool.Poetry.Scripts {
		out[k] = true
	}
	return out
}

// pythonNeedsProject says why the image must install the project itself,
// not only its dependencies, or "": the start command is one of its console
// scripts (which exist only once the project is installed), or the code
// lives in a src/ layout (importable only once installed).
func pythonNeedsProject(ws fs.FS, s *stack.Service) string {
	if f := strings.Fields(s.Start); len(f) > 0 && pythonScripts(ws, s)[f[0]] {
		return "the start command runs " + f[0] + ", a console script of pyproject.toml, so the image installs the project itself"
	}
	if strings.HasPrefix(s.Entry, "src/") {
		return "the code lives in src/, importable only once the project is installed, so the image installs the project itself"
	}
	return ""
}

// uvWorkspaceDockerfile fills the Python template for a member of a uv
// workspace built from the workspace root: the root pyproject.toml and
// uv.lock and every member's pyproject.toml are copied, the dependencies
// of the one package installed (uv sync --package <name>
// --no-install-workspace), then the sources and the package itself.
func uvWorkspaceDockerfile(tbl *kit.ImageTable, ws fs.FS, repo *stack.Repo, s *stack.Service, d *dockerfileData) ([]string, error) {
	w := workspaceOf(repo, *s, "uv")
	if s.PackageManager != "uv" || w == nil {
		return nil, unsupportedContext(*s, "only a member of a uv workspace is built from a directory above it (poetry, pip and path dependencies are not supported)")
	}
	if w.Lockfile == "" {
		return nil, unsupportedContext(*s, "the uv workspace has no uv.lock to install from: commit one (uv lock)")
	}
	if s.Module == "" || !kit.SafePath(s.Module) {
		return nil, unsupportedContext(*s, "its project name is unknown, so uv sync --package cannot name it")
	}
	ctx := BuildContext(*s)
	lock := CtxRel(ctx, w.Lockfile)
	if lock != "uv.lock" {
		return nil, unsupportedContext(*s, fmt.Sprintf("its lockfile %s is not at the workspace root", w.Lockfile))
	}
	d.PackageManager = "uv"
	d.UV = tbl.Tools["uv"]
	if d.UV == "" {
		return nil, fmt.Errorf("images.yaml has no pinned uv version under tools: add one")
	}
	d.Copy = "pyproject.toml uv.lock"
	members, err := contextMembers(ws, s, ctx, w, "pyproject.toml")
	if err != nil {
		return nil, err
	}
	d.Members = members
	d.Install = "uv sync --frozen --no-dev --package " + s.Module + " --no-install-workspace"
	d.Build = "uv sync --frozen --no-dev --package " + s.Module
	notes := []string{fmt.Sprintf("%s is a member of the uv workspace at %s, so the image builds from there (%s) with uv sync --package %s and the workspace's uv.lock",
		kit.DirLabel(s.Dir), kit.DirLabel(ctx), contextLine(*s), s.Module)}
	return pythonRun(ws, s, d, notes)
}
