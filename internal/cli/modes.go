package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/suggest"
)

// repoModesDir is where a repository keeps its mode overrides.
const repoModesDir = ".github/devops-lead/modes"

const (
	modesSynopsis      = "modes [--json] [--repo DIR]\n       devops-lead modes show [--json] [--repo DIR] SLUG\n       devops-lead modes check [--overlay] DIR"
	modesShowSynopsis  = "modes show [--json] [--repo DIR] SLUG"
	modesCheckSynopsis = "modes check [--overlay] DIR"
)

func init() {
	register(&command{
		name:    "modes",
		summary: "list, show or check the modes (the lead and its specialists)",
		run:     runModes,
	})
}

// modesOpts are the flags shared by modes and modes show.
type modesOpts struct {
	json bool
	repo string
}

func (o *modesOpts) bind(fset *flag.FlagSet) {
	fset.BoolVar(&o.json, "json", o.json, "print JSON instead of text")
	fset.StringVar(&o.repo, "repo", o.repo, "apply the mode overrides in `DIR`/"+repoModesDir)
}

// runModes lists the modes as a table (or JSON), or runs the show and
// check subcommands. Exit 0 ok, 1 when a mode set is invalid or a slug is
// unknown, 2 on a bad command line.
func runModes(env *Env, args []string) int {
	var o modesOpts
	if len(args) > 0 {
		switch args[0] {
		case "show":
			return runModesShow(env, o, args[1:])
		case "check":
			return runModesCheck(env, args[1:])
		}
	}
	fset := newFlags(env, "modes", modesSynopsis)
	o.bind(fset)
	if code, done := parseFlags(env, fset, args); done {
		return code
	}
	if fset.NArg() > 0 {
		switch fset.Arg(0) {
		case "show":
			return runModesShow(env, o, fset.Args()[1:])
		case "check":
			return usageErr(env, fset, "check takes no --json or --repo: use 'modes check [--overlay] DIR'")
		}
		return usageErr(env, fset, "unknown subcommand %q: use show or check", fset.Arg(0))
	}
	reg, code := modesRegistry(env, "modes", o.repo)
	if reg == nil {
		return code
	}
	if o.json {
		return modesJSON(env, "modes", reg.All())
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tLEVEL\tWRITES\tDELEGATES")
	for _, m := range reg.All() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Slug, m.Level, modesList(m.Writes), modesList(m.DelegatesTo))
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead modes: %v\n", err)
		return exitFail
	}
	return exitOK
}

