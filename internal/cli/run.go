package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/devops-lead/devops-lead/internal/brain/builtin"
	"github.com/devops-lead/devops-lead/internal/brain/gemini"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/publish"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// exitQuestions is returned when the lead asks questions instead of planning.
const exitQuestions = 3

// exitDeclined is returned when the plan declines everything the request
// asks, with the reasons.
const exitDeclined = 4

const runSynopsis = `run [flags] ["request text"]

Plans the request against a local repository with the lead, has the
specialists write the files, validates them, and puts each task's files on
its own branch (devops-lead/<request>/<mode>) without touching your working
tree, index or current branch.

Give the request as text or with --issue-file (Markdown: a "# Title" line,
then the body). Exit codes: 0 done, 1 a task failed or the run could not
start, 2 bad command line, 3 the lead needs answers before it can plan,
4 the lead declined everything the request asks (the reasons are printed).

Examples:
  devops-lead run --repo examples/go-api --dry-run "add CI and containerize the API"
  devops-lead run --repo . --issue-file issue.md
  devops-lead run --repo services/api --out /tmp/out "compose file with Postgres"`

type runFlags struct {
	repo, issueFile, out, brain string
	gemini                      gemini.Config
	dryRun, asJSON, quiet       bool
	maxRepairs                  int
}

func init() {
	register(&command{name: "run", summary: "plan and carry out a request on a local repository", run: cmdRun})
}

func cmdRun(env *Env, args []string) int {
	fs := newFlags(env, "run", runSynopsis)
	var f runFlags
	fs.StringVar(&f.repo, "repo", ".", "the repository, or a service directory inside one (the monorepo case)")
	fs.StringVar(&f.issueFile, "issue-file", "", "read the request from a Markdown file (- for stdin)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the plan and the unified diff; write nothing")
	fs.StringVar(&f.out, "out", "", "write the files into this directory instead of creating branches")
	fs.BoolVar(&f.asJSON, "json", false, "print a machine-readable result on stdout")
	fs.StringVar(&f.brain, "brain", "auto", "which brain thinks: builtin, gemini or auto (gemini when GEMINI_API_KEY is set)")
	fs.StringVar(&f.gemini.Model, "model", "", "gemini brain: the model for every mode (default: each mode's model)")
	fs.IntVar(&f.gemini.MaxTurns, "max-turns", gemini.DefaultMaxTurns, "gemini brain: model turns per task")
	fs.Int64Var(&f.gemini.MaxInputTokens, "max-input-tokens", gemini.DefaultMaxInputTokens, "gemini brain: input tokens per task")
	fs.Int64Var(&f.gemini.MaxOutputTokens, "max-output-tokens", gemini.DefaultMaxOutputTokens, "gemini brain: output tokens per task")
	fs.IntVar(&f.gemini.MaxRounds, "finish-rounds", gemini.DefaultMaxRounds, "gemini brain: times a task's finish may be refused by the gate before it fails")
	fs.IntVar(&f.maxRepairs, "max-repairs", engine.DefaultMaxRepairs, "repair rounds a task gets after the gate refuses its files")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr")
	if code, done := parseFlags(env, fs, args); done {
		return code
	}
	if f.dryRun && f.out != "" {
		return usageErr(env, fs, "--dry-run and --out do not go together: --dry-run writes nothing")
	}
	text := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if text != "" && f.issueFile != "" {
		return usageErr(env, fs, "give the request either as text or with --issue-file, not both")
	}
	if text == "" && f.issueFile == "" {
		return usageErr(env, fs, "say what you need, e.g. devops-lead run \"add CI\", or use --issue-file")
	}
	issue, err := readIssue(env, text, f.issueFile)
	if err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead run: %v\n", err)
		return exitFail
	}
	brain, err := pickBrain(env, f.brain, f.gemini)
	if err != nil {
		return usageErr(env, fs, "%v", err)
	}
	if f.maxRepairs < 0 {
		return usageErr(env, fs, "--max-repairs must be 0 or more")
	}
	return runRequest(env, f, issue, brain)
}

