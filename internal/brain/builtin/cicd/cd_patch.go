package cicd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/devops-lead/devops-lead/internal/workspace"
	"gopkg.in/yaml.v3"
)

// cdOnNode returns the on: key and value nodes of a workflow's top-level
// mapping, nil when it has none.
func cdOnNode(root *yaml.Node) (key, val *yaml.Node) {
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "on" {
			return root.Content[i], root.Content[i+1]
		}
	}
	return nil, nil
}

// cdBranchMatch reports whether a branch filter pattern matches a branch
// (GitHub's * does not cross a slash, ** does).
func cdBranchMatch(pattern, branch string) bool {
	if pattern == branch || pattern == "**" {
		return true
	}
	if strings.Contains(pattern, "**") {
		re := regexp.QuoteMeta(pattern)
		re = strings.ReplaceAll(re, `\*\*`, ".*")
		re = strings.ReplaceAll(re, `\*`, "[^/]*")
		ok, _ := regexp.MatchString("^"+re+"$", branch)
		return ok
	}
	ok, _ := path.Match(pattern, branch)
	return ok
}

// cdRunsOnPush reports whether a workflow's on: value runs it on a push
// to branch.
func cdRunsOnPush(on *yaml.Node, branch string) bool {
	if on == nil {
		return false
	}
	switch on.Kind {
	case yaml.ScalarNode:
		return on.Value == "push"
	case yaml.SequenceNode:
		for _, e := range on.Content {
			if e.Kind == yaml.ScalarNode && e.Value == "push" {
				return true
			}
		}
		return false
	case yaml.MappingNode:
	default:
		return false
	}
	var push *yaml.Node
	found := false
	for i := 0; i+1 < len(on.Content); i += 2 {
		if on.Content[i].Value == "push" {
			push, found = on.Content[i+1], true
		}
	}
	if !found {
		return false
	}
	if push.Kind != yaml.MappingNode {
		return true // push: with no filters
	}
	if b := kit.MapValue(push, "branches"); b != nil {
		for _, p := range ciScalars(b) {
			if !strings.HasPrefix(p, "!") && cdBranchMatch(p, branch) {
				return true
			}
		}
		return false
	}
	if b := kit.MapValue(push, "branches-ignore"); b != nil {
		for _, p := range ciScalars(b) {
			if cdBranchMatch(p, branch) {
				return false
			}
		}
		return true
	}
	// Tags (or tags-ignore) alone: branch pushes do not run it.
	return kit.MapValue(push, "tags") == nil && kit.MapValue(push, "tags-ignore") == nil
}

// cdRunsOnPushText is cdRunsOnPush for a workflow's text.
func cdRunsOnPushText(src, branch string) bool {
	var doc yaml.Node
	if yaml.Unmarshal([]byte(src), &doc) != nil || len(doc.Content) != 1 {
		return false
	}
	_, on := cdOnNode(doc.Content[0])
	return cdRunsOnPush(on, branch)
}

// cdDeployRE finds a deploy in a workflow; cdNotDeployRE removes what
// only publishes a package.
var (
	cdDeployRE    = regexp.MustCompile(`(?i)deploy|kubectl (apply|set image|rollout)|terraform apply|helm (upgrade|install)`)
	cdNotDeployRE = regexp.MustCompile(`(?i)(mvn|mvnw|gradle|gradlew)\S* [^\n]*deploy`)
	// cdPublishRE finds a package or release publish: such a workflow
	// (GitHub's PyPI starter names its job deploy) must not run on every
	// push.
	cdPublishRE = regexp.MustCompile(`(?i)pypi-publish|twine upload|npm publish|yarn publish|pnpm publish|cargo publish|nuget push|gem push|mvn\S* [^\n]*deploy|gradlew?\S* [^\n]*publish|goreleaser|action-gh-release|gh release (create|upload)|poetry publish|uv publish|flit publish|hatch publish`)
)

// cdManualEvents are the triggers of a deploy that runs on releases, tags
// or by hand only.
var cdManualEvents = map[string]bool{"release": true, "workflow_dispatch": true, "push": true, "repository_dispatch": true}

