package cicd

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/validate"
	"gopkg.in/yaml.v3"
)

// ciPatchable are the gate's workflow rules a minimal patch fixes: an
// action not pinned to a SHA, and no top-level permissions block. A
// workflow that fails any other rule (actionlint's findings on a matrix, a
// dangerous trigger...) is a person's to fix and is left as it is.
var ciPatchable = map[string]bool{"workflow-unpinned-action": true, "workflow-permissions": true}

// ciPatch is a minimal patch of an existing workflow.
type ciPatch struct {
	content []byte
	// pinned lists the actions pinned ("actions/checkout@v6 → v6.0.1").
	pinned []string
	// permissions is set when the patch added permissions: contents: read.
	permissions bool
}

// note describes the patch for people.
func (p ciPatch) note() string {
	var parts []string
	if len(p.pinned) > 0 {
		parts = append(parts, "pins "+strings.Join(p.pinned, ", ")+" to the commit SHAs of internal/pins/actions.yaml (the version stays in a comment)")
	}
	if p.permissions {
		parts = append(parts, "adds a top-level permissions: contents: read, so its jobs get a read-only token")
	}
	return strings.Join(parts, ", and ")
}

// ciWriteWords, in a job's uses:, run:, with: and env: text, show it may
// need a token that can write: contents: read is not added over such a
// job. The list errs on the side of leaving a workflow alone.
var ciWriteWords = []string{"git push", "git tag", "gh release", "gh pr", "gh issue", "gh api", "github-script",
	"action-gh-release", "create-release", "release-please", "semantic-release", "goreleaser", "changesets/action",
	"npm publish", "cargo publish", "gradle publish", "mvn deploy", "twine upload", "pypi-publish", "deploy",
	"docker push", "login-action", "build-push-action", "ghcr.io", "pull-request", "upload-sarif", "codeql",
	"deploy-pages", "gh-pages", "upload-pages-artifact", "comment", "labeler", "id-token", "configure-aws-credentials",
	"google-github-actions/auth", "azure/login", "cosign", "attest", "secrets.github_token", "github.token"}

// ciFullSHARE is a full commit SHA, what the gate calls pinned.
var ciFullSHARE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// ciRefMajorRE reads the major version of a version ref: v4, v4.1, 4.1.2.
var ciRefMajorRE = regexp.MustCompile(`^v?(0|[1-9][0-9]*)(\.[0-9]+){0,2}$`)

// ciPatchWorkflow patches a workflow that fails the gate only on pinning
// and permissions, in place: each unpinned uses: whose action the pins
// table has at the same major version gets that SHA (the version in a
// comment), and a top-level permissions: contents: read is added when the
// workflow has none and its jobs look read-only. The edit is made on the
// parsed yaml.Node tree and spliced into the original text at the nodes'
// lines, so every other byte (comments, blank lines, indentation, order)
// stays as its authors wrote it; the result must decode to the edited
// tree, keep every comment, pass the gate and be a minimal diff
// (engine.Minimal). Otherwise the error says why no patch is made.
func ciPatchWorkflow(path string, src []byte, errs []validate.Finding) (ciPatch, error) {
	var needPerms bool
	for _, f := range errs {
		if !ciPatchable[f.Rule] {
			return ciPatch{}, fmt.Errorf("it fails the gate on more than pinning and permissions (line %d [%s] %s), which a minimal patch does not fix", f.Line, f.Rule, f.Message)
		}
		needPerms = needPerms || f.Rule == "workflow-permissions"
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return ciPatch{}, fmt.Errorf("it does not parse as YAML: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode || doc.Content[0].Style&yaml.FlowStyle != 0 {
		return ciPatch{}, fmt.Errorf("it is not a block mapping at the top")
	}
	root := doc.Content[0]
	eol := "\n"
	if bytes.Contains(src, []byte("\r\n")) {
		eol = "\r\n"
	}
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	var p ciPatch
	for _, n := range ciUsesNodes(root) {
		pin, err := ciPinFor(n.Value)
		if err != nil {
			return ciPatch{}, err
		}
		if pin == nil {
			continue
		}
		if err := ciSplicePin(lines, n, *pin); err != nil {
			return ciPatch{}, err
		}
		name, ref, _ := strings.Cut(n.Value, "@")
		p.pinned = append(p.pinned, fmt.Sprintf("%s@%s → %s", name, ref, pin.Version))
		n.Value = pin.Ref()
	}
	if needPerms {
		if err := ciReadOnlyJobs(root); err != nil {
			return ciPatch{}, err
		}
		var err error
		if lines, err = ciInsertPermissions(lines, root); err != nil {
			return ciPatch{}, err
		}
		root.Content = append(root.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "permissions"},
			&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Tag: "!!str", Value: "contents"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: "read"}}})
		p.permissions = true
	}
	if len(p.pinned) == 0 && !p.permissions {
		return ciPatch{}, fmt.Errorf("nothing in it is for a patch to fix")
	}
	p.content = []byte(strings.Join(lines, "\n"))
	if eol != "\n" {
		p.content = []byte(strings.ReplaceAll(string(p.content), "\n", eol))
	}
	if err := ciVerifyPatch(path, src, p.content, &doc); err != nil {
		return ciPatch{}, err
	}
	return p, nil
}

