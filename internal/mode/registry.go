package mode

import "sort"

// Registry is a validated set of modes with exactly one lead. It is
// immutable once built; the modes it returns must not be changed.
type Registry struct {
	modes  []*Mode // the lead first, then by slug
	bySlug map[string]*Mode
}

// New checks modes as one complete set and returns their registry. Every
// problem is collected: each mode's own (required fields, slug form,
// level, globs) and the set's (duplicate slugs, not exactly one lead,
// unknown delegates, delegation cycles). The error joins *Problem values.
func New(modes []*Mode) (*Registry, error) { return newRegistry(modes, "modes") }

func newRegistry(modes []*Mode, set string) (*Registry, error) {
	var ps []*Problem
	for _, m := range modes {
		if m == nil {
			ps = append(ps, &Problem{File: set, Message: "a mode in the set is nil"})
			continue
		}
		ps = append(ps, checkMode(m)...)
	}
	if len(ps) == 0 {
		ps = checkSet(modes, set)
	} else {
		var ok []*Mode
		for _, m := range modes {
			if m != nil {
				ok = append(ok, m)
			}
		}
		ps = append(ps, checkSet(ok, set)...)
	}
	if len(ps) > 0 {
		return nil, join(ps)
	}
	r := &Registry{modes: append([]*Mode(nil), modes...), bySlug: make(map[string]*Mode, len(modes))}
	sort.Slice(r.modes, func(i, j int) bool {
		a, b := r.modes[i], r.modes[j]
		if (a.Level == LevelLead) != (b.Level == LevelLead) {
			return a.Level == LevelLead
		}
		return a.Slug < b.Slug
	})
	for _, m := range r.modes {
		r.bySlug[m.Slug] = m
	}
	return r, nil
}

// Get returns the mode with the slug, or nil.
func (r *Registry) Get(slug string) *Mode {
	if r == nil {
		return nil
	}
	return r.bySlug[slug]
}

// Lead returns the lead mode.
func (r *Registry) Lead() *Mode {
	if r == nil || len(r.modes) == 0 {
		return nil
	}
	return r.modes[0]
}

// All returns every mode, the lead first, then by slug. The slice is a
// copy; the modes are shared.
func (r *Registry) All() []*Mode {
	if r == nil {
		return nil
	}
	return append([]*Mode(nil), r.modes...)
}

// CanDelegate reports whether mode from lists mode to in delegates_to and
// mode to is in the registry.
func (r *Registry) CanDelegate(from, to string) bool {
	m := r.Get(from)
	if m == nil || r.Get(to) == nil {
		return false
	}
	for _, d := range m.DelegatesTo {
		if d == to {
			return true
		}
	}
	return false
}