// runModesShow prints one mode: its front matter fields and its body.
func runModesShow(env *Env, o modesOpts, args []string) int {
	fset := newFlags(env, "modes show", modesShowSynopsis)
	o.bind(fset)
	pos, code, done := parseInterspersed(env, fset, args)
	if done {
		return code
	}
	if len(pos) != 1 {
		return usageErr(env, fset, "takes one mode slug (see 'devops-lead modes' for the list)")
	}
	reg, code := modesRegistry(env, "modes show", o.repo)
	if reg == nil {
		return code
	}
	m := reg.Get(pos[0])
	if m == nil {
		fmt.Fprintf(env.Stderr, "devops-lead modes show: no mode %q\n", pos[0])
		if s := suggestSlug(pos[0], reg.All()); s != "" {
			fmt.Fprintf(env.Stderr, "Did you mean %q?\n", s)
		}
		fmt.Fprintln(env.Stderr, "Run 'devops-lead modes' for the list of modes.")
		return exitFail
	}
	if o.json {
		return modesJSON(env, "modes show", modeView{Mode: m, Body: m.Body})
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 1, ' ', 0)
	for _, f := range [][2]string{
		{"slug", m.Slug}, {"name", m.Name}, {"description", m.Description}, {"level", string(m.Level)},
		{"delegates_to", modesList(m.DelegatesTo)}, {"escalates_to", modesList(m.EscalatesTo)},
		{"writes", modesList(m.Writes)}, {"model", modesValue(m.Model)}, {"tags", modesList(m.Tags)},
		{"source", m.Source},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", f[0], f[1])
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead modes show: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(env.Stdout, "\n%s", m.Body)
	return exitOK
}

// runModesCheck validates a directory of mode files as a complete set, or
// with --overlay as overrides on the embedded set, and prints each problem
// as file:line: message.
func runModesCheck(env *Env, args []string) int {
	fset := newFlags(env, "modes check", modesCheckSynopsis)
	overlay := fset.Bool("overlay", false, "check DIR as overrides on the embedded modes instead of a complete set")
	pos, code, done := parseInterspersed(env, fset, args)
	if done {
		return code
	}
	if len(pos) != 1 {
		return usageErr(env, fset, "takes one directory of mode files")
	}
	dir := pos[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(env.Stderr, "devops-lead modes check: %s is not a directory: give the directory that holds the *.md mode files\n", dir)
		return exitUsage
	}
	var reg *mode.Registry
	var err error
	if *overlay {
		base, derr := mode.Default()
		if derr != nil {
			return modesProblems(env, "modes check", derr, "")
		}
		reg, err = mode.WithOverrides(base, os.DirFS(dir), ".")
	} else {
		reg, err = mode.Load(os.DirFS(dir), ".")
	}
	if err != nil {
		return modesProblems(env, "modes check", err, dir)
	}
	fmt.Fprintf(env.Stdout, "%s: ok, %d modes (lead %s)\n", dir, len(reg.All()), reg.Lead().Slug)
	return exitOK
}

// modesRegistry returns the embedded modes, with the overrides of repo
// applied when repo is set. On failure it prints why and returns nil and
// the exit code.
func modesRegistry(env *Env, name, repo string) (*mode.Registry, int) {
	reg, err := mode.Default()
	if err != nil {
		return nil, modesProblems(env, name, err, "")
	}
	if repo == "" {
		return reg, exitOK
	}
	if st, err := os.Stat(repo); err != nil || !st.IsDir() {
		fmt.Fprintf(env.Stderr, "devops-lead %s: --repo %s is not a directory\n", name, repo)
		return nil, exitUsage
	}
	reg, err = mode.WithOverrides(reg, os.DirFS(repo), repoModesDir)
	if err != nil {
		return nil, modesProblems(env, name, err, repo)
	}
	return reg, exitOK
}

// modesProblems prints each problem of err as file:line: message on
// standard output, with repository files shown under root, and returns 1.
func modesProblems(env *Env, name string, err error, root string) int {
	ps := mode.Problems(err)
	for _, p := range ps {
		q := *p
		if root != "" && q.File != "" && !strings.HasPrefix(q.File, "embedded:") {
			q.File = filepath.Join(root, filepath.FromSlash(q.File))
		}
		fmt.Fprintln(env.Stdout, q.Error())
	}
	fmt.Fprintf(env.Stderr, "devops-lead %s: %d problem(s) in the mode files\n", name, len(ps))
	return exitFail
}

// modeView is a mode with its body, for JSON output.
type modeView struct {
	*mode.Mode
	Body string `json:"body"`
}

func modesJSON(env *Env, name string, v any) int {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead %s: %v\n", name, err)
		return exitFail
	}
	return exitOK
}

func modesList(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ", ")
}

func modesValue(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// suggestSlug returns the mode slug nearest to s: within 3 edits, or else
// the only slug that contains s.
func suggestSlug(s string, ms []*mode.Mode) string {
	best, bestD := "", 4
	var containing []string
	for _, m := range ms {
		if d := suggest.Distance(s, m.Slug); d < bestD {
			best, bestD = m.Slug, d
		}
		if s != "" && strings.Contains(m.Slug, s) {
			containing = append(containing, m.Slug)
		}
	}
	if best == "" && len(containing) == 1 {
		return containing[0]
	}
	return best
}
