// Package pins is the table of GitHub Actions pinned to full commit SHAs
// (actions.yaml, embedded): the only place devops-lead takes an action
// reference from. Nothing in devops-lead invents a SHA; a template asks this
// package for "owner/repo@<sha> # vX.Y.Z" and the gate may ask it whether a
// reference it sees is one it knows.
package pins

import (
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed actions.yaml
var tableYAML []byte

// Pin is one action pinned to a commit.
type Pin struct {
	// Action is owner/repo or owner/repo/path, as GitHub spells it.
	Action string `yaml:"action" json:"action"`
	// SHA is the full 40-hex commit the version tag points at.
	SHA string `yaml:"sha" json:"sha"`
	// Version is the release tag the SHA belongs to (vX.Y.Z, or vX.Y for
	// the projects that tag releases that way).
	Version string `yaml:"version" json:"version"`
	// Sources name the (at least two) places the SHA and version were
	// seen together.
	Sources []string `yaml:"sources" json:"sources"`
}

// Uses returns the value for a step's uses: key, with the version as a
// trailing comment: "actions/checkout@<sha> # v6.0.1".
func (p Pin) Uses() string { return p.Ref() + " # " + p.Version }

// Ref returns "owner/repo@<sha>" without the comment.
func (p Pin) Ref() string { return p.Action + "@" + p.SHA }

// Major returns the version's major tag ("v6" for "v6.0.1").
func (p Pin) Major() string {
	if i := strings.IndexByte(p.Version, '.'); i > 0 {
		return p.Version[:i]
	}
	return p.Version
}

var (
	shaRE     = regexp.MustCompile(`^[0-9a-f]{40}$`)
	versionRE = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$`)
	actionRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+(/[A-Za-z0-9._/-]+)?$`)
)

// Validate checks one entry: a well-formed action name, a 40-character
// lowercase hex SHA, a vX.Y.Z version and two non-empty sources.
func (p Pin) Validate() error {
	switch {
	case !actionRE.MatchString(p.Action):
		return fmt.Errorf("pin %q: action must be owner/repo or owner/repo/path", p.Action)
	case !shaRE.MatchString(p.SHA):
		return fmt.Errorf("pin %s: sha %q must be 40 lowercase hex characters (a full commit SHA)", p.Action, p.SHA)
	case !versionRE.MatchString(p.Version):
		return fmt.Errorf("pin %s: version %q must look like vX.Y.Z (or vX.Y)", p.Action, p.Version)
	}
	n := 0
	for _, s := range p.Sources {
		if strings.TrimSpace(s) != "" {
			n++
		}
	}
	if n < 2 {
		return fmt.Errorf("pin %s: name at least two places the SHA and version were seen together (sources has %d)", p.Action, n)
	}
	return nil
}

type table struct {
	Actions []Pin `yaml:"actions"`
	// Earlier are older majors of actions in Actions, kept only to pin an
	// existing workflow in place at the major it already uses; nothing new
	// is written with them.
	Earlier []Pin `yaml:"earlier"`
}

var (
	loadOnce sync.Once
	loaded   []Pin
	byName   map[string]Pin
	earlier  map[string]Pin // lower-cased "action@vN"
	loadErr  error
)

func load() ([]Pin, map[string]Pin, error) {
	loadOnce.Do(func() {
		loaded, byName, loadErr = parse(tableYAML)
		if loadErr == nil {
			earlier, loadErr = parseEarlier(tableYAML, byName)
		}
	})
	return loaded, byName, loadErr
}

// parseEarlier reads the earlier majors: each well-formed, of an action
// the table has, at another major than its current pin, listed once.
func parseEarlier(data []byte, current map[string]Pin) (map[string]Pin, error) {
	var t table
	if err := yaml.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("pins table actions.yaml: %w", err)
	}
	out := map[string]Pin{}
	for _, p := range t.Earlier {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("pins table actions.yaml, earlier: %w", err)
		}
		cur, ok := current[strings.ToLower(p.Action)]
		switch {
		case !ok:
			return nil, fmt.Errorf("pins table actions.yaml, earlier: %s has no current pin under actions; add that first", p.Action)
		case cur.Major() == p.Major():
			return nil, fmt.Errorf("pins table actions.yaml, earlier: %s %s is the current major; keep earlier majors only", p.Action, p.Version)
		}
		key := strings.ToLower(p.Action) + "@" + p.Major()
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("pins table actions.yaml, earlier: %s %s is listed twice; keep one per major", p.Action, p.Major())
		}
		out[key] = p
	}
	return out, nil
}

// AtMajor returns the pin of an action at a major version ("v4"): the
// current pin when it is that major, else an earlier one the table keeps
// for pinning existing workflows in place.
func AtMajor(name, major string) (Pin, bool) {
	p, err := Action(name)
	if err != nil {
		return Pin{}, false
	}
	if p.Major() == major {
		return p, true
	}
	e, ok := earlier[strings.ToLower(strings.TrimSpace(name))+"@"+major]
	return e, ok
}

// Earlier returns the earlier-major pins, sorted by action and version.
func Earlier() ([]Pin, error) {
	if _, _, err := load(); err != nil {
		return nil, err
	}
	out := make([]Pin, 0, len(earlier))
	for _, p := range earlier {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Action+out[i].Version < out[j].Action+out[j].Version })
	return out, nil
}

// parse reads a table, checks every entry and refuses duplicates.
func parse(data []byte) ([]Pin, map[string]Pin, error) {
	var t table
	if err := yaml.Unmarshal(data, &t); err != nil {
		return nil, nil, fmt.Errorf("pins table actions.yaml: %w", err)
	}
	idx := make(map[string]Pin, len(t.Actions))
	for _, p := range t.Actions {
		if err := p.Validate(); err != nil {
			return nil, nil, fmt.Errorf("pins table actions.yaml: %w", err)
		}
		key := strings.ToLower(p.Action)
		if _, dup := idx[key]; dup {
			return nil, nil, fmt.Errorf("pins table actions.yaml: %s is listed twice; keep one entry per action", p.Action)
		}
		idx[key] = p
	}
	out := append([]Pin(nil), t.Actions...)
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Action) < strings.ToLower(out[j].Action) })
	return out, idx, nil
}

// Action returns the pin of an action by name (owner/repo or
// owner/repo/path; GitHub names are case-insensitive). An action that is not
// in the table is an error: add it to actions.yaml with two sources, or do
// without it.
func Action(name string) (Pin, error) {
	_, idx, err := load()
	if err != nil {
		return Pin{}, err
	}
	p, ok := idx[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return Pin{}, fmt.Errorf("action %q has no pinned SHA in internal/pins/actions.yaml: add it with two sources or use a run: step instead", name)
	}
	return p, nil
}

// All returns every pin, sorted by action name.
func All() ([]Pin, error) {
	all, _, err := load()
	if err != nil {
		return nil, err
	}
	return append([]Pin(nil), all...), nil
}

// Known reports whether a uses: value ("owner/repo@ref", an optional
// trailing "# comment" is ignored) names an action of the table at exactly
// its pinned SHA, and returns the pin.
func Known(uses string) (Pin, bool) {
	if i := strings.Index(uses, "#"); i >= 0 {
		uses = uses[:i]
	}
	name, ref, ok := strings.Cut(strings.TrimSpace(uses), "@")
	if !ok {
		return Pin{}, false
	}
	p, err := Action(name)
	if err != nil || p.SHA != ref {
		return Pin{}, false
	}
	return p, true
}
