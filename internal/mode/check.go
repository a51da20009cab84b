package mode

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/devops-lead/devops-lead/internal/suggest"
)

// slugRE is the form of a mode slug.
var slugRE = regexp.MustCompile(`^[a-z0-9-]+$`)

// checkMode checks one mode on its own: required fields, slug form,
// level, and the lists.
func checkMode(m *Mode) []*Problem {
	var ps []*Problem
	add := func(key, format string, args ...any) { ps = append(ps, problemf(m, key, format, args...)) }

	switch {
	case m.Slug == "":
		add("slug", "slug is missing: add \"slug: my-mode\" (lowercase letters, digits and dashes)")
	case !slugRE.MatchString(m.Slug):
		add("slug", "slug %q may use only lowercase letters, digits and dashes", m.Slug)
	}
	if strings.TrimSpace(m.Name) == "" {
		add("name", "name is missing: add a human-readable name")
	}
	if strings.TrimSpace(m.Description) == "" {
		add("description", "description is missing: say in one line what the mode does")
	}
	switch m.Level {
	case LevelLead:
		if len(m.Writes) > 0 {
			add("writes", "a lead writes no files, but writes lists %d glob(s): remove writes and delegate to a specialist", len(m.Writes))
		}
	case LevelSpecialist:
		if len(m.Writes) == 0 {
			add("writes", "specialist %q has no writes: list the path globs it may create, change or delete", m.Slug)
		}
	case "":
		add("level", "level is missing: use \"lead\" or \"specialist\"")
	default:
		add("level", "level %q is not valid: use \"lead\" or \"specialist\"", m.Level)
	}
	for i, pat := range m.Writes {
		if msg := checkGlob(pat); msg != "" {
			add(item("writes", i), "writes glob %q %s", pat, msg)
		}
	}
	ps = append(ps, checkSlugList(m, "delegates_to", m.DelegatesTo)...)
	ps = append(ps, checkSlugList(m, "escalates_to", m.EscalatesTo)...)
	return ps
}

// checkSlugList checks that a list names each slug once, in slug form.
func checkSlugList(m *Mode, key string, slugs []string) []*Problem {
	var ps []*Problem
	seen := map[string]bool{}
	for i, s := range slugs {
		switch {
		case !slugRE.MatchString(s):
			ps = append(ps, problemf(m, item(key, i), "%s item %q is not a mode slug (lowercase letters, digits and dashes)", key, s))
		case seen[s]:
			ps = append(ps, problemf(m, item(key, i), "%s lists %q twice: remove one", key, s))
		}
		seen[s] = true
	}
	return ps
}

// checkSet checks what needs the whole set: unique slugs, exactly one
// lead, known delegates and no delegation cycle. set names the set (its
// directory) for problems that belong to no single file.
func checkSet(modes []*Mode, set string) []*Problem {
	var ps []*Problem
	bySlug := map[string]*Mode{}
	var slugs []string
	for _, m := range modes {
		if m.Slug == "" {
			continue
		}
		if first, dup := bySlug[m.Slug]; dup {
			ps = append(ps, problemf(m, "slug", "slug %q is already used by %s: each mode needs its own slug",
				m.Slug, where(first, "slug")))
			continue
		}
		bySlug[m.Slug] = m
		slugs = append(slugs, m.Slug)
	}
	sort.Strings(slugs)

	var lead *Mode
	for _, m := range modes {
		if m.Level != LevelLead {
			continue
		}
		if lead == nil {
			lead = m
			continue
		}
		ps = append(ps, problemf(m, "level", "%q is a second lead (the lead is %q at %s): a set has exactly one lead; make this a specialist",
			m.Slug, lead.Slug, where(lead, "level")))
	}
	if lead == nil {
		ps = append(ps, &Problem{File: set, Message: "the set has no lead: exactly one mode needs \"level: lead\""})
	}

	for _, m := range modes {
		for i, d := range m.DelegatesTo {
			if to, ok := bySlug[d]; ok {
				if to.Level == LevelLead && to != m {
					ps = append(ps, problemf(m, item("delegates_to", i), "delegates_to names the lead %q: hand work back with escalates_to instead", d))
				}
				continue
			}
			if !slugRE.MatchString(d) {
				continue
			}
			hint := ""
			if s := suggest.Nearest(d, slugs, 4); s != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			ps = append(ps, problemf(m, item("delegates_to", i), "delegates_to names %q, which is not a mode of this set%s", d, hint))
		}
	}
	return append(ps, cycles(bySlug, slugs)...)
}

// cycles reports each delegation cycle once, at the delegates_to item that
// closes it.
func cycles(bySlug map[string]*Mode, slugs []string) []*Problem {
	const (
		white = iota
		grey
		black
	)
	state := map[string]int{}
	var stack []string
	var ps []*Problem
	reported := map[string]bool{}
	var visit func(s string)
	visit = func(s string) {
		state[s] = grey
		stack = append(stack, s)
		m := bySlug[s]
		for i, d := range m.DelegatesTo {
			if _, ok := bySlug[d]; !ok {
				continue
			}
			switch state[d] {
			case white:
				visit(d)
			case grey:
				start := len(stack) - 1
				for stack[start] != d {
					start--
				}
				cyc := append(append([]string{}, stack[start:]...), d)
				if key := cycleKey(cyc); !reported[key] {
					reported[key] = true
					ps = append(ps, problemf(m, item("delegates_to", i), "delegation cycle %s: remove one of these delegations",
						strings.Join(cyc, " -> ")))
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[s] = black
	}
	for _, s := range slugs {
		if state[s] == white {
			visit(s)
		}
	}
	return ps
}

// cycleKey names a cycle (first node repeated last) independently of
// where it was entered.
func cycleKey(cyc []string) string {
	nodes := cyc[:len(cyc)-1]
	lo := 0
	for i, s := range nodes {
		if s < nodes[lo] {
			lo = i
		}
	}
	return strings.Join(append(append([]string{}, nodes[lo:]...), nodes[:lo]...), " ")
}

// where formats a mode's key position as "file:line" (or "file").
func where(m *Mode, key string) string {
	if n := m.Line(key); n > 0 {
		return m.source() + ":" + strconv.Itoa(n)
	}
	return m.source()
}

// item is the lines key of a list item.
func item(key string, i int) string { return key + "." + strconv.Itoa(i) }