// pickBrain returns the brain --brain names. auto is gemini when
// GEMINI_API_KEY is set, else builtin. gemini needs GEMINI_API_KEY (or
// GOOGLE_API_KEY, or Vertex AI through GOOGLE_GENAI_USE_VERTEXAI and the
// SDK's own variables). DEVOPS_LEAD_GEMINI_BASE_URL, undocumented, points
// the client at another endpoint (the tests' fake server).
func pickBrain(env *Env, name string, cfg gemini.Config) (engine.Brain, error) {
	model := cfg.Model
	if cfg.MaxTurns < 1 || cfg.MaxInputTokens < 1 || cfg.MaxOutputTokens < 1 || cfg.MaxRounds < 1 {
		return nil, errors.New("--max-turns, --max-input-tokens, --max-output-tokens and --finish-rounds must be 1 or more")
	}
	key := env.Getenv("GEMINI_API_KEY")
	if key == "" {
		key = env.Getenv("GOOGLE_API_KEY")
	}
	vertex := strings.EqualFold(env.Getenv("GOOGLE_GENAI_USE_VERTEXAI"), "true") || env.Getenv("GOOGLE_GENAI_USE_VERTEXAI") == "1"
	switch name {
	case "builtin":
		if model != "" {
			return nil, errors.New("--model applies to the gemini brain only; drop it or use --brain gemini")
		}
		return builtin.New(), nil
	case "auto":
		if env.Getenv("GEMINI_API_KEY") == "" {
			if model != "" {
				return nil, errors.New("--model applies to the gemini brain only, and GEMINI_API_KEY is not set")
			}
			return builtin.New(), nil
		}
	case "gemini":
		if key == "" && !vertex {
			return nil, errors.New("--brain gemini needs GEMINI_API_KEY (or GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION); set one or use --brain builtin")
		}
	default:
		return nil, fmt.Errorf("--brain %q: want builtin, gemini or auto", name)
	}
	cfg.BaseURL = env.Getenv("DEVOPS_LEAD_GEMINI_BASE_URL")
	if !vertex {
		cfg.APIKey = key
	}
	b, err := gemini.New(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("--brain gemini: %w", err)
	}
	return b, nil
}

