package revise

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/lead"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/registry"
)

// DigestResolver resolves an image reference with a tag to the digest its
// registry serves ("sha256:…"). *registry.Resolver is the production one.
type DigestResolver interface {
	Digest(ctx context.Context, ref string) (string, error)
}

// Revise is Work for a task whose pull request was reviewed: the task as
// the lead plans it with the review read as part of the request (revised),
// the specialist's files for it, then the reviewers' instructions applied
// to those files. What could not be done is said in the ChangeSet's Notes,
// which the reply to the reviewer lists.
func Revise(ctx context.Context, in engine.WorkInput, s kit.Specialist, digests DigestResolver) (*change.ChangeSet, error) {
	t, err := revised(ctx, in)
	if err != nil {
		return nil, err
	}
	reading := readFeedback(in.Feedback)
	reading.Unclear = slices.DeleteFunc(reading.Unclear, func(u string) bool { return leadReads(ctx, in, t, u) })
	in.Task = withAskedServices(t, in, reading.Asks)
	cs, err := s(ctx, in)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		cs = change.New(t.ID, t.Mode)
	}
	if digests == nil {
		digests = registry.FromEnv()
	}
	rep := ApplyReview(ctx, digests, in.Task, cs, reading.Asks)
	cs.Notes = append(cs.Notes, rep.notes(reading)...)
	return cs, nil
}

// leadReads reports whether the built-in lead acted on a sentence of a
// review when it planned the revised task (revised): the task it plans
// without that sentence differs from the revised one ("add autoscaling"
// turns a param on), or the sentence alone changes the task as it stood.
func leadReads(ctx context.Context, in engine.WorkInput, revisedTask engine.Task, sentence string) bool {
	var without []string
	for _, f := range in.Feedback {
		without = append(without, strings.Replace(f.Body, sentence, "", 1))
	}
	if t, ok := planTask(ctx, in, without); ok && !sameTask(t, revisedTask) {
		return true
	}
	t, ok := planTask(ctx, in, []string{sentence})
	return ok && !sameTask(t, in.Task)
}

// planTask is the task as the lead plans it with texts added to the
// issue; false when it no longer plans the task.
func planTask(ctx context.Context, in engine.WorkInput, texts []string) (engine.Task, bool) {
	issue := in.Issue
	issue.Body = strings.TrimSpace(issue.Body + "\n\n" + strings.Join(texts, "\n\n"))
	p, err := lead.Plan(ctx, engine.PlanInput{Issue: issue, Repo: in.Repo, Workspace: in.Workspace})
	if err != nil {
		return engine.Task{}, false
	}
	for _, t := range p.Tasks {
		if t.ID == in.Task.ID && t.Mode == in.Task.Mode {
			return t, true
		}
	}
	return engine.Task{}, false
}

// sameTask reports whether two plans of a task ask for the same work.
func sameTask(a, b engine.Task) bool {
	return maps.Equal(a.Params, b.Params) && slices.Equal(a.Files, b.Files) && slices.Equal(a.Services, b.Services)
}

// withAskedServices adds the backing services a review asks for to a
// compose task's params, so the compose specialist writes them as it
// writes every backing service.
func withAskedServices(t engine.Task, in engine.WorkInput, asks []ReviewAsk) engine.Task {
	if t.Mode != kit.ComposeMode {
		return t
	}
	var list []string
	if raw, ok := t.Params["backing"]; ok {
		for _, b := range strings.Split(raw, ",") {
			if b = strings.TrimSpace(b); b != "" {
				list = append(list, b)
			}
		}
	} else if in.Repo != nil {
		for _, s := range in.Repo.Services {
			for _, d := range s.Deps {
				if !slices.Contains(list, d) {
					list = append(list, d)
				}
			}
		}
	}
	n := len(list)
	for _, a := range asks {
		if a.Kind == AskService && !slices.Contains(list, a.Value) {
			list = append(list, a.Value)
		}
	}
	if len(list) == n {
		return t
	}
	params := map[string]string{}
	for k, v := range t.Params {
		params[k] = v
	}
	params["backing"] = strings.Join(list, ",")
	t.Params = params
	return t
}

// reviewReport is what applying a review did and did not do.
type reviewReport struct {
	done    []string
	NotDone []string
}

