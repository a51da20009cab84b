package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/devops-lead/devops-lead/internal/stack"
)

const detectSynopsis = `detect [--json] [DIR]

Prints what devops-lead believes the repository in DIR (default ".") is:
each unit with its kind and why, its directory and build context, language
and version, package manager and lock file, entry and why, start command,
port, health path, backing services and environment; then the workspaces,
the units in languages the built-in specialists cannot build, the DevOps
files the repository already has, and warnings. --json prints the same
model as JSON.

Exit status: 0 done, 1 detection failed, 2 a bad command line or a missing
directory.`

func init() {
	register(&command{
		name:    "detect",
		summary: "print the repository model: units, kinds, entries, ports, versions",
		run:     runDetect,
	})
}

// runDetect detects the repository in DIR and prints the model.
func runDetect(env *Env, args []string) int {
	fset := newFlags(env, "detect", detectSynopsis)
	asJSON := fset.Bool("json", false, "print the repository model as JSON")
	pos, code, done := parseInterspersed(env, fset, args)
	if done {
		return code
	}
	if len(pos) > 1 {
		return usageErr(env, fset, "takes at most one directory, got %d", len(pos))
	}
	dir := "."
	if len(pos) == 1 {
		dir = pos[0]
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(env.Stderr, "devops-lead detect: no directory %s: pass the path of a repository checkout\n", dir)
		return exitUsage
	case err != nil:
		fmt.Fprintf(env.Stderr, "devops-lead detect: %v\n", err)
		return exitFail
	case !st.IsDir():
		fmt.Fprintf(env.Stderr, "devops-lead detect: %s is a file: pass the repository's directory\n", dir)
		return exitUsage
	}
	repo, err := stack.Detect(os.DirFS(dir), stack.Options{})
	if err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead detect: %v\n", err)
		return exitFail
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(repo); err != nil {
			fmt.Fprintf(env.Stderr, "devops-lead detect: write JSON: %v\n", err)
			return exitFail
		}
		return exitOK
	}
	if err := writeRepo(env.Stdout, repo); err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead detect: %v\n", err)
		return exitFail
	}
	return exitOK
}

// detectWriter writes aligned "label: value" lines and keeps the first
// write error.
type detectWriter struct {
	w   io.Writer
	err error
}