// readIssue builds the request from text (first line is the title) or from
// a Markdown file whose first "# " heading is the title.
func readIssue(env *Env, text, file string) (engine.Issue, error) {
	if file != "" {
		var data []byte
		var err error
		if file == "-" {
			data, err = io.ReadAll(io.LimitReader(env.Stdin, 1<<20))
		} else {
			data, err = os.ReadFile(file)
		}
		if err != nil {
			return engine.Issue{}, fmt.Errorf("read the issue file: %w", err)
		}
		text = string(data)
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	title, body, _ := strings.Cut(text, "\n")
	title = strings.TrimSpace(strings.TrimLeft(title, "# "))
	if title == "" {
		return engine.Issue{}, errors.New("the request is empty: say what you need, e.g. \"add CI\"")
	}
	if len(title) > 200 {
		title = title[:200]
	}
	return engine.Issue{Title: title, Body: strings.TrimSpace(body)}, nil
}

// runOutput is the --json document.
type runOutput struct {
	*engine.Result
	Mode     string                 `json:"publish_mode"` // dry-run, out, branches
	Diffs    map[string]string      `json:"diffs,omitempty"`
	Branches []publish.BranchResult `json:"branches,omitempty"`
	Out      string                 `json:"out,omitempty"`
	Stats    runStats               `json:"stats"`
	Error    string                 `json:"error,omitempty"`
}

type runStats struct {
	BytesRead   int64 `json:"bytes_read"`
	FilesOpened int64 `json:"files_opened"`
	WallMS      int64 `json:"wall_ms"`
}

func runRequest(env *Env, f runFlags, issue engine.Issue, brain engine.Brain) int {
	start := time.Now()
	ctx := context.Background()
	fail := func(format string, args ...any) int {
		fmt.Fprintf(env.Stderr, "devops-lead run: "+format+"\n", args...)
		return exitFail
	}
	abs, err := filepath.Abs(f.repo)
	if err != nil {
		return fail("%v", err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return fail("--repo %s: not a directory", f.repo)
	}

	// The workspace is the enclosing git repository when there is one, so
	// paths are repository-relative and --repo inside it is the focus.
	root, focus := abs, ""
	var git *publish.Git
	branches := !f.dryRun && f.out == ""
	if g, gerr := publish.OpenGit(abs); gerr == nil {
		git, root, focus = g, g.Toplevel(), g.Prefix()
	} else if branches {
		return fail("%v", gerr)
	}
	if branches {
		if err := git.CheckClean(); err != nil {
			return fail("%v", err)
		}
	}
	ws := workspace.Local(root)
	modes, err := loadModes(ws)
	if err != nil {
		return fail("%v", err)
	}
	cfg, err := loadRepoConfig(ws, modes)
	if err != nil {
		return fail("%v", err)
	}
	var progress io.Writer = env.Stderr
	if f.quiet {
		progress = nil
	}
	eng := &engine.Engine{Brain: brain, Modes: modes, Progress: progress, MaxRepairs: f.maxRepairs, AllowSubstitutions: cfg.AllowSubstitutions}
	if f.maxRepairs == 0 {
		eng.MaxRepairs = -1
	}
	eng.Detect.Dir = focus
	if focus != "" && progress != nil {
		fmt.Fprintf(progress, "repository %s, focus %s\n", root, focus)
	}

	out := &runOutput{Result: &engine.Result{Issue: issue}}
	finish := func(code int) int {
		out.Stats = runStats{BytesRead: ws.BytesRead(), FilesOpened: ws.FilesOpened(), WallMS: time.Since(start).Milliseconds()}
		if f.asJSON {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(out); err != nil {
				fmt.Fprintf(env.Stderr, "devops-lead run: %v\n", err)
				return exitFail
			}
		}
		return code
	}
	text := env.Stdout
	if f.asJSON {
		text = io.Discard
	}

	plan, repo, err := eng.Plan(ctx, issue, ws)
	out.Plan, out.Repo = plan, repo
	if plan != nil {
		printPlan(text, plan)
	}
	if err != nil {
		out.Error = err.Error()
		fmt.Fprintf(env.Stderr, "devops-lead run: %v\n", err)
		if errors.Is(err, engine.ErrNothingToDo) && plan != nil && len(plan.Declined) > 0 {
			return finish(exitDeclined)
		}
		return finish(exitFail)
	}
	if len(plan.Questions) > 0 {
		out.Error = "the lead needs answers before it can plan"
		fmt.Fprintln(env.Stderr, "devops-lead run: the lead needs answers before it can plan; add them to the request and run again")
		return finish(exitQuestions)
	}
	res, err := eng.Work(ctx, issue, plan, repo, ws)
	if err != nil {
		out.Error = err.Error()
		fmt.Fprintf(env.Stderr, "devops-lead run: %v\n", err)
		return finish(exitFail)
	}
	out.Result = res
	printResults(text, res)

	switch {
	case f.dryRun:
		out.Mode = "dry-run"
		out.Diffs = map[string]string{}
		for _, tr := range res.Tasks {
			if tr.Status == engine.StatusDone {
				out.Diffs[tr.Task.ID] = tr.ChangeSet.Diff()
				fmt.Fprintf(text, "\n# %s (%s)\n%s", tr.Task.Title, tr.Task.Mode, tr.ChangeSet.Diff())
			}
		}
		fmt.Fprintln(text, "\n(dry run: nothing was written)")
	case f.out != "":
		out.Mode, out.Out = "out", f.out
		d := &publish.Dir{Out: f.out}
		if err := d.Publish(ctx, res); err != nil {
			out.Error = err.Error()
			fmt.Fprintf(env.Stderr, "devops-lead run: %v\n", err)
			return finish(exitFail)
		}
		fmt.Fprintf(text, "\nFiles written under %s\n", f.out)
	default:
		out.Mode = "branches"
		brs, err := git.PublishBranches(ctx, res)
		out.Branches = brs
		if err != nil {
			out.Error = err.Error()
			fmt.Fprintf(env.Stderr, "devops-lead run: %v\n", err)
			return finish(exitFail)
		}
		fmt.Fprintln(text)
		for _, b := range brs {
			fmt.Fprintf(text, "branch %s: %s (%s)\n", b.Branch, b.Action, shortSHA(b.Commit))
		}
		if len(brs) > 0 {
			fmt.Fprintf(text, "Review with: git log -p %s\n", brs[0].Branch)
		}
	}
	for _, tr := range res.Tasks {
		if tr.Status == engine.StatusFailed || tr.Status == engine.StatusSkipped {
			return finish(exitFail)
		}
	}
	return finish(exitOK)
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// loadRepoConfig reads the repository's .github/devops-lead.yml, if it
// has one, as the App does from the default branch.
func loadRepoConfig(ws *workspace.Dir, modes *mode.Registry) (*config.Repo, error) {
	data, err := workspace.ReadFile(ws, config.RepoPath, 64<<10)
	if errors.Is(err, fs.ErrNotExist) {
		return config.DefaultRepo(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", config.RepoPath, err)
	}
	cfg, err := config.ParseRepo(data, func(slug string) bool { return modes.Get(slug) != nil })
	if err != nil {
		return nil, fmt.Errorf("%w (fix the file, or move it away to run with the defaults)", err)
	}
	return cfg, nil
}

// loadModes returns the embedded modes with the repository's overrides
// from .github/devops-lead/modes.
func loadModes(ws *workspace.Dir) (*mode.Registry, error) {
	base, err := mode.Default()
	if err != nil {
		return nil, fmt.Errorf("embedded modes: %w", err)
	}
	reg, err := mode.WithOverrides(base, ws, ".github/devops-lead/modes")
	if err != nil {
		return nil, fmt.Errorf("the repository's modes in .github/devops-lead/modes: %w", err)
	}
	return reg, nil
}

func printPlan(w io.Writer, p *engine.Plan) {
	fmt.Fprintf(w, "Plan (%s brain)\n\n%s\n", p.Brain, wrap(p.Summary, 78))
	if len(p.Questions) > 0 {
		fmt.Fprintln(w, "\nBefore planning, the lead needs to know:")
		for i, q := range p.Questions {
			fmt.Fprintf(w, "  %d. %s\n", i+1, q)
		}
	}
	for i, t := range p.Tasks {
		fmt.Fprintf(w, "\n%d. %s  [%s, id %s]\n", i+1, t.Title, t.Mode, t.ID)
		if t.Goal != "" {
			fmt.Fprintf(w, "   Goal: %s\n", t.Goal)
		}
		if t.Why != "" {
			fmt.Fprintf(w, "   Why:  %s\n", t.Why)
		}
		if len(t.DependsOn) > 0 {
			fmt.Fprintf(w, "   After: %s\n", strings.Join(t.DependsOn, ", "))
		}
		if len(t.Files) > 0 {
			fmt.Fprintf(w, "   Files: %s\n", strings.Join(t.Files, ", "))
		}
		for _, a := range t.Acceptance {
			fmt.Fprintf(w, "   - [ ] %s\n", a)
		}
	}
	if len(p.Declined) > 0 {
		fmt.Fprintln(w, "\nWill not do:")
		for _, d := range p.Declined {
			fmt.Fprintf(w, "  - %s\n", d)
		}
	}
	if len(p.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
	if p.Usage != nil {
		fmt.Fprintf(w, "\nPlanning used %s\n", usageText(p.Usage))
	}
}

// usageText describes what a model-backed brain spent.
func usageText(u *change.Usage) string {
	return fmt.Sprintf("%d turn(s), %d input and %d output token(s) of %s", u.Turns, u.InputTokens, u.OutputTokens, u.Model)
}

func printResults(w io.Writer, r *engine.Result) {
	fmt.Fprintln(w, "\nResults")
	for _, tr := range r.Tasks {
		fmt.Fprintf(w, "\n%s [%s]: %s\n", tr.Task.Title, tr.Task.Mode, tr.Status)
		if tr.Error != "" {
			fmt.Fprintf(w, "  %s\n", tr.Error)
		}
		if tr.ChangeSet != nil && tr.ChangeSet.Usage != nil {
			fmt.Fprintf(w, "  used %s\n", usageText(tr.ChangeSet.Usage))
		}
		if tr.ChangeSet != nil {
			for _, file := range tr.ChangeSet.Files {
				add, del := file.Stat()
				fmt.Fprintf(w, "  %-7s %s (+%d -%d)\n", opWord(file.Op), file.Path, add, del)
				if file.Note != "" {
					fmt.Fprintf(w, "          %s\n", file.Note)
				}
			}
		}
		for _, fd := range tr.Findings {
			if fd.Severity != validate.Error || tr.Status == engine.StatusFailed {
				fmt.Fprintf(w, "  %s\n", fd.String())
			}
		}
	}
}

func opWord(op change.Op) string {
	switch op {
	case change.Add:
		return "add"
	case change.Delete:
		return "delete"
	}
	return "change"
}

// wrap folds text at width columns on spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	for _, para := range strings.Split(s, "\n") {
		n := 0
		for i, word := range strings.Fields(para) {
			if i > 0 && n+1+len(word) > width {
				b.WriteString("\n")
				n = 0
			} else if i > 0 {
				b.WriteString(" ")
				n++
			}
			b.WriteString(word)
			n += len(word)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
