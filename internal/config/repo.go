// Package config reads devops-lead's configuration: the repository's
// .github/devops-lead.yml (read from the default branch, errors pointing
// at the line) and the server's settings from flags and environment.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"

	"github.com/devops-lead/devops-lead/internal/validate"
)

// RepoPath is where a repository keeps its configuration.
const RepoPath = ".github/devops-lead.yml"

// Repo is a repository's configuration.
type Repo struct {
	// TriggerLabel is the label that makes the lead act (default devops).
	TriggerLabel string `yaml:"trigger_label"`
	// Modes, when set, limits the specialists the lead may use.
	Modes []string `yaml:"modes"`
	// RequireApproval makes the trigger label plan only; work starts with
	// /devops apply.
	RequireApproval bool `yaml:"require_approval"`
	// AllowedPaths, when set, further limits what any mode may write.
	AllowedPaths []string `yaml:"allowed_paths"`
	// Workflows says whether workflow files may be written (the App also
	// needs the workflows permission).
	Workflows *bool `yaml:"workflows"`
	// Reviewers are requested on every pull request (default: the issue's
	// author).
	Reviewers []string `yaml:"reviewers"`
	Budgets   Budgets  `yaml:"budgets"`
	// AllowSubstitutions lets the lead plan a different target, tool or
	// service than the one a request names without asking first, each as
	// "from->to" in lower case ("cloudformation->terraform",
	// "renovate->dependabot", "ecr->ghcr").
	AllowSubstitutions []string `yaml:"allow_substitutions"`
	// Validate is the policy of devops-lead validate and of the checks on
	// pull requests; the gate on the files the lead writes stays strict.
	Validate Validate `yaml:"validate"`
	// Checks says which pull requests get the devops-lead/validate check
	// run besides the ones devops-lead opens.
	Checks Checks `yaml:"checks"`
}

// Validate is the validate: section: a preset (recommended or strict) and
// per-rule severities (error, warning, note or off) by rule id.
type Validate struct {
	Preset string            `yaml:"preset"`
	Rules  map[string]string `yaml:"rules"`
}

// Policy returns the validation policy the section describes; ParseRepo
// has checked it.
func (v Validate) Policy() validate.Policy {
	p := validate.Policy{Preset: v.Preset}
	if len(v.Rules) > 0 {
		p.Rules = make(map[string]validate.Severity, len(v.Rules))
		for id, s := range v.Rules {
			sev, _ := validate.ParseSeverity(s)
			p.Rules[id] = sev
		}
	}
	return p
}

// Checks configures the devops-lead/validate check run.
type Checks struct {
	// PullRequests makes the App (and the Action on pull_request events)
	// check any pull request that changes workflows, Dockerfiles, compose,
	// Terraform, Kubernetes, Helm or Prometheus files. Off by default:
	// only devops-lead's own pull requests are checked.
	PullRequests bool `yaml:"pull_requests"`
}

// Budgets bound the work one issue may cause.
type Budgets struct {
	MaxTasks        int `yaml:"max_tasks"`
	MaxFilesPerTask int `yaml:"max_files_per_task"`
	MaxRepairs      int `yaml:"max_repairs"`
}

// DefaultRepo is the configuration of a repository without a file.
func DefaultRepo() *Repo {
	return &Repo{TriggerLabel: "devops", Budgets: Budgets{MaxTasks: 8, MaxFilesPerTask: 50, MaxRepairs: 2}}
}

// WorkflowsAllowed reports whether workflow files may be written.
func (r *Repo) WorkflowsAllowed() bool { return r.Workflows == nil || *r.Workflows }

// PathAllowed reports whether AllowedPaths lets a path be written.
func (r *Repo) PathAllowed(p string) bool {
	if len(r.AllowedPaths) == 0 {
		return true
	}
	for _, g := range r.AllowedPaths {
		if ok, _ := doublestar.Match(g, p); ok {
			return true
		}
	}
	return false
}

// ModeEnabled reports whether the repository lets the lead use a mode.
func (r *Repo) ModeEnabled(slug string) bool {
	if len(r.Modes) == 0 {
		return true
	}
	for _, m := range r.Modes {
		if m == slug {
			return true
		}
	}
	return false
}

// LineError is a configuration problem at a line of the file.
type LineError struct {
	Line int
	Msg  string
	// File names the file in the message; "" is RepoPath.
	File string
}

func (e *LineError) Error() string {
	file := e.File
	if file == "" {
		file = RepoPath
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", file, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", file, e.Msg)
}

// ParseRepoFile is ParseRepo for a configuration read from another path
// (devops-lead validate --config FILE): its errors name that file.
func ParseRepoFile(name string, data []byte, knownModes func(string) bool) (*Repo, error) {
	cfg, err := ParseRepo(data, knownModes)
	if err == nil {
		return cfg, nil
	}
	var errs []error
	for _, e := range unjoin(err) {
		var le *LineError
		if errors.As(e, &le) {
			c := *le
			c.File = name
			e = &c
		}
		errs = append(errs, e)
	}
	return nil, errors.Join(errs...)
}

