package revise

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"gopkg.in/yaml.v3"
)

// The file editors of the review loop. They edit lines in place, so the
// rest of a file stays byte for byte as the specialist wrote it, and each
// result is re-parsed (reparse) before it is kept.

// reparse checks that an edited file still parses as its kind.
func reparse(kind string, content []byte) error {
	switch kind {
	case "dockerfile":
		if _, err := parser.Parse(bytes.NewReader(content)); err != nil {
			return fmt.Errorf("parse the Dockerfile: %w", err)
		}
	case "workflow", "compose", "kubernetes":
		dec := yaml.NewDecoder(bytes.NewReader(content))
		for {
			var n yaml.Node
			err := dec.Decode(&n)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("parse the YAML: %w", err)
			}
		}
	}
	return nil
}

var (
	reFrom   = regexp.MustCompile(`(?i)^(\s*FROM\s+)((?:--\S+\s+)*)(\S+)(.*)$`)
	reAs     = regexp.MustCompile(`(?i)\s+AS\s+(\S+)`)
	reExpose = regexp.MustCompile(`(?i)^\s*EXPOSE\s+`)
	reTail   = regexp.MustCompile(`(?i)^\s*(CMD|ENTRYPOINT|HEALTHCHECK)\b`)
)

// dfFrom is one FROM line: its index, image reference and whether the
// reference is an earlier stage (or scratch, or built from an ARG).
type dfFrom struct {
	line  int
	ref   string
	local bool
}

// dfFroms lists a Dockerfile's FROM lines.
func dfFroms(lines []string) []dfFrom {
	var out []dfFrom
	stages := map[string]bool{"scratch": true}
	for i, l := range lines {
		m := reFrom.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		ref := m[3]
		local := stages[strings.ToLower(ref)] || strings.Contains(ref, "$")
		out = append(out, dfFrom{line: i, ref: ref, local: local})
		if as := reAs.FindStringSubmatch(m[4]); as != nil {
			stages[strings.ToLower(as[1])] = true
		}
	}
	return out
}

// setFromRef replaces the image of one FROM line, keeping flags and AS.
func setFromRef(line, ref string) string {
	m := reFrom.FindStringSubmatch(line)
	return m[1] + m[2] + ref + m[4]
}

func splitText(content []byte) []string { return strings.Split(string(content), "\n") }
func joinText(lines []string) []byte    { return []byte(strings.Join(lines, "\n")) }

// dfPort sets the exposed port: the EXPOSE lines' old port (the one the
// review names, else the only one) becomes the new one, and so do the
// ENV PORT and HEALTHCHECK lines that name it; with no EXPOSE, one is
// added before the final stage's HEALTHCHECK, CMD or ENTRYPOINT.
func dfPort(content []byte, a ReviewAsk) ([]byte, string, error) {
	lines := splitText(content)
	old := a.From
	var exposed []string
	for _, l := range lines {
		if reExpose.MatchString(l) {
			exposed = append(exposed, strings.Fields(l)[1:]...)
		}
	}
	if old == "" && len(exposed) == 1 {
		old = strings.TrimSuffix(exposed[0], "/tcp")
	}
	if old == a.Value {
		return nil, "", nil
	}
	if old != "" {
		reOld := regexp.MustCompile(`([\s:=(,])` + regexp.QuoteMeta(old) + `\b`)
		changed, told := false, false
		for i, l := range lines {
			up := strings.ToUpper(strings.TrimSpace(l))
			if reExpose.MatchString(l) || strings.HasPrefix(up, "HEALTHCHECK") || strings.HasPrefix(up, "ENV PORT=") || strings.HasPrefix(up, "ENV PORT ") {
				if n := reOld.ReplaceAllString(l, "${1}"+a.Value); n != l {
					lines[i], changed = n, true
					told = told || strings.HasPrefix(up, "ENV PORT")
				}
			}
		}
		if changed {
			what := "EXPOSE " + a.Value + " (was " + old + ")"
			if !told {
				what += "; the app itself must listen on " + a.Value + ": the image does not set its port"
			}
			return joinText(lines), what, nil
		}
		if a.From != "" {
			return nil, "", nil
		}
	}
	if len(exposed) > 1 {
		return nil, "", fmt.Errorf("it exposes %s; say which port %s replaces", strings.Join(exposed, ", "), a.Value)
	}
	at := dfTailLine(lines)
	lines = insertLines(lines, at, "EXPOSE "+a.Value)
	return joinText(lines), "EXPOSE " + a.Value, nil
}

