package builtin

import (
	"io/fs"
	"strings"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/devops-lead/devops-lead/internal/stack"
)

// pythonScripts returns the console scripts a unit's pyproject.toml
// declares ([project.scripts] and poetry's [tool.poetry.scripts]).
func pythonScripts(ws fs.FS, s *stack.Service) map[string]bool {
	data, err := readOptional(ws, joinPath(s.Dir, "pyproject.toml"))
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