// CDDeployWorkflow returns, of a repository's workflow files (slash paths),
// the first by name that deploys (and publishes no package or release)
// and runs on releases, tags or manual dispatch only, not on pushes to the
// default branch: the workflow a cd task with tool=workflow patches. ""
// when there is none.
func CDDeployWorkflow(ws fs.FS, workflows []string) string {
	if ws == nil {
		return ""
	}
	branch := CIDefaultBranch(ws, CIExistingWorkflows(ws, nil))
	list := append([]string(nil), workflows...)
	sort.Strings(list)
	for _, p := range list {
		b, err := workspace.ReadFile(ws, p, 0)
		if err != nil {
			continue
		}
		src := cdNotDeployRE.ReplaceAllString(string(b), "")
		if !cdDeployRE.MatchString(src) || cdPublishRE.MatchString(string(b)) {
			continue
		}
		var doc yaml.Node
		if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) != 1 {
			continue
		}
		_, on := cdOnNode(doc.Content[0])
		if on == nil || cdRunsOnPush(on, branch) {
			continue
		}
		events := cdEvents(on)
		ok := len(events) > 0
		for _, e := range events {
			ok = ok && cdManualEvents[e]
		}
		if ok {
			return p
		}
	}
	return ""
}

// cdEvents lists the events of an on: value.
func cdEvents(on *yaml.Node) []string {
	switch on.Kind {
	case yaml.ScalarNode:
		return []string{on.Value}
	case yaml.SequenceNode:
		return ciScalars(on)
	case yaml.MappingNode:
		var out []string
		for i := 0; i+1 < len(on.Content); i += 2 {
			out = append(out, on.Content[i].Value)
		}
		return out
	}
	return nil
}

// cdContextRE finds what a job reads that a push does not set.
var cdContextRE = regexp.MustCompile(`github\.event\.release\b|github\.event\.inputs\b|\binputs\.[A-Za-z_]|github\.event_name\s*==|startsWith\(\s*github\.ref\s*,\s*'refs/tags/`)

// cdWriteTriggerPatch patches an existing deploy workflow in place so it
// also runs on pushes to the default branch, keeping every trigger it
// has. A workflow that already runs on those pushes is left as it is,
// with a note. The task must name the workflow in its files, or the
// engine's change policy refuses the patch; the specialist does not
// check it, so that ciTaskFiles can tell the lead the path to name.
func cdWriteTriggerPatch(in engine.WorkInput, branch, wf string, cs *change.ChangeSet) error {
	src, err := workspace.ReadFile(in.Workspace, wf, 0)
	if err != nil {
		return fmt.Errorf("task %s: params workflow %s: %w", in.Task.ID, wf, err)
	}
	cur, prev := src, ""
	if f := cs.Get(wf); f != nil && f.Op != change.Delete {
		// Another workflow of the task patched it already (pins,
		// permissions): the trigger patch goes on top of that one.
		cur, prev = f.Content, f.Note
	}
	out, notes, err := cdPatchTrigger(wf, cur, branch)
	if err != nil {
		return fmt.Errorf("task %s: %s is not patched: %w", in.Task.ID, wf, err)
	}
	if out == nil {
		cdNote(cs, notes[0])
		return nil
	}
	if err := engine.Minimal(src, out); err != nil {
		return fmt.Errorf("task %s: %s is not patched: %w", in.Task.ID, wf, err)
	}
	if prev != "" {
		notes = append([]string{prev}, notes...)
	}
	cs.Put(wf, out, src, strings.Join(notes, "; "))
	return nil
}