func (r *reviewReport) did(format string, args ...any) {
	r.done = append(r.done, fmt.Sprintf(format, args...))
}

func (r *reviewReport) skipped(format string, args ...any) {
	r.NotDone = append(r.NotDone, fmt.Sprintf(format, args...))
}

// notes renders the report for the reply: what was done, then every
// instruction not acted on, each with why, then the sentences not
// understood.
func (r *reviewReport) notes(reading reviewReading) []string {
	var out []string
	for _, d := range r.done {
		out = append(out, "Done for the review: "+d+".")
	}
	for _, n := range r.NotDone {
		out = append(out, "Not done: "+n+".")
	}
	for _, u := range reading.Unclear {
		out = append(out, fmt.Sprintf("Not done: the built-in brain did not understand %q; edit the branch for it yourself.", clip(u, 160)))
	}
	for _, s := range reading.Satisfied {
		out = append(out, fmt.Sprintf("Kept: %q — secret values are never written into files; they are referenced by name.", clip(s, 160)))
	}
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// fileKind says which editor a path gets.
func fileKind(p string, content []byte) string {
	base := path.Base(p)
	switch {
	case strings.HasPrefix(base, "Dockerfile") || strings.HasSuffix(base, ".Dockerfile") || strings.HasSuffix(base, ".dockerfile"):
		return "dockerfile"
	case !strings.HasSuffix(base, ".yml") && !strings.HasSuffix(base, ".yaml"):
		return ""
	case strings.HasPrefix(p, ".github/workflows/"):
		return "workflow"
	case strings.HasPrefix(base, "compose.") || strings.HasPrefix(base, "docker-compose"):
		return "compose"
	case strings.Contains(string(content), "apiVersion:") && strings.Contains(string(content), "kind:") && !strings.Contains(string(content), "{{"):
		return "kubernetes"
	}
	return ""
}

// ApplyReview applies the asks to the ChangeSet's files (each file's edit
// re-parsed, so an edit that would break it is not made) and reports.
func ApplyReview(ctx context.Context, digests DigestResolver, t engine.Task, cs *change.ChangeSet, asks []ReviewAsk) *reviewReport {
	rep := &reviewReport{}
	for _, a := range asks {
		switch a.Kind {
		case AskService:
			applyService(t, cs, a, rep)
		case askDrop:
			applyDrop(cs, a, rep)
		case askRename:
			applyRename(cs, a, rep)
		case askPinDigest:
			applyPins(ctx, digests, cs, a, rep)
		default:
			applyEdit(cs, a, rep)
		}
	}
	return rep
}

// targets returns the ChangeSet's files an ask may edit: the commented
// file for a line comment that the ChangeSet has, else every file.
func targets(cs *change.ChangeSet, a ReviewAsk) []*change.File {
	var out []*change.File
	for _, f := range cs.Files {
		if f.Op == change.Delete {
			continue
		}
		if a.Path != "" && cs.Get(a.Path) != nil && f.Path != a.Path {
			continue
		}
		out = append(out, f)
	}
	return out
}

// fileEditor edits one kind of file for one ask: the new content, a
// description of what changed ("" when the file has nothing the ask is
// about) or an error saying why the file could not be edited.
type fileEditor func(content []byte, a ReviewAsk) ([]byte, string, error)

var editors = map[string]map[string]fileEditor{
	"dockerfile": {askPort: dfPort, askEnv: dfEnv, askBaseImage: dfBase, askVersion: dfVersion},
	"workflow":   {askRunner: wfRunner, askVersion: wfVersion, askStep: wfStep, askEnv: wfEnv},
	"compose":    {askPort: composePort, askEnv: composeEnv, askVersion: yamlImageVersion},
	"kubernetes": {askPort: k8sPort, askEnv: k8sEnv, askVersion: yamlImageVersion},
}

// applyEdit runs the ask's editor over every file it applies to.
func applyEdit(cs *change.ChangeSet, a ReviewAsk, rep *reviewReport) {
	var kinds []string
	acted := false
	for _, f := range targets(cs, a) {
		kind := fileKind(f.Path, f.Content)
		ed := editors[kind][a.Kind]
		if ed == nil {
			continue
		}
		kinds = append(kinds, kind)
		out, what, err := ed(f.Content, a)
		switch {
		case err != nil:
			rep.skipped("%s in `%s`: %v", describeAsk(a), f.Path, err)
			acted = true
		case what != "":
			if err := reparse(kind, out); err != nil {
				rep.skipped("%s in `%s`: the edit would not parse (%v), so it was not made", describeAsk(a), f.Path, err)
			} else {
				f.Content = out
				rep.did("%s in `%s`", what, f.Path)
			}
			acted = true
		}
	}
	if acted {
		return
	}
	if len(kinds) == 0 {
		rep.skipped("%s: this pull request has no file the built-in brain edits for that (%s)", describeAsk(a), strings.Join(cs.Paths(), ", "))
		return
	}
	rep.skipped("%s: none of this pull request's files has what it is about", describeAsk(a))
}

// describeAsk says an ask in words.
func describeAsk(a ReviewAsk) string {
	switch a.Kind {
	case askPort:
		if a.From != "" {
			return "port " + a.From + " → " + a.Value
		}
		return "port " + a.Value
	case askVersion:
		return a.Target + " version " + a.Value
	case askBaseImage:
		return "base image " + a.Value
	case askRunner:
		return "runner " + a.Value
	case askEnv:
		return "environment variable " + a.Target
	case AskService:
		return "service " + a.Value
	case askStep:
		return "step `" + a.Value + "`"
	case askRename:
		return "rename " + a.Target + " → " + a.Value
	case askDrop:
		return "drop " + a.Value
	case askPinDigest:
		return "pin images by digest"
	}
	return a.Kind
}

// applyService reports the services a compose task now writes; other
// tasks do not write compose files.
func applyService(t engine.Task, cs *change.ChangeSet, a ReviewAsk, rep *reviewReport) {
	if t.Mode != kit.ComposeMode {
		rep.skipped("add the %s service: this pull request is the %s task; ask for it on the issue, where the compose task writes backing services", a.Value, t.ID)
		return
	}
	for _, f := range cs.Files {
		if fileKind(f.Path, f.Content) == "compose" && strings.Contains(string(f.Content), "\n  "+a.Value+":") {
			rep.did("the %s service in `%s`", a.Value, f.Path)
			return
		}
	}
	rep.skipped("add the %s service: the compose specialist did not write it", a.Value)
}

// applyDrop drops a file from the pull request: a file it adds is not
// added, a file it changes is left as the repository has it.
func applyDrop(cs *change.ChangeSet, a ReviewAsk, rep *reviewReport) {
	want := a.Value
	if want == "" {
		want = a.Path
	}
	var match []*change.File
	for _, f := range cs.Files {
		if f.Path == want || (!strings.Contains(want, "/") && path.Base(f.Path) == want) {
			match = append(match, f)
		}
	}
	switch {
	case want == "":
		rep.skipped("drop a file: the comment does not say which")
	case len(match) == 0:
		rep.skipped("drop %s: this pull request has no such file", want)
	case len(match) > 1:
		rep.skipped("drop %s: it matches %d files; name the path", want, len(match))
	default:
		p := match[0].Path
		cs.Files = slices.DeleteFunc(cs.Files, func(f *change.File) bool { return f.Path == p })
		rep.did("dropped `%s` from this pull request", p)
	}
}

// applyRename renames a compose service, a workflow job, or a file the
// pull request adds (a file the repository has is never renamed).
func applyRename(cs *change.ChangeSet, a ReviewAsk, rep *reviewReport) {
	for _, f := range targets(cs, a) {
		var out []byte
		var err error
		switch fileKind(f.Path, f.Content) {
		case "compose":
			out, err = renameYAMLKey(f.Content, "services", a.Target, a.Value, []string{"depends_on", "links"})
		case "workflow":
			out, err = renameYAMLKey(f.Content, "jobs", a.Target, a.Value, []string{"needs"})
		default:
			continue
		}
		if err != nil {
			rep.skipped("rename %s in `%s`: %v", a.Target, f.Path, err)
			return
		}
		if out != nil {
			if err := reparse(fileKind(f.Path, f.Content), out); err != nil {
				rep.skipped("rename %s in `%s`: the edit would not parse (%v)", a.Target, f.Path, err)
				return
			}
			f.Content = out
			rep.did("renamed %s to %s in `%s`", a.Target, a.Value, f.Path)
			return
		}
	}
	for _, f := range cs.Files {
		if f.Path != a.Target && path.Base(f.Path) != a.Target {
			continue
		}
		if f.Op != change.Add {
			rep.skipped("rename `%s`: the repository already has it, and devops-lead never renames a repository's file", f.Path)
			return
		}
		np := path.Join(path.Dir(f.Path), a.Value)
		if strings.Contains(a.Value, "/") || cs.Get(np) != nil || engine.CheckPath(np) != nil {
			rep.skipped("rename `%s` to %s: not a free file name next to it", f.Path, a.Value)
			return
		}
		old := f.Path
		f.Path = np
		slices.SortFunc(cs.Files, func(x, y *change.File) int { return strings.Compare(x.Path, y.Path) })
		rep.did("renamed `%s` to `%s`", old, np)
		return
	}
	rep.skipped("rename %s: this pull request has no service, job or file of that name", a.Target)
}

// applyPins pins every image the pull request's files name by tag to the
// digest its registry serves now. A digest is never made up: an image the
// registry does not answer for stays as it is, and the reply says why.
func applyPins(ctx context.Context, digests DigestResolver, cs *change.ChangeSet, a ReviewAsk, rep *reviewReport) {
	cache := map[string]string{}
	failed := map[string]error{}
	resolve := func(ref string) (string, error) {
		if d, ok := cache[ref]; ok {
			return d, nil
		}
		if err, ok := failed[ref]; ok {
			return "", err
		}
		d, err := digests.Digest(ctx, ref)
		if err == nil && !validDigest(d) {
			err = fmt.Errorf("the registry answered %q, which is not a sha256 digest", d)
		}
		if err != nil {
			failed[ref] = err
			rep.skipped("pin %s by digest: %v", ref, err)
			return "", err
		}
		cache[ref] = d
		return d, nil
	}
	found := false
	for _, f := range targets(cs, a) {
		kind := fileKind(f.Path, f.Content)
		var out []byte
		var pinned []string
		switch kind {
		case "dockerfile":
			out, pinned = dfPin(f.Content, resolve)
		case "compose", "kubernetes":
			out, pinned = yamlPin(f.Content, resolve)
		default:
			continue
		}
		found = true
		if len(pinned) == 0 {
			continue
		}
		if err := reparse(kind, out); err != nil {
			rep.skipped("pin images in `%s`: the edit would not parse (%v)", f.Path, err)
			continue
		}
		f.Content = out
		rep.did("pinned %s by digest in `%s`", strings.Join(pinned, ", "), f.Path)
	}
	if !found {
		rep.skipped("pin images by digest: this pull request has no Dockerfile, compose file or Kubernetes manifest")
	}
}

// validDigest reports whether d is "sha256:" and 64 hex digits.
func validDigest(d string) bool {
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(h) != 64 {
		return false
	}
	for _, r := range h {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// revised is the task as the built-in lead plans it when the reviewers'
// comments are read as part of the request: "add autoscaling" on the
// Kubernetes pull request turns its autoscaling param on. The built-in
// brain understands what its lead understands in a request, no more; a
// review it cannot act on gives the same task, and so the same files.
func revised(ctx context.Context, in engine.WorkInput) (engine.Task, error) {
	var asked []string
	for _, f := range in.Feedback {
		if s := strings.TrimSpace(f.Body); s != "" {
			asked = append(asked, s)
		}
	}
	issue := in.Issue
	issue.Body = strings.TrimSpace(issue.Body + "\n\n" + strings.Join(asked, "\n\n"))
	p, err := lead.Plan(ctx, engine.PlanInput{Issue: issue, Repo: in.Repo, Workspace: in.Workspace})
	if err != nil {
		return engine.Task{}, fmt.Errorf("read the review as part of the request: %w", err)
	}
	var ids []string
	for _, t := range p.Tasks {
		if t.ID == in.Task.ID && t.Mode == in.Task.Mode {
			return t, nil
		}
		ids = append(ids, t.ID)
	}
	return engine.Task{}, fmt.Errorf("with the review read as part of the request, the built-in lead no longer plans task %q (it plans: %s); ask for the change on the issue with `/devops plan <what you need>`",
		in.Task.ID, strings.Join(ids, ", "))
}