// dfTailLine is where an instruction goes in the final stage: before its
// HEALTHCHECK, CMD or ENTRYPOINT, else at the end.
func dfTailLine(lines []string) int {
	froms := dfFroms(lines)
	start := 0
	if len(froms) > 0 {
		start = froms[len(froms)-1].line + 1
	}
	for i := start; i < len(lines); i++ {
		if reTail.MatchString(lines[i]) {
			return i
		}
	}
	end := len(lines)
	for end > start && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	return end
}

func insertLines(lines []string, at int, add ...string) []string {
	out := append([]string{}, lines[:at]...)
	out = append(out, add...)
	return append(out, lines[at:]...)
}

var reEnvName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// dfEnv sets ENV NAME=value in the final stage. A secret is never baked
// into an image.
func dfEnv(content []byte, a ReviewAsk) ([]byte, string, error) {
	if !reEnvName.MatchString(a.Target) || strings.ContainsAny(a.Value, "\n\r") {
		return nil, "", fmt.Errorf("%q is not a variable name and value the built-in brain writes", a.Target)
	}
	if strings.HasPrefix(a.Value, "${") {
		return nil, "", fmt.Errorf("%s looks like a secret, and a secret is never baked into an image: set it where the container runs", a.Target)
	}
	lines := splitText(content)
	val := a.Value
	if val == "" || strings.ContainsAny(val, " \t\"'$\\") {
		val = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`).Replace(val) + `"`
	}
	set := "ENV " + a.Target + "=" + val
	froms := dfFroms(lines)
	start := 0
	if len(froms) > 0 {
		start = froms[len(froms)-1].line
	}
	for i := start; i < len(lines); i++ {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "ENV "+a.Target+"=") {
			if lines[i] == set {
				return nil, "", nil
			}
			lines[i] = set
			return joinText(lines), "`" + set + "`", nil
		}
	}
	lines = insertLines(lines, start+1, set)
	return joinText(lines), "`" + set + "`", nil
}

// imageRepo is a reference's repository without registry defaults
// ("docker.io/library/node:22" and "node:22" are both "node").
func imageRepo(ref string) string {
	repo, _, _ := kit.SplitImage(ref)
	repo = strings.TrimPrefix(repo, "docker.io/")
	return strings.TrimPrefix(repo, "library/")
}

// dfBase sets the base image: the FROM lines of the same repository, else
// the final stage's.
func dfBase(content []byte, a ReviewAsk) ([]byte, string, error) {
	lines := splitText(content)
	froms := dfFroms(lines)
	var hit []int
	for _, f := range froms {
		if !f.local && imageRepo(f.ref) == imageRepo(a.Value) {
			hit = append(hit, f.line)
		}
	}
	if len(hit) == 0 && len(froms) > 0 && !froms[len(froms)-1].local {
		hit = []int{froms[len(froms)-1].line}
	}
	if len(hit) == 0 {
		return nil, "", nil
	}
	for _, i := range hit {
		lines[i] = setFromRef(lines[i], a.Value)
	}
	return joinText(lines), "FROM " + a.Value, nil
}

// languageImages are the repositories whose tags carry a language's
// version.
var languageImages = map[string][]string{
	"go": {"golang"}, "node": {"node"}, "python": {"python"},
	"java": {"eclipse-temurin", "openjdk", "amazoncorretto", "maven", "gradle"},
}