// cdPatchTrigger adds push: branches: [branch] to a workflow's triggers:
// when it has no push trigger, one push trigger entry; when push has tags
// only, a branches filter; when push has branches, the branch. An on:
// written as one event or a one-line list becomes a mapping of the same
// events. A workflow that fails the gate on pinning or permissions gets
// ciPatchWorkflow's fix first, and one with no concurrency group gets a
// top-level one, so deploys never overlap. The edit is spliced into the
// text; the result must decode to the same workflow but for on: (and
// concurrency:), keep every comment, pass the gate and be a minimal diff.
// It returns nil content and a note when the workflow already runs on
// pushes to branch.
func cdPatchTrigger(wf string, src []byte, branch string) ([]byte, []string, error) {
	var notes []string
	cur := src
	if errs := validate.Errors(validate.CheckFile(wf, src, validate.Options{})); len(errs) > 0 {
		fix, err := ciPatchWorkflow(wf, src, errs)
		if err != nil {
			return nil, nil, fmt.Errorf("it fails the gate and a minimal patch cannot fix that: %w", err)
		}
		cur = fix.content
		notes = append(notes, "also "+fix.note())
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(cur, &doc); err != nil {
		return nil, nil, fmt.Errorf("it does not parse as YAML: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode || doc.Content[0].Style&yaml.FlowStyle != 0 {
		return nil, nil, fmt.Errorf("it is not a block mapping at the top")
	}
	root := doc.Content[0]
	key, on := cdOnNode(root)
	if on == nil {
		return nil, nil, fmt.Errorf("it has no on: block")
	}
	if cdRunsOnPush(on, branch) {
		return nil, []string{fmt.Sprintf("%s already runs on pushes to %s, so it is left as it is", wf, branch)}, nil
	}
	crlf := bytes.Contains(cur, []byte("\r\n"))
	lines := strings.Split(strings.ReplaceAll(string(cur), "\r\n", "\n"), "\n")
	lines, how, err := cdSpliceOn(lines, key, on, branch)
	if err != nil {
		return nil, nil, err
	}
	if ciConcurrencyMissing(root) {
		if lines, err = cdInsertConcurrency(lines, root); err != nil {
			return nil, nil, err
		}
		notes = append(notes, "adds a top-level concurrency group (cancel-in-progress: false) so a push and a release never deploy at the same time")
	}
	notes = append([]string{fmt.Sprintf("patched in place to run also on pushes to %s (%s); every other trigger is kept", branch, how)}, notes...)
	if m := cdContextRE.FindAllString(string(cur), -1); len(m) > 0 {
		notes = append(notes, fmt.Sprintf("its jobs read %s, which a push does not set the way a release or a manual run does: check that they deploy the pushed commit", strings.Join(ciDedupe(m), ", ")))
	}
	out := []byte(strings.Join(lines, "\n"))
	if crlf {
		out = []byte(strings.ReplaceAll(string(out), "\n", "\r\n"))
	}
	if err := cdVerifyTrigger(wf, src, cur, out, branch); err != nil {
		return nil, nil, err
	}
	return out, notes, nil
}

// ciConcurrencyMissing reports whether a workflow has no top-level
// concurrency and some job has none of its own.
func ciConcurrencyMissing(root *yaml.Node) bool {
	if kit.MapValue(root, "concurrency") != nil {
		return false
	}
	jobs := kit.MapValue(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return true
	}
	for i := 1; i < len(jobs.Content); i += 2 {
		if kit.MapValue(jobs.Content[i], "concurrency") == nil {
			return true
		}
	}
	return false
}

// cdRest returns what follows a scalar or flow token on its line when it
// is only spaces and a comment; ok is false otherwise.
func cdRest(rest string) (string, bool) {
	t := strings.TrimSpace(rest)
	return rest, t == "" || strings.HasPrefix(t, "#")
}

// cdSpliceOn edits the on: block in lines and says how.
func cdSpliceOn(lines []string, key, on *yaml.Node, branch string) ([]string, string, error) {
	if key.Column != 1 || key.Line < 1 || key.Line > len(lines) {
		return nil, "", fmt.Errorf("its on: key is not at the start of a line")
	}
	b := kit.YAMLScalar(branch)
	switch {
	case on.Kind == yaml.ScalarNode || on.Kind == yaml.SequenceNode && on.Style&yaml.FlowStyle != 0:
		// on: release, or on: [release, workflow_dispatch], on the key's
		// line: the same events as a mapping, push added.
		if on.Line != key.Line {
			return nil, "", fmt.Errorf("its on: value is not on the on: line")
		}
		events := cdEvents(on)
		for _, e := range on.Content {
			if e.Kind != yaml.ScalarNode || e.Style != 0 {
				return nil, "", fmt.Errorf("its on: list has an entry a patch does not rewrite")
			}
		}
		if on.Kind == yaml.ScalarNode && on.Style != 0 {
			return nil, "", fmt.Errorf("its on: value is quoted, which a patch does not rewrite")
		}
		line := lines[key.Line-1]
		start := on.Column - 1
		end := start + len(on.Value)
		if start < 0 || start >= len(line) {
			return nil, "", fmt.Errorf("its on: value is not where the YAML parser put it")
		}
		if on.Kind == yaml.SequenceNode {
			end = strings.Index(line[start:], "]")
			if end < 0 {
				return nil, "", fmt.Errorf("its on: list does not close on its line")
			}
			end += start + 1
		}
		if start > len(line) || end > len(line) {
			return nil, "", fmt.Errorf("its on: value is not where the YAML parser put it")
		}
		rest, ok := cdRest(line[end:])
		if !ok {
			return nil, "", fmt.Errorf("its on: line has more than the events (%q)", strings.TrimSpace(line[end:]))
		}
		head := strings.TrimRight(line[:start], " ")
		if t := strings.TrimSpace(rest); t != "" {
			head += " " + t
		}
		block := []string{head}
		for _, e := range events {
			block = append(block, "  "+e+":")
		}
		block = append(block, "  push:", "    branches: ["+b+"]")
		out := append(append(append([]string(nil), lines[:key.Line-1]...), block...), lines[key.Line:]...)
		return out, "its on: list became a mapping of the same events, with push: branches: [" + b + "] added", nil
	case on.Kind == yaml.MappingNode && on.Style&yaml.FlowStyle == 0:
	default:
		return nil, "", fmt.Errorf("its on: block is written as a flow mapping or a block list, which a patch does not rewrite safely; add push: branches: [%s] by hand", b)
	}
	if len(on.Content) == 0 || on.Content[0].Line <= key.Line {
		return nil, "", fmt.Errorf("its on: mapping does not start on the line below the on: key")
	}
	ind := strings.Repeat(" ", on.Content[0].Column-1)
	var pushKey, push *yaml.Node
	for i := 0; i+1 < len(on.Content); i += 2 {
		if on.Content[i].Value == "push" {
			pushKey, push = on.Content[i], on.Content[i+1]
		}
	}
	insert := func(at int, add ...string) []string {
		out := append([]string(nil), lines[:at]...)
		out = append(out, add...)
		return append(out, lines[at:]...)
	}
	if push == nil {
		return insert(key.Line, ind+"push:", ind+ind+"branches: ["+b+"]"), "push: branches: [" + b + "] added to on:", nil
	}
	if push.Kind != yaml.MappingNode || push.Style&yaml.FlowStyle != 0 || len(push.Content) == 0 || push.Content[0].Line <= pushKey.Line {
		return nil, "", fmt.Errorf("its push: trigger is written in a form a patch does not edit; add branches: [%s] to it by hand", b)
	}
	if kit.MapValue(push, "branches-ignore") != nil {
		return nil, "", fmt.Errorf("its push: trigger has branches-ignore, which excludes %s; edit it by hand", b)
	}
	sub := strings.Repeat(" ", push.Content[0].Column-1)
	branches := kit.MapValue(push, "branches")
	if branches == nil {
		return insert(pushKey.Line, sub+"branches: ["+b+"]"), "branches: [" + b + "] added to its push: tags trigger, so it runs on both", nil
	}
	switch {
	case branches.Kind == yaml.SequenceNode && branches.Style&yaml.FlowStyle == 0 && len(branches.Content) > 0:
		last := branches.Content[len(branches.Content)-1]
		first := branches.Content[0]
		if last.Kind != yaml.ScalarNode || first.Column < 3 {
			return nil, "", fmt.Errorf("its push: branches list has an entry a patch does not follow")
		}
		if first.Line < 1 || first.Line > len(lines) || first.Column-1 > len(lines[first.Line-1]) || last.Line < 1 || last.Line > len(lines) {
			return nil, "", fmt.Errorf("its push: branches list is not where the YAML parser put it")
		}
		item := lines[first.Line-1][:first.Column-1]
		if strings.TrimSpace(item) != "-" {
			return nil, "", fmt.Errorf("its push: branches list is not one entry a line")
		}
		return insert(last.Line, item+b), b + " added to its push: branches", nil
	case branches.Kind == yaml.SequenceNode && branches.Style&yaml.FlowStyle != 0:
		if branches.Line < 1 || branches.Line > len(lines) || branches.Column < 1 || branches.Column > len(lines[branches.Line-1]) {
			return nil, "", fmt.Errorf("its push: branches list is not where the YAML parser put it")
		}
		line := lines[branches.Line-1]
		start := branches.Column - 1
		end := strings.Index(line[start:], "]")
		if end < 0 || strings.Count(line[start:], "[") != 1 {
			return nil, "", fmt.Errorf("its push: branches list does not close on its line")
		}
		end += start
		if _, ok := cdRest(line[end+1:]); !ok {
			return nil, "", fmt.Errorf("its push: branches line has more than the list")
		}
		inner := strings.TrimSpace(line[start+1 : end])
		sep := ", "
		if inner == "" {
			sep = ""
		}
		out := append([]string(nil), lines...)
		out[branches.Line-1] = line[:start] + "[" + inner + sep + b + "]" + line[end+1:]
		return out, b + " added to its push: branches", nil
	}
	return nil, "", fmt.Errorf("its push: branches is written in a form a patch does not edit; add %s to it by hand", b)
}

// cdInsertConcurrency inserts a top-level concurrency group before the
// jobs: key (and the comment lines just above it).
func cdInsertConcurrency(lines []string, root *yaml.Node) ([]string, error) {
	_, indent, err := ciJobsKey(lines, root)
	if err != nil {
		return nil, err
	}
	// Lines were shifted by the on: edit, which is above jobs:; find the
	// key again from its text.
	at := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "jobs:") {
			at = i
		}
	}
	if at < 0 {
		return nil, fmt.Errorf("it has no top-level jobs: line")
	}
	for at > 0 && strings.HasPrefix(strings.TrimSpace(lines[at-1]), "#") {
		at--
	}
	pad := strings.Repeat(" ", indent)
	block := []string{"concurrency:", pad + "group: ${{ github.workflow }}", pad + "cancel-in-progress: false"}
	if at > 0 && strings.TrimSpace(lines[at-1]) == "" {
		block = append(block, "")
	}
	out := append([]string(nil), lines[:at]...)
	out = append(out, block...)
	return append(out, lines[at:]...), nil
}