func (p *detectWriter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// field prints one indented field when its value is not empty.
func (p *detectWriter) field(label, value string) {
	if value != "" {
		p.printf("  %-11s %s\n", label+":", value)
	}
}

// withWhy renders "value (why)", or value alone.
func withWhy(value, why string) string {
	switch {
	case value == "" && why == "":
		return ""
	case value == "":
		return "none (" + why + ")"
	case why == "":
		return value
	}
	return value + " (" + why + ")"
}

// writeRepo prints the model for people.
func writeRepo(w io.Writer, r *stack.Repo) error {
	p := &detectWriter{w: w}
	switch {
	case len(r.Services) == 0 && len(r.Unsupported) > 0:
		p.printf("No units the built-in specialists can build (see the unsupported units below).\n")
	case len(r.Services) == 0:
		p.printf("No units found (no go.mod, package.json, pyproject.toml, requirements.txt, Cargo.toml, pom.xml or build.gradle).\n")
	}
	for i := range r.Services {
		s := &r.Services[i]
		if i > 0 {
			p.printf("\n")
		}
		p.printf("%s: %s\n", s.Name, withWhy(string(s.Kind), s.KindReason))
		p.field("dir", s.Dir)
		p.field("context", s.Context)
		p.field("language", withWhy(strings.TrimSpace(string(s.Language)+" "+s.Version), s.VersionSource))
		pm := s.PackageManager
		switch {
		case s.Lockfile != "":
			pm += ", lockfile " + s.Lockfile
		case s.WorkspaceLock != "":
			pm += ", workspace lockfile " + s.WorkspaceLock
		case pm != "" && pm != "go" && pm != "maven" && pm != "gradle":
			pm += ", no lockfile"
		}
		p.field("packages", pm)
		p.field("install", s.InstallCommand())
		entry := s.Entry
		if s.Language == stack.Go && len(s.Mains) > 0 {
			entry = s.Mains[0]
		}
		p.field("entry", withWhy(entry, s.EntryReason))
		if len(s.Mains) > 1 {
			p.field("mains", strings.Join(s.Mains, ", "))
		}
		p.field("build", s.Build)
		p.field("test", s.Test)
		p.field("lint", s.Lint)
		p.field("start", s.Start)
		if s.Port != 0 {
			p.field("port", withWhy(fmt.Sprint(s.Port), s.PortSource))
		}
		p.field("health", s.HealthPath)
		p.field("frameworks", strings.Join(s.Frameworks, ", "))
		p.field("backing", strings.Join(s.Deps, ", "))
		if n := s.TestNeeds; n != nil {
			p.field("tests need", testNeedsLabel(n))
		}
		p.field("image", imageLabel(s.Image))
		if len(s.Env) > 0 {
			var names []string
			for _, e := range s.Env {
				names = append(names, envLabel(e))
			}
			p.field("env", strings.Join(names, ", "))
		}
	}
	if len(r.Workspaces) > 0 {
		p.printf("\nWorkspaces:\n")
		for _, ws := range r.Workspaces {
			line := fmt.Sprintf("  %s (%s)", ws.Dir, ws.Tool)
			if ws.Lockfile != "" {
				line += ", lockfile " + ws.Lockfile
			}
			if len(ws.Members) > 0 {
				line += ": " + strings.Join(ws.Members, ", ")
			}
			p.printf("%s\n", line)
		}
	}
	if len(r.Unsupported) > 0 {
		p.printf("\nUnsupported (named, not built by the built-in specialists):\n")
		for _, u := range r.Unsupported {
			p.printf("  %s: %s (%s)\n", u.Dir, stack.LanguageName(u.Language), u.Manifest)
			if l := imageLabel(u.Image); l != "" {
				p.printf("    image: %s\n", l)
			}
		}
	}
	a := r.Artifacts
	groups := []struct {
		name  string
		items []string
	}{
		{"Dockerfiles", a.Dockerfiles}, {".dockerignore", a.Dockerignores}, {"Compose", a.ComposeFiles},
		{"Workflows", a.Workflows}, {"Terraform roots", a.TerraformRoots}, {"Kubernetes", a.Kubernetes},
		{"Helm charts", a.HelmCharts}, {"Prometheus rules", a.Prometheus}, {"Wrangler", a.Wrangler},
	}
	header := false
	for _, g := range groups {
		if len(g.items) == 0 {
			continue
		}
		if !header {
			p.printf("\nExisting artifacts:\n")
			header = true
		}
		p.printf("  %-17s %s\n", g.name+":", strings.Join(g.items, ", "))
	}
	if len(r.Warnings) > 0 {
		p.printf("\nWarnings:\n")
		for _, w := range r.Warnings {
			p.printf("  %s\n", w)
		}
	}
	if r.Truncated {
		p.printf("\nThe walk stopped at the file cap: the model is partial.\n")
	}
	if p.err != nil {
		return fmt.Errorf("write the repository model: %w", p.err)
	}
	return nil
}

// envLabel renders one variable: its name, then required, secret and
// default.
func envLabel(e stack.EnvVar) string {
	var tags []string
	if e.Required {
		tags = append(tags, "required")
	}
	if e.Secret {
		tags = append(tags, "secret")
	}
	if e.Default != "" && !e.Secret {
		tags = append(tags, "default "+e.Default)
	}
	if len(tags) == 0 {
		return e.Name
	}
	return e.Name + " (" + strings.Join(tags, ", ") + ")"
}

// testNeedsLabel says what the tests are given and where that was read:
// "postgres 16 (POSTGRES_DB=app), env DATABASE_URL; withheld SECRET_KEY (compose.yml)".
func testNeedsLabel(n *stack.TestNeeds) string {
	var svcs []string
	for _, ts := range n.Services {
		label := strings.TrimSpace(ts.Kind + " " + ts.Tag)
		var set []string
		for _, e := range ts.Env {
			set = append(set, e.Name+"="+e.Default)
		}
		if len(set) > 0 {
			label += " (" + strings.Join(set, ", ") + ")"
		}
		svcs = append(svcs, label)
	}
	out := strings.Join(svcs, ", ")
	var names []string
	for _, e := range n.Env {
		names = append(names, e.Name)
	}
	if len(names) > 0 {
		out += "; env " + strings.Join(names, ", ")
	}
	if len(n.Withheld) > 0 {
		out += "; withheld " + strings.Join(n.Withheld, ", ")
	}
	return out + " (" + n.Source + ")"
}

// imageLabel describes what a unit's own Dockerfile builds: its user and
// uid (or why it cannot run under restricted pod security) and port.
func imageLabel(i *stack.Image) string {
	if i == nil {
		return ""
	}
	parts := []string{i.Dockerfile}
	switch {
	case i.NonRoot():
		parts = append(parts, fmt.Sprintf("runs as uid %d (%s)", i.UID, i.UIDSource))
	case i.User == "":
		parts = append(parts, "no USER (root unless the base image says otherwise)")
	case i.UID == 0:
		parts = append(parts, "runs as root")
	default:
		parts = append(parts, "USER "+i.User+" without a fixed uid")
	}
	if i.Port != 0 {
		parts = append(parts, fmt.Sprintf("exposes %d", i.Port))
	}
	return strings.Join(parts, ", ")
}
