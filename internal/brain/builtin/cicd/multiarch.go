package cicd

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/stack"
	"gopkg.in/yaml.v3"
)

// ciPlatformRE is one image platform buildx builds with QEMU on a Linux
// runner.
var ciPlatformRE = regexp.MustCompile(`^linux/(amd64|arm64|arm64/v8|arm/v6|arm/v7|386|ppc64le|s390x|riscv64)$`)

// ciParsePlatforms reads Params["platforms"]: a comma list of linux
// platforms ("linux/amd64,linux/arm64"), deduplicated in order.
func ciParsePlatforms(task, spec string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(spec, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" || seen[p] {
			continue
		}
		if !ciPlatformRE.MatchString(p) {
			return nil, fmt.Errorf("task %s: params platforms has %q; use a comma list of linux platforms such as linux/amd64,linux/arm64", task, p)
		}
		seen[p] = true
		out = append(out, p)
	}
	return out, nil
}

// ciMultiArch reports whether the platforms need emulation: any platform
// but the runner's own linux/amd64.
func ciMultiArch(platforms []string) bool {
	for _, p := range platforms {
		if p != "linux/amd64" {
			return true
		}
	}
	return false
}

// ciQEMUStep is the step that registers QEMU, so buildx can build for
// other architectures than the runner's.
func ciQEMUStep() (ciStep, error) {
	return ciAction("Set up QEMU", "docker/setup-qemu-action", nil)
}

// ciCoverPlatforms adds the platforms to the existing workflows that
// build images with docker/build-push-action: a QEMU step (and a Buildx
// step when the job has none) before the first build, and a platforms:
// line in each build's with:. The edit is spliced into the text (over the
// pin and permissions patch when there is one), so every other line stays
// as its authors wrote it; a workflow that cannot be patched that way is
// left alone with a note.
func ciCoverPlatforms(cov *ciCoverage, existing []ciExisting, platforms []string, others []stack.Service) {
	list := strings.Join(platforms, ",")
	for _, e := range existing {
		if !e.Images {
			continue
		}
		if !strings.Contains(e.content, "docker/build-push-action") {
			cov.note(e.Path, "%s builds images without docker/build-push-action, so platforms: %s is not added to it: build with docker buildx build --platform %s after a docker/setup-qemu-action step", e.Path, list, list)
			continue
		}
		base := []byte(e.content)
		var prev *ciPatch
		if p, ok := cov.patches[e.Path]; ok {
			prev, base = &p, p.content
		} else if len(e.errs) > 0 {
			cov.note(e.Path, "%s fails the gate and is not patched, so its images are not made multi-arch (%s): fix it by hand, then add docker/setup-qemu-action and platforms: %s", e.Path, ciFirstError(e), list)
			continue
		}
		for _, o := range others {
			if ciRunsTestsOf(e, o) {
				cov.note(e.Path, "%s also builds %s, which this task does not cover, so platforms: %s is not added to it", e.Path, o.Dir, list)
				base = nil
				break
			}
		}
		if base == nil {
			continue
		}
		out, what, err := ciPatchPlatforms(e.Path, []byte(e.content), base, platforms)
		if err != nil {
			cov.note(e.Path, "%s builds images but platforms: %s is not added to it: %v; add docker/setup-qemu-action and the platforms line by hand", e.Path, list, err)
			continue
		}
		if what == "" {
			cov.note(e.Path, "%s already builds for the platforms it names; left as it is", e.Path)
			continue
		}
		p := ciPatch{content: out}
		if prev != nil {
			p.pinned, p.permissions = prev.pinned, prev.permissions
		}
		cov.patches[e.Path] = p
		cov.note(e.Path, "%s: %s, so its images are built for %s (nothing else in it changes)", e.Path, what, list)
	}
}

