package validate

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Kind is the artifact kind of a file, which decides the checks it gets.
type Kind string

// The artifact kinds the gate knows.
const (
	KindWorkflow     Kind = "workflow"
	KindDockerfile   Kind = "dockerfile"
	KindDockerignore Kind = "dockerignore"
	KindCompose      Kind = "compose"
	KindTerraform    Kind = "terraform"
	KindKubernetes   Kind = "kubernetes"
	KindHelmChart    Kind = "helm-chart"    // a chart's Chart.yaml
	KindHelmTemplate Kind = "helm-template" // a file under the templates/ of a chart in the set
	KindPrometheus   Kind = "prometheus"
	KindYAML         Kind = "yaml" // any other YAML file: must parse
	KindJSON         Kind = "json" // any other JSON file: must parse
	KindTOML         Kind = "toml" // any other TOML file: must parse
	KindAny          Kind = "any"  // rules that apply to every file
	KindOther        Kind = "other"
)

// File is one file given to the gate.
type File struct {
	Path    string
	Content []byte
}

// Options steer the gate.
type Options struct {
	// Allowed, when set, reports whether the writing mode may write a
	// path; a path it refuses is an error finding.
	Allowed func(path string) bool
	// Owner names the writing mode in path findings.
	Owner string
	// Workspace, when set, is the repository the files belong to, opened
	// at its root. The build-context rules of Dockerfiles (COPY sources,
	// local dependencies and lockfiles outside the context, entrypoints no
	// stage produces, base image tags that do not exist, cgo packages
	// built with CGO_ENABLED=0) run only with it; the files being checked
	// are seen in place of the workspace's.
	Workspace fs.FS
	// Base is the directory inside Workspace that the files' paths are
	// relative to; "" or "." is the root.
	Base string
	// Contexts maps a Dockerfile's path, as given to the gate, to the
	// directory of its build context, relative to the same directory as
	// the paths (a compose build.context or an image workflow's context).
	// A Dockerfile not listed gets the contexts the repository's Compose
	// files (build:) and workflows (docker/build-push-action, docker
	// build) give it, and otherwise its own directory.
	Contexts map[string]string
	// InferContexts, for Dockerfiles no one declares a context for,
	// takes the nearest directory at or above the Dockerfile's in which
	// every plain COPY/ADD source exists (a human Dockerfile written for
	// docker build -f services/api/Dockerfile . by a script the gate
	// cannot read). Without it such a Dockerfile is checked in its own
	// directory, as the engine wants for the Dockerfiles it writes.
	InferContexts bool
	// Shellcheck, when set, is the shellcheck executable to run over
	// workflow run: scripts and Dockerfile RUN lines (see shellcheck.go);
	// the engine leaves it empty, so its gate needs no process.
	Shellcheck string
	// TimeLimit bounds the time the checks of one file (or the render of
	// one Helm chart) may take; a file over it gets a check-time-limit
	// finding instead of its findings. 0 means DefaultTimeLimit; a
	// negative value means no limit.
	TimeLimit time.Duration

	// overlay holds the checked files by workspace path, and declared
	// the contexts Compose files and workflows give each Dockerfile;
	// Jobs sets both.
	overlay  map[string][]byte
	declared map[string][]string
}

// checker runs the checks of one kind on one file.
type checker func(path string, content []byte) []Finding

var (
	checkersMu sync.Mutex
	checkers   = map[Kind][]checker{}
)

// registerChecker adds the checks of a kind; kind files call it from init.
func registerChecker(k Kind, c checker) {
	checkersMu.Lock()
	defer checkersMu.Unlock()
	checkers[k] = append(checkers[k], c)
}

func checkersFor(k Kind) []checker {
	checkersMu.Lock()
	defer checkersMu.Unlock()
	return append([]checker(nil), checkers[k]...)
}

// KindOf tells a file's artifact kind from its path and, where the path is
// not enough (YAML under k8s/, rules files), from its content.
func KindOf(p string, content []byte) Kind {
	base := path.Base(p)
	lower := strings.ToLower(base)
	ext := path.Ext(lower)
	switch {
	case (strings.HasPrefix(p, ".github/workflows/") || strings.Contains(p, "/.github/workflows/")) &&
		(ext == ".yml" || ext == ".yaml"):
		return KindWorkflow
	case lower == "dockerfile" || strings.HasPrefix(lower, "dockerfile.") || strings.HasSuffix(lower, ".dockerfile"):
		return KindDockerfile
	case lower == ".dockerignore" || strings.HasSuffix(lower, ".dockerignore"):
		return KindDockerignore
	case base == "Chart.yaml":
		return KindHelmChart
	case isComposeName(lower):
		return KindCompose
	case ext == ".tf" || ext == ".tfvars":
		return KindTerraform
	case (ext == ".yml" || ext == ".yaml") && isHelmInput(p):
		// Helm values and helm-unittest suites hold manifests as data
		// (extraObjects, asserts), not manifests to apply.
		return KindYAML
	case ext == ".yml" || ext == ".yaml":
		s := string(content)
		switch {
		case yamlTemplateRe.MatchString(s):
			// Liquid or Jinja text that writes YAML (a Jekyll site's
			// rule-file template): not YAML itself, not rules.
			return KindOther
		case strings.Contains(s, "apiVersion:") && strings.Contains(s, "kind:"):
			return KindKubernetes
		case strings.Contains(s, "groups:") && (strings.Contains(s, "alert:") || strings.Contains(s, "record:")):
			return KindPrometheus
		case strings.Contains(s, "services:") && strings.Contains(p, "compose"):
			return KindCompose
		}
		return KindYAML
	case ext == ".json":
		return KindJSON
	case ext == ".toml":
		return KindTOML
	}
	return KindOther
}

