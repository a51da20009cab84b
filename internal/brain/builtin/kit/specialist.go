package kit

import (
	"context"
	"io/fs"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// Specialist produces the ChangeSet for one task of its mode.
type Specialist func(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error)

// Templates are the templates one specialist package embeds, under
// templates/ in FS.
type Templates struct{ FS fs.FS }

// Render executes the template templates/<name> with data.
func (t Templates) Render(name string, data any) ([]byte, error) { return Render(t.FS, name, data) }

// RenderDelims is Render with other action delimiters (Helm charts).
func (t Templates) RenderDelims(name string, data any, left, right string) ([]byte, error) {
	return RenderDelims(t.FS, name, data, left, right)
}