var reLeadVersion = regexp.MustCompile(`^\d+(?:\.\d+)*`)
var reJavaInTag = regexp.MustCompile(`(temurin-|jdk-?|corretto-?)\d+`)

// retag returns ref with the version in its tag set for the ask, or "".
func retag(ref string, a ReviewAsk) string {
	repo, tag, digest := kit.SplitImage(ref)
	name := imageRepo(ref)
	if digest != "" || tag == "" {
		return ""
	}
	imgs, isLang := languageImages[a.Target]
	switch {
	case !isLang:
		if name != a.Target && !strings.HasSuffix(name, "/"+a.Target) {
			return ""
		}
		tag = a.Value
	case !kit.Contains(imgs, name):
		return ""
	case name == "maven" || name == "gradle":
		if !reJavaInTag.MatchString(tag) {
			return ""
		}
		tag = reJavaInTag.ReplaceAllStringFunc(tag, func(m string) string {
			return strings.TrimRight(m, "0123456789") + a.Value
		})
	case reLeadVersion.MatchString(tag):
		tag = reLeadVersion.ReplaceAllString(tag, a.Value)
	default:
		return ""
	}
	return repo + ":" + tag
}

// dfVersion sets a language's or an image's version in the FROM tags.
func dfVersion(content []byte, a ReviewAsk) ([]byte, string, error) {
	lines := splitText(content)
	var set []string
	for _, f := range dfFroms(lines) {
		if f.local {
			continue
		}
		if n := retag(f.ref, a); n != "" && n != f.ref {
			lines[f.line] = setFromRef(lines[f.line], n)
			set = append(set, n)
		}
	}
	if len(set) == 0 {
		return nil, "", nil
	}
	return joinText(lines), "FROM " + strings.Join(set, ", FROM "), nil
}

// dfPin pins each FROM image by digest.
func dfPin(content []byte, resolve func(string) (string, error)) ([]byte, []string) {
	lines := splitText(content)
	var pinned []string
	for _, f := range dfFroms(lines) {
		if f.local || strings.Contains(f.ref, "@") {
			continue
		}
		d, err := resolve(f.ref)
		if err != nil {
			continue
		}
		lines[f.line] = setFromRef(lines[f.line], f.ref+"@"+d)
		pinned = append(pinned, f.ref)
	}
	return joinText(lines), pinned
}

// yamlLine matches "key: value" on one line, keeping the indent and any
// "- " before the key.
func yamlLine(key string) *regexp.Regexp {
	return regexp.MustCompile(`^(\s*(?:-\s+)?` + key + `:\s*)(['"]?)([^'"#\s]+)(['"]?)(\s*(?:#.*)?)$`)
}

var reImageLine = yamlLine(`image`)

// yamlPin pins the image: lines by digest.
func yamlPin(content []byte, resolve func(string) (string, error)) ([]byte, []string) {
	lines := splitText(content)
	var pinned []string
	for i, l := range lines {
		m := reImageLine.FindStringSubmatch(l)
		if m == nil || strings.Contains(m[3], "@") || strings.Contains(m[3], "$") || !strings.Contains(m[3], ":") {
			continue
		}
		d, err := resolve(m[3])
		if err != nil {
			continue
		}
		lines[i] = m[1] + m[2] + m[3] + "@" + d + m[4] + m[5]
		pinned = append(pinned, m[3])
	}
	return joinText(lines), pinned
}

// yamlImageVersion sets an image's tag on image: lines.
func yamlImageVersion(content []byte, a ReviewAsk) ([]byte, string, error) {
	lines := splitText(content)
	var set []string
	for i, l := range lines {
		m := reImageLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if n := retag(m[3], a); n != "" && n != m[3] {
			lines[i] = m[1] + m[2] + n + m[4] + m[5]
			set = append(set, n)
		}
	}
	if len(set) == 0 {
		return nil, "", nil
	}
	return joinText(lines), "image " + strings.Join(set, ", "), nil
}