// yamlTemplateRe matches a line that starts, at its first column, with a
// Liquid or Jinja block tag ({% if %}, {%- for %}): no YAML document has
// one there (a block scalar's lines are indented), and such files are
// templates that produce YAML.
var yamlTemplateRe = regexp.MustCompile(`(?m)^\{%-?[ \t]*[a-z]`)

func isComposeName(base string) bool {
	for _, n := range []string{"compose", "docker-compose"} {
		for _, e := range []string{".yml", ".yaml"} {
			if base == n+e || (strings.HasPrefix(base, n+".") && strings.HasSuffix(base, e)) {
				return true
			}
		}
	}
	return false
}

// Check runs the gate over a set of files: the checks of each file's kind,
// the rules for every file, and the path rule; then each Helm chart in the
// set (a Chart.yaml with the files under its templates/) is rendered with
// its values.yaml and the rendered manifests are checked (see helm.go).
// Findings are sorted and inline suppressions are honoured.
func Check(files []File, opts Options) []Finding {
	var out []Finding
	for _, job := range Jobs(files, opts) {
		out = append(out, job()...)
	}
	Sort(out)
	return out
}

// Jobs splits the work of Check(files, opts) into independent jobs that
// may run concurrently: one per file, in order, then one per Helm chart.
// Running every job, concatenating their findings in job order and
// sorting them (Sort is stable) gives exactly Check's result.
func Jobs(files []File, opts Options) []func() []Finding {
	if opts.Workspace != nil {
		opts = withRepository(opts, files)
	}
	roots := helmChartRoots(files)
	jobs := make([]func() []Finding, 0, len(files)+len(roots))
	for _, f := range files {
		kind := KindOf(f.Path, f.Content)
		if helmIsTemplate(f.Path, roots) {
			// A template of a chart in the set is Go template text, not
			// YAML: the chart job renders it and checks the output.
			kind = KindHelmTemplate
		} else if kind == KindKubernetes || kind == KindPrometheus {
			if _, rel, ok := helmChartOf(f.Path, roots); ok && helmInputDir(rel) {
				kind = KindYAML // helm install/lint/unittest inputs, by the chart's layout
			}
		}
		jobs = append(jobs, func() []Finding { return checkFileKind(f.Path, f.Content, kind, opts) })
	}
	for _, root := range sortedRoots(roots) {
		chart := path.Join(root, "Chart.yaml")
		jobs = append(jobs, func() []Finding {
			return withTimeLimit(opts.TimeLimit, chart, func() []Finding { return safeChart(root, files, roots) })
		})
	}
	return jobs
}

// CheckFile runs the gate over one file on its own. A Helm template seen
// alone is not rendered (its chart is not there) and not parsed either;
// Check renders the charts of a set.
func CheckFile(p string, content []byte, opts Options) []Finding {
	if opts.Workspace != nil {
		opts = withRepository(opts, []File{{Path: p, Content: content}})
	}
	return checkFileKind(p, content, KindOf(p, content), opts)
}