// unjoin returns the errors errors.Join joined, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// ParseRepo reads a configuration file. Unknown keys, wrong types and bad
// values are errors that name the line; the defaults fill what is unset.
func ParseRepo(data []byte, knownModes func(string) bool) (*Repo, error) {
	cfg := DefaultRepo()
	if len(bytes.TrimSpace(data)) == 0 {
		return cfg, nil
	}
	if len(data) > 64<<10 {
		return nil, &LineError{Msg: "the file is over 64 KiB"}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlLineError(err)
	}
	if err := checkChecks(&root); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlLineError(err)
	}
	line := func(path ...string) int { return findLine(&root, path...) }
	var errs []error
	if strings.TrimSpace(cfg.TriggerLabel) == "" {
		errs = append(errs, &LineError{Line: line("trigger_label"), Msg: "trigger_label must not be empty"})
	}
	for i, m := range cfg.Modes {
		if knownModes != nil && !knownModes(m) {
			errs = append(errs, &LineError{Line: itemLine(&root, "modes", i), Msg: fmt.Sprintf("unknown mode %q in modes", m)})
		}
	}
	for i, g := range cfg.AllowedPaths {
		if !doublestar.ValidatePattern(g) || strings.HasPrefix(g, "/") || strings.Contains(g, "..") {
			errs = append(errs, &LineError{Line: itemLine(&root, "allowed_paths", i), Msg: fmt.Sprintf("allowed_paths: %q is not a valid relative glob", g)})
		}
	}
	for i, sub := range cfg.AllowSubstitutions {
		from, to, ok := strings.Cut(sub, "->")
		if !ok || strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" || strings.ToLower(sub) != sub {
			errs = append(errs, &LineError{Line: itemLine(&root, "allow_substitutions", i),
				Msg: fmt.Sprintf("allow_substitutions: %q is not \"from->to\" in lower case (e.g. \"cloudformation->terraform\")", sub)})
		}
	}
	if v := cfg.Validate; v.Preset != "" {
		if err := (validate.Policy{Preset: v.Preset}).Check(); err != nil {
			errs = append(errs, &LineError{Line: line("validate", "preset"), Msg: "validate.preset: " + err.Error()})
		}
	}
	ids := make([]string, 0, len(cfg.Validate.Rules))
	for id := range cfg.Validate.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := validate.CheckRuleName(id); err != nil {
			errs = append(errs, &LineError{Line: line("validate", "rules", id), Msg: "validate.rules: " + err.Error()})
		} else if _, err := validate.ParseSeverity(cfg.Validate.Rules[id]); err != nil {
			errs = append(errs, &LineError{Line: line("validate", "rules", id), Msg: fmt.Sprintf("validate.rules.%s: %v", id, err)})
		}
	}
	b := &cfg.Budgets
	for _, f := range []struct {
		key string
		v   *int
		max int
	}{{"max_tasks", &b.MaxTasks, 20}, {"max_files_per_task", &b.MaxFilesPerTask, 500}, {"max_repairs", &b.MaxRepairs, 5}} {
		if *f.v < 0 || *f.v > f.max {
			errs = append(errs, &LineError{Line: line("budgets", f.key), Msg: fmt.Sprintf("budgets.%s must be between 0 and %d", f.key, f.max)})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// yamlLineError turns yaml.v3's "line N: ..." errors into LineErrors.
func yamlLineError(err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	var n int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &n); scanErr == nil {
		_, rest, _ := strings.Cut(msg, ":")
		return &LineError{Line: n, Msg: strings.TrimSpace(rest)}
	}
	return &LineError{Msg: msg}
}

func findLine(root *yaml.Node, path ...string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, key := range path {
		if n.Kind != yaml.MappingNode {
			return 0
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
				if key == path[len(path)-1] {
					return n.Content[i].Line
				}
			}
		}
		if next == nil {
			return 0
		}
		n = next
	}
	return n.Line
}

func itemLine(root *yaml.Node, key string, i int) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for j := 0; j+1 < len(n.Content); j += 2 {
		if n.Content[j].Value == key && n.Content[j+1].Kind == yaml.SequenceNode && i < len(n.Content[j+1].Content) {
			return n.Content[j+1].Content[i].Line
		}
	}
	return 0
}

// checkChecks gives a clear error for a checks section of the wrong shape
// before the decoder's generic type errors.
func checkChecks(root *yaml.Node) error {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "checks" {
			continue
		}
		v := n.Content[i+1]
		if v.Kind != yaml.MappingNode {
			return &LineError{Line: n.Content[i].Line, Msg: "checks must be a mapping, e.g. `checks: {pull_requests: true}`"}
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			k, val := v.Content[j], v.Content[j+1]
			switch k.Value {
			case "pull_requests":
				if val.Kind != yaml.ScalarNode || val.Tag != "!!bool" {
					return &LineError{Line: k.Line, Msg: fmt.Sprintf("checks.pull_requests must be true or false, not %q", val.Value)}
				}
			default:
				return &LineError{Line: k.Line, Msg: fmt.Sprintf("checks: unknown key %q (the only key is pull_requests)", k.Value)}
			}
		}
	}
	return nil
}
