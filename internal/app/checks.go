package app

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	gh "github.com/google/go-github/v62/github"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// CheckName is the check run devops-lead posts on pull requests.
const CheckName = "devops-lead/validate"

// checkCommentKind is the marker of the sticky comment that stands in for
// the check run when GitHub refuses the Checks permission.
const checkCommentKind = "validate-check"

// Limits on what a pull request check reads: files over checkMaxFileSize
// and files past the first checkMaxFiles candidates are listed as not
// checked.
const (
	checkMaxFileSize = 1 << 20
	checkMaxFiles    = 300
	// checkMaxRows bounds the findings listed in the summary (annotations
	// carry all of them, up to github.MaxAnnotations).
	checkMaxRows = 100
)

// checkedKinds are the artifact kinds whose change makes a pull request
// worth checking.
var checkedKinds = map[validate.Kind]bool{
	validate.KindWorkflow: true, validate.KindDockerfile: true, validate.KindCompose: true,
	validate.KindTerraform: true, validate.KindKubernetes: true, validate.KindHelmChart: true,
	validate.KindHelmTemplate: true, validate.KindPrometheus: true,
}

// checkFindings runs the gate over a pull request's files with the
// repository's policy (.github/devops-lead.yml validate:, recommended by
// default, as devops-lead validate), and names that policy for the
// summary. The pull requests devops-lead opens keep the strict gate their
// files passed. The files are data: they are parsed and linted, never
// executed, and no workspace is given, so no build-context rule reaches
// beyond them.
func checkFindings(_ context.Context, files []validate.File, cfg *config.Repo) ([]validate.Finding, string) {
	policy := validate.Policy{Preset: validate.PresetRecommended}
	if cfg != nil {
		policy = cfg.Validate.Policy()
		if policy.Preset == "" {
			policy.Preset = validate.PresetRecommended
		}
	}
	return policy.Apply(validate.Check(files, validate.Options{})), policy.Preset
}

// isCheckAction reports whether a pull_request action makes devops-lead
// check the pull request (when the repository enables it).
func isCheckAction(action string) bool {
	return action == "opened" || action == "synchronize" || action == "reopened"
}

// onPRCheck checks a pull request someone else opened or pushed to, when
// the repository's config enables it and the pull request changes files
// of the kinds the gate knows. Its content is untrusted: it is read at
// the head commit and validated, nothing more.
func (j *job) onPRCheck(ctx context.Context, e *gh.PullRequestEvent) error {
	pr := e.GetPullRequest()
	if j.d.Sender == j.a.Bot {
		// devops-lead's own pushes: publish checks the task's pull request.
		return nil
	}
	if pr.GetState() == "closed" {
		return nil
	}
	j.defBranch = e.GetRepo().GetDefaultBranch()
	cfg, err := j.loadConfig(ctx)
	if err != nil {
		if isConfigError(err) {
			j.log.Warn("pull request not checked: the repository config has problems", "err", err)
			return nil
		}
		return err
	}
	if !cfg.Checks.PullRequests {
		j.log.Info("pull request not checked: checks.pull_requests is off")
		return nil
	}
	sha := pr.GetHead().GetSHA()
	if sha == "" {
		return fmt.Errorf("pull request #%d: no head sha in the event", pr.GetNumber())
	}
	changed, err := j.c.PullFiles(ctx, j.owner, j.repo, pr.GetNumber())
	if err != nil {
		return err
	}
	files, skipped, err := j.readChecked(ctx, sha, changed)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		j.log.Info("pull request not checked: it changes no file the gate checks", "pr", pr.GetNumber(), "files", len(changed))
		return nil
	}
	target := map[string]bool{}
	for _, f := range files {
		if f.changed {
			target[f.Path] = true
		}
	}
	var vf []validate.File
	for _, f := range files {
		vf = append(vf, f.File)
	}
	var findings []validate.Finding
	all, policy := checkFindings(ctx, vf, cfg)
	for _, f := range all {
		if target[f.Path] {
			findings = append(findings, f)
		}
	}
	run := checkRunFor(sha, findings, keys(target), skipped, policy)
	return j.postCheck(ctx, pr.GetNumber(), run)
}

// checkFile is one file given to the gate for a pull request check;
// changed is false for a chart's Chart.yaml or values.yaml read only so
// its changed templates render.
type checkFile struct {
	validate.File
	changed bool
}

