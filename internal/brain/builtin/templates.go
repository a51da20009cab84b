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