// checkFileKind runs the path rule, the rules for every file and the
// checks of kind over one file.
func checkFileKind(p string, content []byte, kind Kind, opts Options) []Finding {
	var out []Finding
	if opts.Allowed != nil && !opts.Allowed(p) {
		owner := opts.Owner
		if owner == "" {
			owner = "this mode"
		}
		out = append(out, rulePathAllowed.at(p, 0, 0, "%s may not write %s: the path is outside its writes globs", owner, p))
	}
	if len(content) > MaxFileSize {
		// Nothing that large is checked, so nothing that large is
		// published; it also bounds the time the gate can take.
		out = append(out, ruleGateSize.at(p, 0, 0, "%d bytes, over the %d byte limit: the file is not checked and cannot be published", len(content), MaxFileSize))
		return out
	}
	out = append(out, withTimeLimit(opts.TimeLimit, p, func() []Finding {
		var out []Finding
		for _, c := range checkersFor(KindAny) {
			out = append(out, safeRun(c, p, content)...)
		}
		checks := checkersFor(kind)
		switch kind {
		case KindCompose:
			if opts.Workspace != nil {
				checks = []checker{func(p string, content []byte) []Finding { return checkComposeRepo(p, content, opts) }}
			}
		case KindTerraform:
			if opts.Workspace != nil {
				checks = []checker{func(p string, content []byte) []Finding { return checkTerraformInModule(p, content, opts) }}
			}
		case KindDockerfile:
			if opts.Workspace != nil {
				if wp, ok := joinInside(opts.Base, p); ok {
					if named := composeNamedContexts(newRepoView(opts.Workspace, opts.overlay), wp); named != nil {
						checks = []checker{func(p string, content []byte) []Finding { return checkDockerfileNamed(p, content, named) }}
					}
				}
			}
		}
		for _, c := range checks {
			out = append(out, safeRun(c, p, content)...)
		}
		if kind == KindDockerfile && opts.Workspace != nil {
			ctx := func(p string, content []byte) []Finding { return checkDockerfileContext(p, content, opts) }
			out = append(out, safeRun(ctx, p, content)...)
		}
		if opts.Shellcheck != "" {
			sc := func(p string, content []byte) []Finding { return checkShellcheck(opts.Shellcheck, p, content, kind) }
			out = append(out, safeRun(sc, p, content)...)
		}
		return out
	})...)
	out = applySuppressions(content, out)
	Sort(out)
	return out
}

var rulePathAllowed = register(Rule{
	ID: "path-allowed", Kind: KindAny, Severity: Error,
	Summary: "a mode writes only paths inside its writes globs",
})

// safeRun turns a panic in a parser into an error finding: malformed input
// must never crash the engine.
func safeRun(c checker, p string, content []byte) (out []Finding) {
	defer func() {
		if r := recover(); r != nil {
			out = []Finding{ruleInternal.at(p, 0, 0, "the checker failed on this file: %v", r)}
		}
	}()
	return c(p, content)
}

// DefaultTimeLimit is the time the checks of one file may take when
// Options.TimeLimit is 0. Parsers with super-linear cases (deeply nested
// PromQL, pathological YAML) stop being waited for after it.
const DefaultTimeLimit = 30 * time.Second

var ruleTimeLimit = register(Rule{
	ID: "check-time-limit", Kind: KindAny, Severity: Warning,
	Summary: "the checks of one file took longer than the time limit, so the file was not checked",
	Help:    "split the file or simplify its deepest expression; the limit keeps one pathological file from stalling the gate",
})

// withTimeLimit runs checks and returns their findings, or, when they take
// longer than limit (0: DefaultTimeLimit, negative: none), a
// check-time-limit finding on p. The checks then finish in the background
// and their findings are dropped: a parser cannot be interrupted, but the
// gate no longer waits for it.
func withTimeLimit(limit time.Duration, p string, checks func() []Finding) []Finding {
	if limit < 0 {
		return checks()
	}
	if limit == 0 {
		limit = DefaultTimeLimit
	}
	done := make(chan []Finding, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- []Finding{ruleInternal.at(p, 0, 0, "the checker failed on this file: %v", r)}
			}
		}()
		done <- checks()
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case out := <-done:
		return out
	case <-t.C:
		return []Finding{ruleTimeLimit.at(p, 0, 0, "not checked: the checks took longer than %s", limit)}
	}
}

var ruleGateSize = register(Rule{
	ID: "file-size", Kind: KindAny, Severity: Error,
	Summary: "a file given to the gate is at most 1 MiB (larger files are neither checked nor published)",
})

var ruleInternal = register(Rule{
	ID: "checker-failed", Kind: KindAny, Severity: Error,
	Summary: "a parser or checker failed on the file (malformed input)",
})

// applySuppressions drops findings suppressed by an inline comment
// "devops-lead:ignore RULE reason" on the finding's line or the line above.
// A suppression without a reason does not count.
func applySuppressions(content []byte, fs []Finding) []Finding {
	if len(fs) == 0 || !strings.Contains(string(content), "devops-lead:ignore") {
		return fs
	}
	lines := strings.Split(string(content), "\n")
	suppressed := func(line int, rule string) bool {
		for _, l := range []int{line, line - 1} {
			if l < 1 || l > len(lines) {
				continue
			}
			i := strings.Index(lines[l-1], "devops-lead:ignore")
			if i < 0 {
				continue
			}
			fields := strings.Fields(lines[l-1][i+len("devops-lead:ignore"):])
			if len(fields) >= 2 && fields[0] == rule {
				return true
			}
		}
		return false
	}
	out := fs[:0]
	for _, f := range fs {
		if f.Severity != Error || f.Rule != rulePathAllowed.ID {
			if suppressed(f.Line, f.Rule) {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}