// replaceValues sets key's value on every line where it is old (any value
// when old is ""), returning how many lines changed.
func replaceValues(lines []string, key, old, value string) int {
	re := yamlLine(key)
	n := 0
	for i, l := range lines {
		m := re.FindStringSubmatch(l)
		if m == nil || (old != "" && m[3] != old) || m[3] == value || strings.HasPrefix(m[3], "${{") {
			continue
		}
		lines[i] = m[1] + m[2] + value + m[4] + m[5]
		n++
	}
	return n
}

var reRunnerValue = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// wfRunner sets runs-on.
func wfRunner(content []byte, a ReviewAsk) ([]byte, string, error) {
	if !reRunnerValue.MatchString(a.Value) {
		return nil, "", fmt.Errorf("%q is not a runner label", a.Value)
	}
	lines := splitText(content)
	if replaceValues(lines, `runs-on`, a.From, a.Value) == 0 {
		return nil, "", nil
	}
	return joinText(lines), "runs-on: " + a.Value, nil
}

var reVersionValue = regexp.MustCompile(`^\d+(?:\.\d+){0,2}(?:\.x)?$`)

// wfVersion sets setup-<language>'s version input.
func wfVersion(content []byte, a ReviewAsk) ([]byte, string, error) {
	if _, ok := languageImages[a.Target]; !ok {
		return nil, "", nil
	}
	if !reVersionValue.MatchString(a.Value) {
		return nil, "", fmt.Errorf("%q is not a version", a.Value)
	}
	lines := splitText(content)
	if replaceValues(lines, a.Target+`-version`, "", a.Value) == 0 {
		return nil, "", nil
	}
	return joinText(lines), a.Target + "-version: " + a.Value, nil
}

// yamlRoot decodes a YAML document's top mapping.
func yamlRoot(content []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil {
		return nil, fmt.Errorf("parse the YAML: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("not a YAML mapping")
	}
	return doc.Content[0], nil
}

// blockEndAfter returns the index of the first line after start (a line
// index) whose indent is at most indent, skipping blank and comment lines:
// where the block that starts at start ends.
func blockEndAfter(lines []string, start, indent int) int {
	for i := start + 1; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if len(lines[i])-len(strings.TrimLeft(lines[i], " ")) <= indent {
			return i
		}
	}
	end := len(lines)
	for end > start+1 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	return end
}

// wfStep adds a run: step at the end of the first job that runs commands.
func wfStep(content []byte, a ReviewAsk) ([]byte, string, error) {
	if strings.ContainsAny(a.Value, "\n\r") || strings.Contains(a.Value, "${{") {
		return nil, "", fmt.Errorf("the built-in brain adds one-line commands without expressions only")
	}
	root, err := yamlRoot(content)
	if err != nil {
		return nil, "", err
	}
	jobs := kit.MapValue(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return nil, "", nil
	}
	for i := 1; i < len(jobs.Content); i += 2 {
		steps := kit.MapValue(jobs.Content[i], "steps")
		if steps == nil || steps.Kind != yaml.SequenceNode || len(steps.Content) == 0 {
			continue
		}
		for _, st := range steps.Content {
			if r := kit.MapValue(st, "run"); r != nil && strings.TrimSpace(r.Value) == a.Value {
				return nil, "", nil // already there
			}
		}
		lines := splitText(content)
		last := steps.Content[len(steps.Content)-1]
		dash := last.Column - 3 // "- " before the item's first key
		if dash < 0 {
			return nil, "", nil
		}
		at := blockEndAfter(lines, last.Line-1, dash)
		pad := strings.Repeat(" ", dash)
		lines = insertLines(lines, at, pad+"- name: "+kit.YAMLScalar(a.Value), pad+"  run: "+kit.YAMLScalar(a.Value))
		return joinText(lines), "a step running `" + a.Value + "` in job " + jobs.Content[i-1].Value, nil
	}
	return nil, "", nil
}