// readChecked reads, at the head commit, the changed files whose kind the
// gate checks (and, for a changed Helm template, its chart's Chart.yaml
// and values.yaml). skipped says which candidates were not read and why.
func (j *job) readChecked(ctx context.Context, sha string, changed []*gh.CommitFile) ([]checkFile, map[string]string, error) {
	var cand []string
	skipped := map[string]string{}
	extra := map[string]bool{}
	for _, f := range changed {
		p := f.GetFilename()
		if f.GetStatus() == "removed" || !candidatePath(p) {
			continue
		}
		if len(cand) >= checkMaxFiles {
			skipped[p] = fmt.Sprintf("past the first %d files", checkMaxFiles)
			continue
		}
		cand = append(cand, p)
		if chart, ok := chartOf(p); ok {
			extra[path.Join(chart, "Chart.yaml")] = true
			extra[path.Join(chart, "values.yaml")] = true
		}
	}
	if len(cand) == 0 {
		return nil, skipped, nil
	}
	isCand := map[string]bool{}
	for _, p := range cand {
		isCand[p] = true
	}
	all := append([]string(nil), cand...)
	for p := range extra {
		if !isCand[p] {
			all = append(all, p)
		}
	}
	sort.Strings(all)
	contents, notRead, err := j.c.ReadAt(ctx, j.owner, j.repo, sha, all, checkMaxFileSize)
	if err != nil {
		return nil, nil, err
	}
	for p, why := range notRead {
		if isCand[p] {
			skipped[p] = why
		}
	}
	charts := map[string]bool{}
	for p := range contents {
		if path.Base(p) == "Chart.yaml" {
			charts[path.Dir(p)] = true
		}
	}
	var out []checkFile
	for _, p := range all {
		data, ok := contents[p]
		if !ok {
			continue
		}
		inChart := false
		if chart, ok := chartOf(p); ok && charts[chart] {
			inChart = true
		}
		if !isCand[p] {
			out = append(out, checkFile{File: validate.File{Path: p, Content: data}})
			continue
		}
		if inChart || checkedKinds[validate.KindOf(p, data)] {
			out = append(out, checkFile{File: validate.File{Path: p, Content: data}, changed: true})
		}
	}
	// Companions alone (no changed file kept) check nothing.
	for _, f := range out {
		if f.changed {
			return out, skipped, nil
		}
	}
	return nil, skipped, nil
}

// candidatePath reports whether a path may hold a file of a checked kind
// (the content decides for YAML).
func candidatePath(p string) bool {
	lower := strings.ToLower(path.Base(p))
	switch path.Ext(lower) {
	case ".yml", ".yaml", ".tf", ".tfvars", ".tpl":
		return true
	}
	return lower == "dockerfile" || strings.HasPrefix(lower, "dockerfile.") || strings.HasSuffix(lower, ".dockerfile")
}

