package mode

import (
	"errors"
	"io/fs"
)

// Registry is a validated set of modes with exactly one lead.
// (Skeleton: the mode work fills this in.)
type Registry struct {
	modes []*Mode
}

// Default returns the registry of the embedded modes.
func Default() (*Registry, error) { return nil, errors.New("mode: not built yet") }

// WithOverrides returns a registry of base plus the mode files in dir of
// fsys (a repository's .github/devops-lead/modes); a file with an existing
// slug replaces that mode. A missing dir returns base unchanged.
func WithOverrides(base *Registry, fsys fs.FS, dir string) (*Registry, error) {
	return base, nil
}

// Get returns the mode with the slug, or nil.
func (r *Registry) Get(slug string) *Mode {
	for _, m := range r.modes {
		if m.Slug == slug {
			return m
		}
	}
	return nil
}

// Lead returns the lead mode.
func (r *Registry) Lead() *Mode {
	for _, m := range r.modes {
		if m.Level == LevelLead {
			return m
		}
	}
	return nil
}

// All returns every mode, the lead first, then by slug.
func (r *Registry) All() []*Mode { return r.modes }

// CanDelegate reports whether mode from lists mode to in delegates_to.
func (r *Registry) CanDelegate(from, to string) bool {
	m := r.Get(from)
	if m == nil {
		return false
	}
	for _, d := range m.DelegatesTo {
		if d == to {
			return true
		}
	}
	return false
}

// MayWrite reports whether the mode's writes globs match the path.
func (m *Mode) MayWrite(path string) bool { return false }
