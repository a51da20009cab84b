package monitoring

import (
	"embed"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
)

// templateFiles are this specialist's templates, under templates/.
//
//go:embed templates
var templateFiles embed.FS

// templates renders them.
var templates = kit.Templates{FS: templateFiles}