// ciUsesNodes returns the value nodes of every jobs.<id>.uses and
// jobs.<id>.steps[*].uses, in document order.
func ciUsesNodes(root *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	jobs := kit.MapValue(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return nil
	}
	for i := 1; i < len(jobs.Content); i += 2 {
		job := jobs.Content[i]
		if u := kit.MapValue(job, "uses"); u != nil && u.Kind == yaml.ScalarNode {
			out = append(out, u)
		}
		steps := kit.MapValue(job, "steps")
		if steps == nil || steps.Kind != yaml.SequenceNode {
			continue
		}
		for _, s := range steps.Content {
			if u := kit.MapValue(s, "uses"); u != nil && u.Kind == yaml.ScalarNode {
				out = append(out, u)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// ciPinFor returns the pin for an unpinned uses: value, nil when the value
// needs none (local, already a SHA), or an error when the table cannot
// pin it at the same major version.
func ciPinFor(uses string) (*pins.Pin, error) {
	uses = strings.TrimSpace(uses)
	if uses == "" || strings.HasPrefix(uses, "./") {
		return nil, nil
	}
	if strings.HasPrefix(uses, "docker://") {
		if strings.Contains(uses, "@sha256:") {
			return nil, nil
		}
		return nil, fmt.Errorf("%s is an image with no digest, and devops-lead has no digest table to pin it from", uses)
	}
	name, ref, ok := strings.Cut(uses, "@")
	if !ok || ref == "" {
		return nil, fmt.Errorf("%s names no version to pin", uses)
	}
	if ciFullSHARE.MatchString(ref) {
		return nil, nil
	}
	cur, err := pins.Action(name)
	if err != nil {
		return nil, fmt.Errorf("%s@%s is not in the pins table (internal/pins/actions.yaml), so its SHA is not known", name, ref)
	}
	m := ciRefMajorRE.FindStringSubmatch(ref)
	if m == nil {
		return nil, fmt.Errorf("%s@%s follows a branch, not a release, so there is no release SHA to pin it to", name, ref)
	}
	pin, ok := pins.AtMajor(name, "v"+m[1])
	if !ok {
		return nil, fmt.Errorf("%s@%s: the pins table has %s, another major version, and a patch does not upgrade a workflow's actions", name, ref, cur.Version)
	}
	return &pin, nil
}

// ciSplicePin rewrites the uses: scalar at n's position in lines with the
// pin's ref and its version as a comment, keeping the quotes and anything
// after the scalar (a comment) as they are.
func ciSplicePin(lines []string, n *yaml.Node, pin pins.Pin) error {
	if n.Line < 1 || n.Line > len(lines) || n.Column < 1 {
		return fmt.Errorf("the YAML parser gave %s no position", n.Value)
	}
	line := lines[n.Line-1]
	start := n.Column - 1
	token := n.Value
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		token = `"` + n.Value + `"`
	case n.Style&yaml.SingleQuotedStyle != 0:
		token = "'" + n.Value + "'"
	case n.Style != 0:
		return fmt.Errorf("%s is written in a YAML style a patch does not edit", n.Value)
	}
	if start+len(token) > len(line) || line[start:start+len(token)] != token {
		return fmt.Errorf("%s is not where the YAML parser put it (line %d)", n.Value, n.Line)
	}
	rest := line[start+len(token):]
	if t := strings.TrimSpace(rest); t != "" && !strings.HasPrefix(t, "#") {
		return fmt.Errorf("line %d has more than the uses: value (%q), so a patch leaves it alone", n.Line, t)
	}
	repl := strings.Replace(token, n.Value, pin.Ref(), 1) + " # " + pin.Version
	lines[n.Line-1] = line[:start] + repl + rest
	return nil
}

// ciReadOnlyJobs refuses to add contents: read over a job that sets no
// permissions of its own and looks like it writes (pushes, releases,
// deploys, comments...): a read-only token would break it.
func ciReadOnlyJobs(root *yaml.Node) error {
	jobs := kit.MapValue(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return fmt.Errorf("it has no jobs mapping")
	}
	for i := 0; i+1 < len(jobs.Content); i += 2 {
		id, job := jobs.Content[i].Value, jobs.Content[i+1]
		if kit.MapValue(job, "permissions") != nil {
			continue
		}
		if u := kit.MapValue(job, "uses"); u != nil {
			return fmt.Errorf("job %s calls %s with no permissions of its own; a read-only default could break what it calls, so add its permissions by hand", id, u.Value)
		}
		var text strings.Builder
		if steps := kit.MapValue(job, "steps"); steps != nil {
			for _, s := range steps.Content {
				for _, k := range []string{"uses", "run", "with", "env"} {
					if v := kit.MapValue(s, k); v != nil {
						b, _ := yaml.Marshal(v)
						text.Write(b)
					}
				}
			}
		}
		t := strings.ToLower(text.String())
		for _, w := range ciWriteWords {
			if strings.Contains(t, w) {
				return fmt.Errorf("job %s sets no permissions and may need to write (it mentions %q), so a read-only default could break it; add its permissions by hand", id, w)
			}
		}
	}
	return nil
}

// ciJobsKey returns a workflow's top-level jobs: key, which a block
// inserted above it goes before, and the indentation of the document's
// nested keys (the jobs' own, 2 when it cannot tell).
func ciJobsKey(lines []string, root *yaml.Node) (*yaml.Node, int, error) {
	var key *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "jobs" {
			key = root.Content[i]
		}
	}
	if key == nil || key.Column != 1 || key.Line < 1 || key.Line > len(lines) {
		return nil, 0, fmt.Errorf("it has no top-level jobs: key at the start of a line")
	}
	indent := 2
	if jobs := kit.MapValue(root, "jobs"); jobs != nil && len(jobs.Content) > 0 && jobs.Content[0].Line > key.Line && jobs.Content[0].Column > 1 {
		indent = jobs.Content[0].Column - 1
	}
	return key, indent, nil
}

// ciInsertPermissions inserts a top-level permissions: contents: read
// block before the jobs: key (and the comment lines just above it), with
// the document's own indentation and a blank line where the document
// separates its top-level blocks with one.
func ciInsertPermissions(lines []string, root *yaml.Node) ([]string, error) {
	if kit.MapValue(root, "permissions") != nil {
		return nil, fmt.Errorf("it has a permissions block the gate still refuses")
	}
	key, indent, err := ciJobsKey(lines, root)
	if err != nil {
		return nil, err
	}
	at := key.Line - 1
	for at > 0 && strings.HasPrefix(strings.TrimSpace(lines[at-1]), "#") {
		at--
	}
	block := []string{"permissions:", strings.Repeat(" ", indent) + "contents: read"}
	if at > 0 && strings.TrimSpace(lines[at-1]) == "" {
		block = append(block, "")
	}
	out := make([]string, 0, len(lines)+len(block))
	out = append(out, lines[:at]...)
	out = append(out, block...)
	return append(out, lines[at:]...), nil
}

// ciVerifyPatch checks a patched workflow: it decodes to the edited node
// tree, keeps every comment of the original, passes the gate and is a
// minimal diff.
func ciVerifyPatch(path string, old, patched []byte, edited *yaml.Node) error {
	var want, got any
	if err := edited.Decode(&want); err != nil {
		return fmt.Errorf("the edited workflow does not decode: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(patched, &doc); err != nil {
		return fmt.Errorf("the patched workflow does not parse: %w", err)
	}
	if err := doc.Decode(&got); err != nil {
		return fmt.Errorf("the patched workflow does not decode: %w", err)
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("the patched text does not hold the intended edit")
	}
	return ciPatchKept(path, old, patched)
}

// ciPatchKept holds what every in-place workflow patch keeps: each comment
// of the person's file, a gate with no errors, and a change small enough
// for the engine's change policy (engine.Minimal).
func ciPatchKept(path string, old, patched []byte) error {
	var orig yaml.Node
	if err := yaml.Unmarshal(old, &orig); err != nil {
		return fmt.Errorf("the workflow does not parse: %w", err)
	}
	for _, c := range ciComments(&orig) {
		if !bytes.Contains(patched, []byte(c)) {
			return fmt.Errorf("the patch would lose the comment %q", c)
		}
	}
	if errs := validate.Errors(validate.CheckFile(path, patched, validate.Options{})); len(errs) > 0 {
		return fmt.Errorf("the patched workflow still fails the gate (line %d [%s] %s)", errs[0].Line, errs[0].Rule, errs[0].Message)
	}
	return engine.Minimal(old, patched)
}

// ciComments returns every comment line of a node tree.
func ciComments(n *yaml.Node) []string {
	var out []string
	for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
		for _, l := range strings.Split(c, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
	}
	for _, k := range n.Content {
		out = append(out, ciComments(k)...)
	}
	return out
}