// wfEnv sets a workflow-level env entry; a secret comes from the
// repository's secrets, never from the review.
func wfEnv(content []byte, a ReviewAsk) ([]byte, string, error) {
	if !reEnvName.MatchString(a.Target) || strings.ContainsAny(a.Value, "\n\r") || strings.Contains(a.Value, "${{") {
		return nil, "", fmt.Errorf("%q is not a variable name and value the built-in brain writes", a.Target)
	}
	val := kit.YAMLScalar(a.Value)
	if strings.HasPrefix(a.Value, "${") {
		val = "${{ secrets." + a.Target + " }}"
	}
	root, err := yamlRoot(content)
	if err != nil {
		return nil, "", err
	}
	lines := splitText(content)
	set := a.Target + ": " + val
	if env := kit.MapValue(root, "env"); env != nil {
		if env.Kind != yaml.MappingNode || len(env.Content) == 0 {
			return nil, "", errors.New("its env is not a mapping")
		}
		if v := kit.MapValue(env, a.Target); v != nil {
			lines[v.Line-1] = strings.Repeat(" ", env.Content[0].Column-1) + set
			return joinText(lines), "env " + set, nil
		}
		k := env.Content[0]
		lines = insertLines(lines, k.Line-1, strings.Repeat(" ", k.Column-1)+set)
		return joinText(lines), "env " + set, nil
	}
	for i := 0; i < len(root.Content); i += 2 {
		if root.Content[i].Value == "jobs" {
			lines = insertLines(lines, root.Content[i].Line-1, "env:", "  "+set, "")
			return joinText(lines), "env " + set, nil
		}
	}
	return nil, "", nil
}

// composeApps returns the compose services built from a Dockerfile (the
// repository's own), name and node.
func composeApps(root *yaml.Node) ([]string, []*yaml.Node) {
	svcs := kit.MapValue(root, "services")
	if svcs == nil || svcs.Kind != yaml.MappingNode {
		return nil, nil
	}
	var names []string
	var nodes []*yaml.Node
	for i := 0; i+1 < len(svcs.Content); i += 2 {
		if kit.MapValue(svcs.Content[i+1], "build") != nil {
			names = append(names, svcs.Content[i].Value)
			nodes = append(nodes, svcs.Content[i+1])
		}
	}
	return names, nodes
}

// composePort sets the container port of the app's port mappings (and
// the host port when it was the same).
func composePort(content []byte, a ReviewAsk) ([]byte, string, error) {
	root, err := yamlRoot(content)
	if err != nil {
		return nil, "", err
	}
	names, apps := composeApps(root)
	lines := splitText(content)
	var done []string
	for j, app := range apps {
		ports := kit.MapValue(app, "ports")
		if ports == nil || ports.Kind != yaml.SequenceNode {
			continue
		}
		old := a.From
		if old == "" {
			if len(ports.Content) != 1 {
				continue
			}
			parts := strings.Split(ports.Content[0].Value, ":")
			old = parts[len(parts)-1]
		}
		for _, p := range ports.Content {
			parts := strings.Split(p.Value, ":")
			if parts[len(parts)-1] != old {
				continue
			}
			for k := range parts {
				if parts[k] == old && (k == len(parts)-1 || k == len(parts)-2) {
					parts[k] = a.Value
				}
			}
			nv := strings.Join(parts, ":")
			lines[p.Line-1] = strings.Replace(lines[p.Line-1], p.Value, nv, 1)
			done = append(done, names[j]+" "+nv)
		}
		for i := range lines {
			if strings.Contains(lines[i], "localhost:"+old) && i+1 > app.Line {
				lines[i] = strings.ReplaceAll(lines[i], "localhost:"+old, "localhost:"+a.Value)
			}
		}
	}
	if len(done) == 0 {
		return nil, "", nil
	}
	return joinText(lines), "ports " + strings.Join(done, ", "), nil
}