// ciPatchPlatforms splices the multi-arch edit into base (orig with any
// earlier patch applied) and returns the new text and what was done ("" when
// every build already names platforms).
func ciPatchPlatforms(path string, orig, base []byte, platforms []string) ([]byte, string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(base, &doc); err != nil {
		return nil, "", fmt.Errorf("it does not parse as YAML: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, "", fmt.Errorf("it is not a mapping at the top")
	}
	root := doc.Content[0]
	jobs := kit.MapValue(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return nil, "", fmt.Errorf("it has no jobs mapping")
	}
	eol := "\n"
	if bytes.Contains(base, []byte("\r\n")) {
		eol = "\r\n"
	}
	lines := strings.Split(strings.ReplaceAll(string(base), "\r\n", "\n"), "\n")
	qemu, err := pins.Action("docker/setup-qemu-action")
	if err != nil {
		return nil, "", err
	}
	buildx, err := pins.Action("docker/setup-buildx-action")
	if err != nil {
		return nil, "", err
	}
	// inserts are line insertions, applied bottom-up so earlier line
	// numbers stay valid.
	type insert struct {
		at    int // 0-based line index to insert before
		lines []string
	}
	var ins []insert
	var did []string
	list := strings.Join(platforms, ",")
	for i := 1; i < len(jobs.Content); i += 2 {
		steps := kit.MapValue(jobs.Content[i], "steps")
		if steps == nil || steps.Kind != yaml.SequenceNode || steps.Style&yaml.FlowStyle != 0 {
			continue
		}
		first, hasQEMU, buildxAt := -1, false, -1
		for k, st := range steps.Content {
			u := kit.MapValue(st, "uses")
			if u == nil {
				continue
			}
			name, _, _ := strings.Cut(u.Value, "@")
			switch name {
			case "docker/setup-qemu-action":
				hasQEMU = true
			case "docker/setup-buildx-action":
				if buildxAt < 0 {
					buildxAt = k
				}
			case "docker/build-push-action":
				if first < 0 {
					first = k
				}
				if w := kit.MapValue(st, "with"); w != nil && kit.MapValue(w, "platforms") != nil {
					continue // it names its platforms already
				}
				at, add, err := ciPlatformsLines(lines, st, list)
				if err != nil {
					return nil, "", err
				}
				ins = append(ins, insert{at, add})
				ciAddPlatformsNode(st, list)
				did = append(did, "adds platforms: "+list+" to its docker/build-push-action step")
			}
		}
		if first < 0 || (hasQEMU && buildxAt >= 0) {
			continue
		}
		before := first
		if buildxAt >= 0 && buildxAt < first {
			before = buildxAt
		}
		at, pad, err := ciStepStart(lines, steps.Content[before])
		if err != nil {
			return nil, "", err
		}
		var add []string
		var nodes []*yaml.Node
		if !hasQEMU {
			add = append(add, pad+"- name: Set up QEMU", pad+"  uses: "+qemu.Uses())
			nodes = append(nodes, ciStepNode("Set up QEMU", qemu.Ref()))
			did = append(did, "adds a docker/setup-qemu-action step")
		}
		if buildxAt < 0 || buildxAt > first {
			add = append(add, pad+"- name: Set up Buildx", pad+"  uses: "+buildx.Uses())
			nodes = append(nodes, ciStepNode("Set up Buildx", buildx.Ref()))
			did = append(did, "adds a docker/setup-buildx-action step (a multi-platform build needs the buildx builder)")
		}
		ins = append(ins, insert{at, add})
		steps.Content = append(steps.Content[:before], append(nodes, steps.Content[before:]...)...)
	}
	if len(ins) == 0 {
		return nil, "", nil
	}
	// Apply bottom-up; at equal positions keep the order found.
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].at < ins[j].at })
	for i := len(ins) - 1; i >= 0; i-- {
		in := ins[i]
		lines = append(lines[:in.at], append(append([]string(nil), in.lines...), lines[in.at:]...)...)
	}
	out := []byte(strings.Join(lines, "\n"))
	if eol != "\n" {
		out = []byte(strings.ReplaceAll(string(out), "\n", eol))
	}
	// The gate, the comments and the policy's line limit, against the
	// original the people wrote.
	if err := ciVerifyPatch(path, orig, out, &doc); err != nil {
		return nil, "", err
	}
	return out, strings.Join(ciDedupe(did), ", "), nil
}