// cdVerifyTrigger checks a trigger patch: the patched workflow decodes to
// the same workflow but for on: (every event kept with its filters, push
// to the branch added) and an added concurrency:, keeps every comment,
// passes the gate and changes few enough lines of the original.
func cdVerifyTrigger(wf string, orig, before, after []byte, branch string) error {
	var a, b map[string]any
	if err := yaml.Unmarshal(before, &a); err != nil {
		return fmt.Errorf("the workflow does not decode: %w", err)
	}
	if err := yaml.Unmarshal(after, &b); err != nil {
		return fmt.Errorf("the patched workflow does not parse: %w", err)
	}
	for k, v := range a {
		if k != "on" && !reflect.DeepEqual(v, b[k]) {
			return fmt.Errorf("the patch would change its %s block", k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && k != "concurrency" {
			return fmt.Errorf("the patch would add a %s block", k)
		}
	}
	was, now := cdOnMap(a["on"]), cdOnMap(b["on"])
	for ev, v := range was {
		w, ok := now[ev]
		if !ok {
			return fmt.Errorf("the patch would drop its %s trigger", ev)
		}
		if ev == "push" {
			pv, _ := v.(map[string]any)
			pw, _ := w.(map[string]any)
			for k, x := range pv {
				if k != "branches" && !reflect.DeepEqual(x, pw[k]) {
					return fmt.Errorf("the patch would change its push: %s", k)
				}
			}
			continue
		}
		if !reflect.DeepEqual(v, w) {
			return fmt.Errorf("the patch would change its %s trigger", ev)
		}
	}
	for ev := range now {
		if !cdHasKey(was, ev) && ev != "push" {
			return fmt.Errorf("the patch would add a %s trigger", ev)
		}
	}
	if !cdRunsOnPushText(string(after), branch) {
		return fmt.Errorf("the patched workflow still does not run on pushes to %s", branch)
	}
	return ciPatchKept(wf, orig, after)
}

// cdHasKey reports whether m has k.
func cdHasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// cdOnMap normalizes a decoded on: value to a mapping of events.
func cdOnMap(v any) map[string]any {
	out := map[string]any{}
	switch t := v.(type) {
	case string:
		out[t] = nil
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok {
				out[s] = nil
			}
		}
	case map[string]any:
		for k, x := range t {
			out[k] = x
		}
	}
	return out
}

// cdNote adds a note to the task's first workflow file, or to the change
// set's notes when the task writes no workflow: a workflow kept as it is
// is said, never silent.
func cdNote(cs *change.ChangeSet, note string) {
	if ciNoteOnCI(cs, note, errors.New("no workflow file")) != nil {
		cs.Notes = append(cs.Notes, note)
	}
}