// chartOf returns the chart directory of a file under a templates/
// directory (whether it is a chart is known once its Chart.yaml is read).
func chartOf(p string) (string, bool) {
	dir := path.Dir(p)
	for d := dir; d != "." && d != "/"; d = path.Dir(d) {
		if path.Base(d) == "templates" {
			return path.Dir(d), true
		}
	}
	return "", false
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkTaskPR posts the check run on a task's pull request, from the
// findings of the gate its files passed (the strict policy). A failure is
// logged: the pull request is what the task delivers.
func (j *job) checkTaskPR(ctx context.Context, number int, head string, tr engine.TaskResult) {
	var paths []string
	for _, f := range tr.ChangeSet.Files {
		if f.Op != change.Delete {
			paths = append(paths, f.Path)
		}
	}
	sort.Strings(paths)
	run := checkRunFor(head, tr.Findings, paths, nil, "strict")
	if err := j.postCheck(ctx, number, run); err != nil {
		j.log.Warn("check run on the task's pull request", "pr", number, "err", err)
	}
}

// postCheck posts the check run, or, when GitHub refuses the Checks
// permission, keeps its summary in one sticky comment on the pull
// request, updated on each push. A token that may not comment either (a
// read-only token) is logged, not retried.
func (j *job) postCheck(ctx context.Context, number int, run github.CheckRun) error {
	cr, err := j.c.PostCheckRun(ctx, j.owner, j.repo, run)
	if err == nil {
		j.log.Info("check run posted", "pr", number, "conclusion", run.Conclusion, "annotations", len(run.Annotations), "id", cr.GetID())
		return nil
	}
	if !github.IsForbidden(err) {
		return err
	}
	j.log.Warn("no Checks permission: the check's summary goes in a comment", "pr", number, "err", err)
	body := fmt.Sprintf("%s\n\n<sub>This comment stands in for the `%s` check run: GitHub refused the Checks permission (give the App `checks: write`, or the workflow `permissions: checks: write`). Commit `%s`, conclusion **%s**.</sub>\n\n%s",
		run.Summary, CheckName, short(run.HeadSHA), run.Conclusion, github.Marker(checkCommentKind))
	if _, _, err := j.c.UpsertComment(ctx, j.owner, j.repo, number, j.a.Bot, checkCommentKind, body); err != nil {
		if github.IsForbidden(err) {
			j.log.Warn("the check's comment was refused too: the token is read-only here", "pr", number, "err", err)
			return nil
		}
		return err
	}
	return nil
}

// checkRunFor builds the check run of findings on checked files at a
// commit: failure on errors, neutral on warnings only (shown, never
// blocking: GitHub counts neutral as passing for required checks),
// success otherwise.
func checkRunFor(sha string, findings []validate.Finding, checked []string, skipped map[string]string, policy string) github.CheckRun {
	fs := append([]validate.Finding(nil), findings...)
	validate.Sort(fs)
	sum := validate.Summarize(fs)
	conclusion := github.ConclusionSuccess
	switch {
	case sum.Errors > 0:
		conclusion = github.ConclusionFailure
	case sum.Warnings > 0:
		conclusion = github.ConclusionNeutral
	}
	title := fmt.Sprintf("No findings in %d file(s)", len(checked))
	if len(fs) > 0 {
		title = sum.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s: %s\n\n", CheckName, title)
	fmt.Fprintf(&b, "Checked %d file(s) at `%s` with the `%s` policy: ", len(checked), short(sha), policy)
	switch conclusion {
	case github.ConclusionFailure:
		b.WriteString("errors make this check fail.\n\n")
	case github.ConclusionNeutral:
		b.WriteString("warnings only, so the check is neutral (it does not block a merge).\n\n")
	default:
		b.WriteString("nothing blocks.\n\n")
	}
	if len(fs) > 0 {
		b.WriteString("| severity | file | line | rule | message |\n|---|---|---|---|---|\n")
		for i, f := range fs {
			if i == checkMaxRows {
				fmt.Fprintf(&b, "\n%d more finding(s) are in the annotations.\n", len(fs)-checkMaxRows)
				break
			}
			fmt.Fprintf(&b, "| %s | `%s` | %d | `%s` | %s |\n", f.Severity, mdCode(f.Path), max(f.Line, 1), mdCode(f.Rule), mdCell(f.Message))
		}
		b.WriteString("\n")
	}
	if len(fs) > github.MaxAnnotations {
		fmt.Fprintf(&b, "Only the first %d findings are annotated.\n\n", github.MaxAnnotations)
	}
	if len(skipped) > 0 {
		b.WriteString("Not checked:\n\n")
		for _, p := range keys(boolKeys(skipped)) {
			fmt.Fprintf(&b, "- `%s`: %s\n", mdCode(p), skipped[p])
		}
		b.WriteString("\n")
	}
	b.WriteString("`devops-lead validate` runs the same gate locally.\n")
	summary := b.String()
	if len(summary) > 60000 {
		summary = summary[:60000] + "\n\n(summary cut)\n"
	}
	var anns []*gh.CheckRunAnnotation
	for _, f := range fs {
		anns = append(anns, annotationOf(f))
	}
	return github.CheckRun{Name: CheckName, HeadSHA: sha, Conclusion: conclusion, Title: title, Summary: summary, Annotations: anns}
}

// annotationOf turns a finding into an annotation at its file and line.
func annotationOf(f validate.Finding) *gh.CheckRunAnnotation {
	level := "notice"
	switch f.Severity {
	case validate.Error:
		level = "failure"
	case validate.Warning:
		level = "warning"
	}
	line := max(f.Line, 1)
	msg := f.Message
	if f.Help != "" {
		msg += "\n\n" + f.Help
	}
	if len(msg) > 60000 {
		msg = msg[:60000]
	}
	return &gh.CheckRunAnnotation{Path: gh.String(f.Path), StartLine: gh.Int(line), EndLine: gh.Int(line),
		AnnotationLevel: gh.String(level), Message: gh.String(msg), Title: gh.String(f.Rule)}
}

func boolKeys(m map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// mdCode keeps text inside a Markdown code span in a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", `\|`, "\n", " ", "\r", "").Replace(s)
}

// mdCell keeps text inside one Markdown table cell, with no markup or
// HTML taken from a file's content.
func mdCell(s string) string {
	s = strings.NewReplacer("\r", "", "\n", " ", "|", `\|`, "<", "&lt;", ">", "&gt;", "@", "@\u200b").Replace(s)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
