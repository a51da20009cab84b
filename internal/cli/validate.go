package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"

	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/validate"
)

const validateSynopsis = `validate [--format text|json|sarif] [--output FILE] [--preset recommended|strict] [--config FILE] [--strict] [--rules] [PATH...]

Checks the workflows, Dockerfiles, .dockerignore, Compose, Terraform,
Kubernetes, Helm charts (rendered with their values.yaml), Prometheus rules
and other YAML/JSON/TOML files under each PATH (default ".") with the gate
every generated change passes. Paths in the
report are relative to the current directory. Suppress a finding with a
comment "devops-lead:ignore RULE reason" on its line or the line above; the
rules are listed by --rules and in docs/rules.md.

The Dockerfile build-context rules (COPY sources, local dependencies and
lockfiles outside the context, entrypoints no stage produces, base image
tags that do not exist, cgo packages with CGO_ENABLED=0) read the
repository: the nearest directory at or above the current directory that
holds .git, or the current directory when there is none. Run validate from
inside the repository; a path outside it gets every other rule. A
Dockerfile is checked in the contexts the repository builds it with: a
Compose build:, a workflow's docker/build-push-action or docker build, or a
comment "# docker build -f <this Dockerfile> <dir>" in it (paths from the
repository root), or a docker build in a Makefile next to or above it;
else the nearest directory, from its own up to the repository root, that
holds every file it copies (its own directory when none does).

The policy sets each rule's severity: the preset (--preset, else strict
with --strict, else the config's validate.preset, else recommended) and then
the config's validate.rules (error, warning, note or off per rule id). The
config is --config FILE, else .github/devops-lead.yml at the repository
root when it exists. recommended makes non-root users, the restricted pod
security profile and pinning third-party actions warnings, and lets
actions/* and github/* use release tags; strict is the gate every
generated change passes (docs/rules.md lists both).

When shellcheck is on the PATH, workflow run: scripts (as actionlint
-shellcheck does) and Dockerfile RUN lines are checked with it and its
findings are reported as shellcheck/SC<code>; when it is not, the report
says so.

Exit status: 0 clean, 1 an error (or, with --strict, a warning) was found,
2 a bad command line, a missing path or a bad config.`

func init() {
	register(&command{
		name:    "validate",
		summary: "check workflows, Dockerfiles, Compose, Terraform, K8s, Helm and other files",
		run:     runValidate,
	})
}

// validateOpts are the flags of the validate command.
type validateOpts struct {
	format string
	output string
	strict bool
	rules  bool
	preset string
	config string
}

// runValidate checks the artifacts under the given paths (default ".") with
// the same gate the engine uses. Exit 0 when clean, 1 when any error (or,
// with --strict, any warning) is found or the check could not run, 2 on a
// bad command line or a missing path.
func runValidate(env *Env, args []string) int {
	fset := newFlags(env, "validate", validateSynopsis)
	var o validateOpts
	fset.StringVar(&o.format, "format", "text", "output `format`: text, json or sarif")
	fset.StringVar(&o.output, "output", "", "write the report to `FILE` instead of standard output")
	fset.BoolVar(&o.strict, "strict", false, "fail on warnings too, not only on errors; the preset is strict unless --preset says otherwise")
	fset.BoolVar(&o.rules, "rules", false, "list every rule (as a table, or JSON with --format json) and exit")
	fset.StringVar(&o.preset, "preset", "", "policy `preset`: recommended (the default) or strict (the default with --strict)")
	fset.StringVar(&o.config, "config", "", "read the validate: policy from `FILE` (default: .github/devops-lead.yml at the repository root)")
	paths, code, done := parseInterspersed(env, fset, args)
	if done {
		return code
	}
	switch o.format {
	case "text", "json", "sarif":
	default:
		return usageErr(env, fset, "unknown --format %q: use text, json or sarif", o.format)
	}
	if o.preset != "" {
		if err := (validate.Policy{Preset: o.preset}).Check(); err != nil {
			return usageErr(env, fset, "--preset: %v", err)
		}
	}
	if o.rules {
		if len(paths) > 0 {
			return usageErr(env, fset, "--rules takes no paths")
		}
		if o.format == "sarif" {
			return usageErr(env, fset, "--rules prints text or json, not sarif")
		}
		return writeValidateOutput(env, o.output, func(w io.Writer) error { return writeRuleList(w, o.format) })
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	cwd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead validate: find the current directory: %v\n", err)
		return exitFail
	}
	found, err := validate.DiscoverAll(cwd, paths)
	if err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead validate: %v\n", err)
		if errors.Is(err, fs.ErrNotExist) {
			return exitUsage
		}
		return exitFail
	}
	opts := repositoryOptions(cwd)
	policy, code := validatePolicy(env, o, opts)
	if code != exitOK {
		return code
	}
	var notices []string
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else if hasShell(found.Files) {
		notices = append(notices, validate.NoticeNoShellcheck)
	}
	findings := append(checkFiles(found.Files, opts, runtime.GOMAXPROCS(0)), found.Skipped...)
	findings = policy.Apply(findings)
	validate.Sort(findings)
	if code := writeValidateOutput(env, o.output, func(w io.Writer) error {
		switch o.format {
		case "json":
			return validate.WriteJSONNotices(w, findings, notices)
		case "sarif":
			return validate.WriteSARIFNotices(w, findings, versionString(), notices)
		}
		return validate.WriteTextNotices(w, findings, notices)
	}); code != exitOK {
		return code
	}
	sum := validate.Summarize(findings)
	// Say what was looked at on stderr, and the outcome too when the
	// report went to a file or is machine-readable.
	if o.output != "" || o.format != "text" {
		fmt.Fprintf(env.Stderr, "devops-lead validate: %d file(s) checked: %s\n", len(found.Files), sum)
	} else {
		fmt.Fprintf(env.Stderr, "devops-lead validate: %d file(s) checked\n", len(found.Files))
	}
	if sum.Errors > 0 || (o.strict && sum.Warnings > 0) {
		return exitFail
	}
	return exitOK
}