// composeEnv sets an environment entry on the app services; a secret is
// a reference to .env, never the value.
func composeEnv(content []byte, a ReviewAsk) ([]byte, string, error) {
	if !reEnvName.MatchString(a.Target) || strings.ContainsAny(a.Value, "\n\r") {
		return nil, "", fmt.Errorf("%q is not a variable name and value the built-in brain writes", a.Target)
	}
	val := a.Value
	if strings.HasPrefix(val, "${") {
		val = kit.SecretRef(a.Target)
	}
	root, err := yamlRoot(content)
	if err != nil {
		return nil, "", err
	}
	names, apps := composeApps(root)
	lines := splitText(content)
	var done []string
	// From the last service up, so earlier line numbers stay right.
	for j := len(apps) - 1; j >= 0; j-- {
		app := apps[j]
		env := kit.MapValue(app, "environment")
		switch {
		case env == nil:
			k := app.Content[0]
			pad := strings.Repeat(" ", k.Column-1)
			lines = insertLines(lines, k.Line-1, pad+"environment:", pad+"  "+a.Target+": "+kit.YAMLScalar(val))
		case env.Kind == yaml.MappingNode && len(env.Content) > 0:
			if kit.MapValue(env, a.Target) != nil {
				return nil, "", fmt.Errorf("service %s already sets %s; change it by hand", names[j], a.Target)
			}
			k := env.Content[0]
			lines = insertLines(lines, k.Line-1, strings.Repeat(" ", k.Column-1)+a.Target+": "+kit.YAMLScalar(val))
		case env.Kind == yaml.SequenceNode && len(env.Content) > 0:
			k := env.Content[0]
			lines = insertLines(lines, k.Line-1, strings.Repeat(" ", k.Column-3)+"- "+kit.YAMLScalar(a.Target+"="+val))
		default:
			continue
		}
		done = append(done, names[j])
	}
	if len(done) == 0 {
		return nil, "", nil
	}
	return joinText(lines), a.Target + " on " + strings.Join(done, ", "), nil
}

// k8sPort sets containerPort, targetPort and port values equal to the old
// port (named ports are left alone).
func k8sPort(content []byte, a ReviewAsk) ([]byte, string, error) {
	lines := splitText(content)
	old := a.From
	if old == "" {
		re := yamlLine(`containerPort`)
		var seen []string
		for _, l := range lines {
			if m := re.FindStringSubmatch(l); m != nil && !kit.Contains(seen, m[3]) {
				seen = append(seen, m[3])
			}
		}
		if len(seen) != 1 {
			return nil, "", nil
		}
		old = seen[0]
	}
	n := 0
	for _, key := range []string{`containerPort`, `targetPort`, `port`} {
		n += replaceValues(lines, key, old, a.Value)
	}
	// The PORT variable the app reads, when the manifest sets it.
	reValue := yamlLine(`value`)
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i-1]) == "- name: PORT" {
			if m := reValue.FindStringSubmatch(lines[i]); m != nil && m[3] == old {
				lines[i] = m[1] + m[2] + a.Value + m[4] + m[5]
				n++
			}
		}
	}
	if n == 0 {
		return nil, "", nil
	}
	return joinText(lines), fmt.Sprintf("port %s (was %s)", a.Value, old), nil
}

