package builtin

import (
	"embed"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
)

// templatesFS holds the templates of the specialists still in this
// package; each specialist package embeds its own.
//
//go:embed templates
var templatesFS embed.FS

// Render executes the embedded template at templates/<name> with data.
func Render(name string, data any) ([]byte, error) { return kit.Render(templatesFS, name, data) }

// renderDelims is render with other action delimiters (Helm charts).
func renderDelims(name string, data any, left, right string) ([]byte, error) {
	return kit.RenderDelims(templatesFS, name, data, left, right)
}