// validatePolicy returns the policy of a validate run: the preset from
// --preset, else strict with --strict, else the config's, else
// recommended; then the config's per-rule severities. The config is
// --config, else .github/devops-lead.yml under the repository root (the
// Workspace of opts) when it exists. A bad preset or config is exit 2.
func validatePolicy(env *Env, o validateOpts, opts validate.Options) (validate.Policy, int) {
	var (
		data []byte
		name string
		err  error
	)
	switch {
	case o.config != "":
		name = o.config
		data, err = os.ReadFile(o.config)
	case opts.Workspace != nil:
		name = config.RepoPath
		data, err = fs.ReadFile(opts.Workspace, config.RepoPath)
		if errors.Is(err, fs.ErrNotExist) {
			data, err = nil, nil
		}
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead validate: read the config: %v\n", err)
		return validate.Policy{}, exitUsage
	}
	cfg, err := config.ParseRepoFile(name, data, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead validate: %v\n", err)
		return validate.Policy{}, exitUsage
	}
	p := cfg.Validate.Policy()
	switch {
	case o.preset != "":
		p.Preset = o.preset
	case o.strict:
		p.Preset = validate.PresetStrict
	case p.Preset == "":
		p.Preset = validate.PresetRecommended
	}
	if err := p.Check(); err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead validate: --preset: %v\n", err)
		return validate.Policy{}, exitUsage
	}
	return p, exitOK
}

// hasShell reports whether any file is a workflow or a Dockerfile, whose
// shell shellcheck would check.
func hasShell(files []validate.File) bool {
	for _, f := range files {
		if k := validate.KindOf(f.Path, f.Content); k == validate.KindWorkflow || k == validate.KindDockerfile {
			return true
		}
	}
	return false
}

// repositoryOptions returns the gate options that give the build-context
// rules the repository: its root is the nearest directory at or above cwd
// holding .git (a directory, or a file in a linked worktree), else cwd;
// the file paths, relative to cwd, start at Base inside it. A human
// Dockerfile built by a script the gate cannot read gets the context its
// sources point at (InferContexts).
func repositoryOptions(cwd string) validate.Options {
	root := cwd
	for d := cwd; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			root = d
			break
		}
		up := filepath.Dir(d)
		if up == d {
			break
		}
		d = up
	}
	base, err := filepath.Rel(root, cwd)
	if err != nil {
		return validate.Options{Workspace: os.DirFS(cwd), InferContexts: true}
	}
	return validate.Options{Workspace: os.DirFS(root), Base: filepath.ToSlash(base), InferContexts: true}
}

// checkFiles runs the gate over the files on up to workers goroutines and
// returns the same sorted findings validate.Check would: it runs Check's
// jobs (one per file, one per Helm chart) and merges them in job order.
func checkFiles(files []validate.File, opts validate.Options, workers int) []validate.Finding {
	jobs := validate.Jobs(files, opts)
	workers = min(workers, len(jobs))
	if workers < 2 {
		return validate.Check(files, opts)
	}
	results := make([][]validate.Finding, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				results[i] = jobs[i]()
			}
		})
	}
	wg.Wait()
	var out []validate.Finding
	for _, r := range results {
		out = append(out, r...)
	}
	validate.Sort(out)
	return out
}

// writeValidateOutput runs write against standard output, or against the file
// named by output (created or truncated), and returns the exit code.
func writeValidateOutput(env *Env, output string, write func(io.Writer) error) int {
	if output == "" {
		if err := write(env.Stdout); err != nil {
			fmt.Fprintf(env.Stderr, "devops-lead validate: %v\n", err)
			return exitFail
		}
		return exitOK
	}
	f, err := os.Create(output)
	if err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead validate: create the --output file: %v\n", err)
		return exitFail
	}
	werr := write(f)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead validate: write %s: %v\n", output, err)
		return exitFail
	}
	return exitOK
}

// writeRuleList lists every registered rule as an aligned table or as JSON,
// with its severity under the strict preset (the registered one) and under
// recommended.
func writeRuleList(w io.Writer, format string) error {
	rules := validate.Rules()
	if format == "json" {
		type ruleEntry struct {
			validate.Rule
			Recommended validate.Severity `json:"recommended"`
		}
		list := make([]ruleEntry, 0, len(rules))
		for _, r := range rules {
			list = append(list, ruleEntry{r, validate.PresetSeverity(validate.PresetRecommended, r)})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			return fmt.Errorf("write the rules as JSON: %w", err)
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTRICT\tRECOMMENDED\tEQUIVALENT\tSUMMARY")
	for _, r := range rules {
		eq := strings.Join(validate.Equivalents(r), ",")
		if eq == "" {
			eq = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.Severity, validate.PresetSeverity(validate.PresetRecommended, r), eq, r.Summary)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write the rules table: %w", err)
	}
	return nil
}