var reYAMLName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// renameYAMLKey renames the key from under the top-level section (a
// compose service, a workflow job) and the references to it under the
// refs keys of its siblings. It returns nil when the section has no such
// key.
func renameYAMLKey(content []byte, section, from, to string, refs []string) ([]byte, error) {
	root, err := yamlRoot(content)
	if err != nil {
		return nil, err
	}
	sec := kit.MapValue(root, section)
	if sec == nil || sec.Kind != yaml.MappingNode || kit.MapValue(sec, from) == nil {
		return nil, nil
	}
	if !reYAMLName.MatchString(to) {
		return nil, fmt.Errorf("%q is not a name the built-in brain writes", to)
	}
	if kit.MapValue(sec, to) != nil {
		return nil, fmt.Errorf("%s already has %s", section, to)
	}
	lines := splitText(content)
	rename := func(n *yaml.Node) {
		l := lines[n.Line-1]
		c := n.Column - 1
		if c+len(from) <= len(l) && l[c:c+len(from)] == from {
			lines[n.Line-1] = l[:c] + to + l[c+len(from):]
		}
	}
	for i := 0; i+1 < len(sec.Content); i += 2 {
		if sec.Content[i].Value == from {
			rename(sec.Content[i])
		}
		for _, r := range refs {
			v := kit.MapValue(sec.Content[i+1], r)
			if v == nil {
				continue
			}
			switch v.Kind {
			case yaml.ScalarNode:
				if v.Value == from {
					rename(v)
				}
			case yaml.SequenceNode:
				for _, e := range v.Content {
					if e.Value == from {
						rename(e)
					}
				}
			case yaml.MappingNode:
				for k := 0; k < len(v.Content); k += 2 {
					if v.Content[k].Value == from {
						rename(v.Content[k])
					}
				}
			}
		}
	}
	return joinText(lines), nil
}

// k8sContainers returns the first container of each workload in a
// manifest stream (the app; sidecars come after it in what devops-lead
// writes).
func k8sContainers(content []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(content))
	var out []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("parse the YAML: %w", err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		n := doc.Content[0]
		for _, k := range []string{"spec", "template", "spec", "containers"} {
			if n = kit.MapValue(n, k); n == nil {
				break
			}
		}
		if n != nil && n.Kind == yaml.SequenceNode && len(n.Content) > 0 {
			out = append(out, n.Content[0])
		}
	}
}

// k8sEnv adds an env entry to each workload's app container. A secret is
// not written: it belongs in a Kubernetes Secret, which the built-in brain
// does not write.
func k8sEnv(content []byte, a ReviewAsk) ([]byte, string, error) {
	if !reEnvName.MatchString(a.Target) || strings.ContainsAny(a.Value, "\n\r") {
		return nil, "", fmt.Errorf("%q is not a variable name and value the built-in brain writes", a.Target)
	}
	if strings.HasPrefix(a.Value, "${") {
		return nil, "", fmt.Errorf("%s looks like a secret: keep it in a Kubernetes Secret and reference it with secretKeyRef; the built-in brain does not write Secrets", a.Target)
	}
	containers, err := k8sContainers(content)
	if err != nil {
		return nil, "", err
	}
	lines := splitText(content)
	n := 0
	for j := len(containers) - 1; j >= 0; j-- {
		c := containers[j]
		if c.Kind != yaml.MappingNode || len(c.Content) == 0 {
			continue
		}
		entry := func(pad string) []string {
			return []string{pad + "- name: " + a.Target, pad + "  value: " + strconvQuote(a.Value)}
		}
		env := kit.MapValue(c, "env")
		switch {
		case env != nil && env.Kind == yaml.SequenceNode && len(env.Content) > 0:
			for _, e := range env.Content {
				if v := kit.MapValue(e, "name"); v != nil && v.Value == a.Target {
					return nil, "", fmt.Errorf("the container already sets %s; change it by hand", a.Target)
				}
			}
			first := env.Content[0]
			lines = insertLines(lines, first.Line-1, entry(strings.Repeat(" ", first.Column-3))...)
		case env == nil && c.Content[1].Kind == yaml.ScalarNode && c.Content[1].Line == c.Content[0].Line:
			pad := strings.Repeat(" ", c.Content[0].Column-1)
			lines = insertLines(lines, c.Content[0].Line, append([]string{pad + "env:"}, entry(pad+"  ")...)...)
		default:
			continue
		}
		n++
	}
	if n == 0 {
		return nil, "", nil
	}
	return joinText(lines), "env " + a.Target, nil
}

// strconvQuote writes a YAML double-quoted string.
func strconvQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