// ciStepStart returns the line index of a step's "- " line (above the
// comment lines just before it) and the indentation of its dash.
func ciStepStart(lines []string, step *yaml.Node) (int, string, error) {
	if step.Kind != yaml.MappingNode || step.Style&yaml.FlowStyle != 0 || step.Line < 1 || step.Line > len(lines) {
		return 0, "", fmt.Errorf("a step is not a block mapping")
	}
	line := lines[step.Line-1]
	col := step.Column - 1
	if col > len(line) {
		return 0, "", fmt.Errorf("the step at line %d is not where the YAML parser put it", step.Line)
	}
	lead := line[:col]
	dash := strings.LastIndex(lead, "-")
	if dash < 0 || strings.TrimSpace(lead[:dash]) != "" || strings.TrimSpace(lead[dash+1:]) != "" {
		return 0, "", fmt.Errorf("the step at line %d does not start on its - line", step.Line)
	}
	at := step.Line - 1
	for at > 0 && strings.HasPrefix(strings.TrimSpace(lines[at-1]), "#") {
		at--
	}
	return at, lead[:dash], nil
}

// ciPlatformsLines returns where to insert the platforms line of a
// build-push step and the lines to insert: right after its with: key, at
// the indentation of the with: entries, or a new with: block after the
// step's last line.
func ciPlatformsLines(lines []string, step *yaml.Node, list string) (int, []string, error) {
	w := kit.MapValue(step, "with")
	if w == nil {
		// A new with: block right after the uses: line, at the step's
		// key indentation.
		u := kit.MapValue(step, "uses")
		if u == nil || u.Line < 1 || u.Line > len(lines) {
			return 0, nil, fmt.Errorf("a build step has no uses: position")
		}
		var key *yaml.Node
		for i := 0; i+1 < len(step.Content); i += 2 {
			if step.Content[i+1] == u {
				key = step.Content[i]
			}
		}
		if key == nil || u.Line != key.Line || step.Column < 1 {
			return 0, nil, fmt.Errorf("the build step's uses: is not on one line")
		}
		pad := strings.Repeat(" ", step.Column-1)
		return u.Line, []string{pad + "with:", pad + "  platforms: " + kit.YAMLScalar(list)}, nil
	}
	if w.Kind != yaml.MappingNode || w.Style&yaml.FlowStyle != 0 || len(w.Content) == 0 || w.Content[0].Line < 2 {
		return 0, nil, fmt.Errorf("the build step's with: is not a block mapping a patch can add a line to")
	}
	k := w.Content[0]
	pad := strings.Repeat(" ", k.Column-1)
	// Insert before the first input, above its comment lines.
	at := k.Line - 1
	for at > 0 && strings.HasPrefix(strings.TrimSpace(lines[at-1]), "#") {
		at--
	}
	return at, []string{pad + "platforms: " + kit.YAMLScalar(list)}, nil
}

// ciAddPlatformsNode mirrors ciPlatformsLines on the node tree: platforms
// first in the step's with:.
func ciAddPlatformsNode(step *yaml.Node, list string) {
	kv := []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "platforms"},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: list},
	}
	w := kit.MapValue(step, "with")
	if w == nil {
		step.Content = append(step.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "with"},
			&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: kv})
		return
	}
	w.Content = append(kv, w.Content...)
}

// ciStepNode is a new name:/uses: step as a node.
func ciStepNode(name, uses string) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "name"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: name},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "uses"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: uses},
	}}
}
