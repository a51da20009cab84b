package validate

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	"gopkg.in/yaml.v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// Helm charts. A chart is a directory holding Chart.yaml. Chart.yaml is
// checked on its own (KindHelmChart). The files under the chart's
// templates/ are Go templates, not YAML: when the chart's Chart.yaml is in
// the set given to Check they are KindHelmTemplate (no check of their own
// beyond the rules for every file) and the chart job renders them like
// `helm template` does, offline, with the chart's values.yaml (see
// helm_render.go). A template that does not parse or execute is a
// helm-render error; every manifest the chart renders goes through the
// Kubernetes checks, reported on the template that rendered it.

var (
	ruleHelmChart = register(Rule{
		ID: "helm-chart", Kind: KindHelmChart, Severity: Error,
		Summary: "Chart.yaml describes a Helm 3 chart: apiVersion v2, a DNS-1123 name, a SemVer 2 version",
		Help: "write apiVersion: v2, name: lower-case letters, digits and dashes (at most 63), version: MAJOR.MINOR.PATCH such as 0.1.0; " +
			"quote a numeric appVersion (\"1.10\"); type is application or library; kubeVersion is a SemVer range; each dependency has a name and a version",
	})
	ruleHelmChartV1 = register(Rule{
		ID: "helm-chart-v1", Kind: KindHelmChart, Severity: Error,
		Summary: "Chart.yaml uses apiVersion v2, the Helm 3 chart format, not Helm 2's v1",
		Help:    "write apiVersion: v2 and move the dependencies of a requirements.yaml under dependencies: in Chart.yaml; Helm 3 still installs v1 charts",
	})
	ruleHelmRender = register(Rule{
		ID: "helm-render", Kind: KindHelmTemplate, Severity: Error,
		Summary: "a Helm chart renders with its values.yaml: every template parses and executes (the manifests it renders then get the Kubernetes rules)",
		Help: "fix the template at the reported line, or give the value `required` asks for in values.yaml. The gate renders like `helm template`, offline: " +
			"values.yaml only (not ci/*-values.yaml or --set), release release-name in namespace default, Kubernetes v1.33.0 with every API version, " +
			"lookup finds nothing, getHostByName returns nothing; a template may not render over 1 MiB or nest templates over 100 deep",
	})
)

func init() {
	registerChecker(KindHelmChart, checkHelmChartFile)
}

// helmNameRe is a DNS-1123 label: what Helm's best practices and
// Kubernetes object names built from the chart name need.
var helmNameRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// checkHelmChartFile checks a Chart.yaml on its own.
func checkHelmChartFile(p string, content []byte) []Finding {
	docs, err := yamlDocs(content)
	if err != nil {
		return []Finding{ruleHelmChart.at(p, yamlErrLine(err), 0, "Chart.yaml does not parse: %s", yamlErrText(err))}
	}
	var root *yaml.Node
	if len(docs) > 0 {
		root = ynRoot(docs[0])
	}
	if root == nil || root.Kind != yaml.MappingNode {
		line, col := ynLine(root)
		return []Finding{ruleHelmChart.at(p, line, col, "Chart.yaml is not a mapping: write apiVersion: v2, name and version")}
	}
	var out []Finding
	bad := func(key *yaml.Node, format string, args ...any) {
		line, col := ynLine(key)
		if key == nil {
			line, col = ynLine(root)
		}
		out = append(out, ruleHelmChart.at(p, line, col, format, args...))
	}
	scalar := func(key string) (*yaml.Node, *yaml.Node, string) {
		k, v := ynGet(root, key)
		s, _ := ynScalar(v)
		return k, v, strings.TrimSpace(s)
	}

	switch k, _, v := scalar("apiVersion"); {
	case k == nil || v == "":
		bad(k, "Chart.yaml has no apiVersion: write apiVersion: v2")
	case v == "v1":
		// Helm 3 still installs v1 charts: its own rule, so that a policy
		// (recommended) can make it a warning.
		line, col := ynLine(k)
		out = append(out, ruleHelmChartV1.at(p, line, col, "apiVersion v1 is Helm 2's chart format, which Helm 3 still installs: write apiVersion: v2 (a requirements.yaml then moves into dependencies)"))
	case v != "v2":
		bad(k, "apiVersion %q is not a Helm chart API version: write apiVersion: v2", v)
	}
	switch k, _, v := scalar("name"); {
	case k == nil || v == "":
		bad(k, "Chart.yaml has no name")
	case len(v) > 63 || !helmNameRe.MatchString(v):
		bad(k, "chart name %q is not a DNS-1123 label: use lower-case letters, digits and dashes, at most 63, such as my-app", v)
	}
	switch k, _, v := scalar("version"); {
	case k == nil || v == "":
		bad(k, "Chart.yaml has no version: write a SemVer 2 version such as 0.1.0")
	default:
		if _, err := semver.StrictNewVersion(v); err != nil {
			bad(k, "version %q is not SemVer 2: write MAJOR.MINOR.PATCH such as 0.1.0 (a pre-release or build suffix may follow)", v)
		}
	}
	if k, v, s := scalar("appVersion"); k != nil && v != nil && (v.Tag == "!!float" || v.Tag == "!!int") {
		bad(k, "appVersion %s is a YAML number (Helm reads %s): quote it", s, helmNumberText(s))
	}
	if k, v, s := scalar("type"); k != nil && v != nil && s != "" && s != "application" && s != "library" {
		bad(k, "type %q is not application or library", s)
	}
	if k, v, s := scalar("kubeVersion"); k != nil && v != nil && s != "" {
		if _, err := semver.NewConstraint(s); err != nil {
			bad(k, "kubeVersion %q is not a SemVer range such as \">= 1.27.0-0\": %v", s, err)
		}
	}
	if k, deps := ynGet(root, "dependencies"); k != nil && deps != nil && !(deps.Kind == yaml.ScalarNode && deps.Tag == "!!null") {
		if deps.Kind != yaml.SequenceNode {
			bad(k, "dependencies is not a list")
		} else {
			for i, d := range deps.Content {
				d = ynDeref(d)
				name, _ := ynScalar(ynPath(d, "name"))
				version, _ := ynScalar(ynPath(d, "version"))
				if d.Kind != yaml.MappingNode || name == "" || version == "" {
					line, col := ynLine(d)
					out = append(out, ruleHelmChart.at(p, line, col, "dependency %d has no name or no version", i+1))
				}
			}
		}
	}
	return out
}

// helmNumberText shows how a YAML number reads once Helm made it a string.
func helmNumberText(s string) string {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return s
}

// helmChartRoots returns the directories of a file set that hold a
// Chart.yaml ("." for one at the top).
func helmChartRoots(files []File) map[string]bool {
	var roots map[string]bool
	for _, f := range files {
		if path.Base(f.Path) == "Chart.yaml" {
			if roots == nil {
				roots = map[string]bool{}
			}
			roots[path.Dir(f.Path)] = true
		}
	}
	return roots
}

func sortedRoots(roots map[string]bool) []string {
	out := make([]string, 0, len(roots))
	for r := range roots {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// helmChartOf returns the chart a path belongs to (the nearest directory
// above it that holds a Chart.yaml) and the path inside the chart.
func helmChartOf(p string, roots map[string]bool) (root, rel string, ok bool) {
	if len(roots) == 0 {
		return "", "", false
	}
	for d := path.Dir(p); ; d = path.Dir(d) {
		if roots[d] {
			if d == "." {
				return d, p, true
			}
			return d, strings.TrimPrefix(p, d+"/"), true
		}
		if d == "." || d == "/" || path.Dir(d) == d {
			return "", "", false
		}
	}
}

// helmIsTemplate reports whether a path is under the templates/ of a
// chart in the set.
func helmIsTemplate(p string, roots map[string]bool) bool {
	_, rel, ok := helmChartOf(p, roots)
	return ok && strings.HasPrefix(rel, "templates/")
}

// safeChart runs the chart job; a panic is a checker-failed finding on
// the chart's Chart.yaml.
func safeChart(root string, files []File, roots map[string]bool) (out []Finding) {
	defer func() {
		if r := recover(); r != nil {
			out = []Finding{ruleInternal.at(path.Join(root, "Chart.yaml"), 0, 0, "rendering the chart failed: %v", r)}
		}
	}()
	c := loadHelmChart(root, files, roots)
	if c == nil {
		return nil
	}
	return c.check()
}

// helmChart is one chart of a file set, ready to render.
type helmChart struct {
	root      string // the chart's directory in the set
	name      string // Helm's name for the chart: the prefix of template names
	meta      *helmMetadata
	library   bool
	valuesErr *Finding // values.yaml does not load
	values    map[string]any
	templates []helmTemplate // its subcharts' then its own, each sorted by path
	files     helmFiles      // .Files: the chart's other files
	missing   []string       // dependencies not unpacked under charts/
}

// helmTemplate is one file under the chart's templates/, or under a
// subchart's: those are parsed for their defines (a library chart's, say)
// but not rendered here; the subchart is a chart of its own in the set.
type helmTemplate struct {
	path    string // in the file set
	name    string // Helm's template name: <chart>/templates/..., <chart>/charts/<sub>/templates/...
	content []byte
	sub     bool
}

// loadHelmChart gathers a chart from the set. It returns nil when there is
// nothing to render: Chart.yaml does not parse (its own check says so),
// the chart is a library, or values.yaml does not parse as YAML (the
// yaml-parse rule says so).
func loadHelmChart(root string, files []File, roots map[string]bool) *helmChart {
	c := &helmChart{root: root, files: helmFiles{}}
	var chartYAML, valuesYAML, requirements *File
	prefix := root + "/"
	if root == "." {
		prefix = ""
	}
	subcharts := map[string]bool{} // names and directories of the charts under charts/
	for i := range files {
		f := &files[i]
		if len(f.Content) > MaxFileSize {
			continue // not checked: file-size says so
		}
		r, rel, ok := helmChartOf(f.Path, roots)
		if !ok {
			continue
		}
		if r != root {
			if !strings.HasPrefix(r, prefix+"charts/") {
				continue
			}
			switch {
			case strings.HasPrefix(rel, "templates/"):
				c.templates = append(c.templates, helmTemplate{path: f.Path, content: f.Content, sub: true})
			case rel == "Chart.yaml" && path.Dir(r) == prefix+"charts":
				subcharts[path.Base(r)] = true
				if m, ok := helmReadMetadata(f.Content); ok {
					subcharts[m.Name] = true
				}
			}
			continue
		}
		switch {
		case rel == "Chart.yaml":
			if chartYAML == nil {
				chartYAML = f
			}
		case rel == "values.yaml":
			if valuesYAML == nil {
				valuesYAML = f
			}
		case strings.HasPrefix(rel, "templates/"):
			c.templates = append(c.templates, helmTemplate{path: f.Path, content: f.Content})
		case rel == "requirements.yaml":
			requirements = f
		case strings.HasPrefix(rel, "charts/"), rel == "values.schema.json", rel == "Chart.lock":
		default:
			c.files[rel] = f.Content
		}
	}
	if chartYAML == nil || !slices.ContainsFunc(c.templates, func(t helmTemplate) bool { return !t.sub }) {
		return nil
	}
	meta, ok := helmReadMetadata(chartYAML.Content)
	if !ok {
		return nil
	}
	c.meta = meta
	c.library = meta.Type == "library"
	c.name = meta.Name
	if c.name == "" || strings.ContainsAny(c.name, "/\\") {
		c.name = path.Base(root)
		if root == "." || root == "/" {
			c.name = "chart"
		}
	}
	for i := range c.templates {
		c.templates[i].name = c.name + "/" + strings.TrimPrefix(c.templates[i].path, prefix)
	}
	// Helm parses subcharts' templates first: the parent's defines win.
	sort.Slice(c.templates, func(i, j int) bool {
		a, b := c.templates[i], c.templates[j]
		if a.sub != b.sub {
			return a.sub
		}
		return a.path < b.path
	})
	deps := meta.Dependencies
	if requirements != nil {
		if m, ok := helmReadMetadata(requirements.Content); ok {
			deps = append(deps, m.Dependencies...)
		}
	}
	for _, d := range deps {
		if d.Name != "" && !subcharts[d.Name] {
			c.missing = append(c.missing, d.Name)
		}
	}
	c.values = map[string]any{}
	if valuesYAML != nil {
		if _, err := yamlDocs(valuesYAML.Content); err != nil {
			return nil
		}
		var v map[string]any
		if err := sigsyaml.Unmarshal(valuesYAML.Content, &v); err != nil {
			f := ruleHelmRender.at(valuesYAML.Path, 0, 0, "values.yaml does not load as Helm loads it (a mapping at the top): %s", k8sErrText(err))
			c.valuesErr = &f
		} else if v != nil {
			c.values = v
		}
	}
	c.values = helmParentValues(root, files, roots, c.name, c.values)
	return c
}

// check renders the chart and checks what it renders.
func (c *helmChart) check() []Finding {
	if c.library {
		return nil // a library chart is not installed: only its defines are used
	}
	if c.valuesErr != nil {
		return []Finding{*c.valuesErr}
	}
	if len(c.missing) > 0 {
		// Helm does not render a chart whose dependencies are not in
		// charts/ either, and the gate fetches nothing.
		what := "dependency " + c.missing[0] + " is"
		if len(c.missing) > 1 {
			what = "dependencies " + strings.Join(c.missing, ", ") + " are"
		}
		f := ruleHelmRender.at(path.Join(c.root, "Chart.yaml"), 0, 0,
			"the chart is not rendered: its %s not unpacked under charts/ (the gate fetches no charts); check it with helm dependency build and helm template", what)
		f.Severity = Note
		return []Finding{f}
	}
	results := renderHelmChart(c)
	var out []Finding
	for _, r := range results {
		if r.err != nil && r.parse && r.tmpl.sub {
			continue // the subchart's own job reports it
		}
		if r.err != nil {
			out = append(out, c.errFinding(r.tmpl, r.err, r.parse)...)
			continue
		}
		if path.Base(r.tmpl.path) == "NOTES.txt" {
			continue // shown to the user after install, not applied
		}
		out = append(out, helmManifestFindings(r.tmpl, r.output)...)
	}
	return helmDedupe(out)
}

// helmDedupe drops repeated findings: several templates may stop on the
// same line of a helper. A template another one includes (a checksum of
// secrets.yaml in deployment.yaml) stops on the same line when rendered
// itself and "while rendering" the other: one error, and Helm reports it
// once, so the "while rendering" copy goes. Errors in a helper (never
// rendered itself) keep one finding per template that hit them.
func helmDedupe(fs []Finding) []Finding {
	seen := map[Finding]bool{}
	for _, f := range fs {
		seen[f] = true
	}
	done := map[Finding]bool{}
	out := fs[:0]
	for _, f := range fs {
		own := f
		own.Message = helmWhileRe.ReplaceAllString(f.Message, "")
		if done[f] || (own.Message != f.Message && seen[own]) {
			continue
		}
		done[f] = true
		out = append(out, f)
	}
	return out
}

// helmWhileRe is the tail errFinding adds when the error is in another
// template than the one being rendered.
var helmWhileRe = regexp.MustCompile(` \(while rendering [^()]*\)$`)

// helmManifestSep splits rendered output into YAML documents.
var helmManifestSep = regexp.MustCompile(`(?m)^---[ \t]*(?:#.*)?$`)

// helmManifestFindings splits a template's output into documents and runs
// the Kubernetes checks on each. Findings are reported on the template:
// on the template line that rendered the reported line when that line is
// literal text found once in both, else on line 0 with the line of the
// output in the message. Suppression comments in the template are
// rendered too, and honoured on the output.
func helmManifestFindings(t helmTemplate, output string) []Finding {
	var out []Finding
	var idx *helmLineIndex
	start := 0
	bounds := append(helmManifestSep.FindAllStringIndex(output, -1), []int{len(output), len(output)})
	for _, b := range bounds {
		doc := output[start:b[0]]
		docStart := start
		start = b[1]
		if strings.TrimSpace(doc) == "" {
			continue
		}
		fs := checkK8sManifest(t.path, []byte(doc))
		if len(fs) == 0 {
			continue
		}
		fs = applySuppressions([]byte(doc), fs)
		if idx == nil {
			idx = newHelmLineIndex(t.content, output)
		}
		firstLine := strings.Count(output[:docStart], "\n") + 1
		docLines := strings.Split(doc, "\n")
		for _, f := range fs {
			outLine := 0
			var text string
			if f.Line >= 1 && f.Line <= len(docLines) {
				outLine = firstLine + f.Line - 1
				text = docLines[f.Line-1]
			}
			line, col := idx.find(text, f.Col)
			f.Message = "rendered with values.yaml: " + f.Message
			if line == 0 && outLine > 0 {
				f.Message += fmt.Sprintf(" (line %d of the rendered template)", outLine)
			}
			f.Line, f.Col = line, col
			out = append(out, f)
		}
	}
	return out
}

// helmLineIndex maps the literal lines of a template to their numbers.
type helmLineIndex struct {
	tmpl     map[string]int // trimmed literal line -> line, -1 when it repeats
	tmplText []string
	rendered map[string]int // trimmed output line -> count
}

func newHelmLineIndex(tmpl []byte, output string) *helmLineIndex {
	x := &helmLineIndex{tmpl: map[string]int{}, rendered: map[string]int{}}
	x.tmplText = strings.Split(string(tmpl), "\n")
	for i, l := range x.tmplText {
		t := strings.TrimSpace(l)
		if t == "" || strings.Contains(t, "{{") {
			continue
		}
		if _, dup := x.tmpl[t]; dup {
			x.tmpl[t] = -1
		} else {
			x.tmpl[t] = i + 1
		}
	}
	for _, l := range strings.Split(output, "\n") {
		if t := strings.TrimSpace(l); t != "" {
			x.rendered[t]++
		}
	}
	return x
}

// find returns the template line and column of a rendered line, or 0, 0.
func (x *helmLineIndex) find(rendered string, col int) (int, int) {
	t := strings.TrimSpace(rendered)
	if t == "" || x.rendered[t] != 1 {
		return 0, 0
	}
	line := x.tmpl[t]
	if line <= 0 {
		return 0, 0
	}
	off := col - 1 - (len(rendered) - len(strings.TrimLeft(rendered, " \t")))
	if col == 0 || off < 0 {
		off = 0
	}
	src := x.tmplText[line-1]
	return line, len(src) - len(strings.TrimLeft(src, " \t")) + off + 1
}

// helmErrLocRe finds the locations text/template puts in its errors.
var helmErrLocRe = regexp.MustCompile(`template: (.+?):(\d+)(?::(\d+))?: `)

// helmExecCtxRe is the "executing NAME at <CONTEXT>: " part of an error.
var helmExecCtxRe = regexp.MustCompile(`^executing ".*?" at <(.*?)>: `)

// helmCallRe is text/template's wrapping of a function's error.
var helmCallRe = regexp.MustCompile(`^error calling [A-Za-z0-9_]+: `)

// errFinding turns a parse or execution error into findings: on the file
// and line where it happened (a helper the template includes, say), with
// the innermost message.
func (c *helmChart) errFinding(t helmTemplate, err error, parse bool) []Finding {
	msg := err.Error()
	where, line, col := t, 0, 0
	core := msg
	if locs := helmErrLocRe.FindAllStringSubmatchIndex(msg, -1); len(locs) > 0 {
		m := locs[len(locs)-1]
		name := msg[m[2]:m[3]]
		for _, other := range c.templates {
			if other.name == name {
				where = other
				line, _ = strconv.Atoi(msg[m[4]:m[5]])
				if m[6] >= 0 {
					col, _ = strconv.Atoi(msg[m[6]:m[7]])
					col++ // text/template counts bytes from 0
				}
				break
			}
		}
		core = msg[m[1]:]
	}
	context := ""
	if m := helmExecCtxRe.FindStringSubmatch(core); m != nil {
		context = m[1]
		core = core[len(m[0]):]
	}
	for {
		loc := helmCallRe.FindStringIndex(core)
		if loc == nil {
			break
		}
		core = core[loc[1]:]
	}
	var text string
	var req *helmRequiredError
	var fail *helmFailError
	var limit *helmLimitError
	switch {
	case errors.As(err, &req):
		if v := helmRequiredValue(where.content, line, col); v != "" {
			text = fmt.Sprintf("a value the chart requires is empty in values.yaml: set %s (the template says: %s)", v, req.msg)
		} else {
			text = fmt.Sprintf("a value the chart requires is empty in values.yaml (the template says: %s)", req.msg)
		}
	case errors.As(err, &fail):
		text = "the chart calls fail with values.yaml: " + fail.msg
	case errors.As(err, &limit):
		text = "the render stops: " + limit.msg
	case parse:
		text = "the template does not parse: " + core
	default:
		text = "the template does not render with values.yaml: " + core
		if context != "" {
			text += " (at " + helmShorten(context, 80) + ")"
		}
	}
	if where.path != t.path {
		text += " (while rendering " + strings.TrimPrefix(t.name, c.name+"/") + ")"
	}
	fs := []Finding{ruleHelmRender.at(where.path, line, col, "%s", text)}
	return applySuppressions(where.content, fs)
}

func helmShorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// helmValuesRefRe finds .Values paths in a template action.
var helmValuesRefRe = regexp.MustCompile(`\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)`)

// helmRequiredValue finds the value a failing `required` names: the
// .Values path in the action at line:col of the template source.
func helmRequiredValue(src []byte, line, col int) string {
	if line < 1 {
		return ""
	}
	s := string(src)
	off := 0
	for i := 1; i < line; i++ {
		nl := strings.IndexByte(s[off:], '\n')
		if nl < 0 {
			return ""
		}
		off += nl + 1
	}
	off += max(col-1, 0)
	if off > len(s) {
		return ""
	}
	start := strings.LastIndex(s[:off], "{{")
	end := strings.Index(s[off:], "}}")
	if start < 0 || end < 0 {
		return ""
	}
	action := s[start : off+end]
	refs := helmValuesRefRe.FindAllStringSubmatchIndex(action, -1)
	if len(refs) == 0 {
		return ""
	}
	pick := refs[len(refs)-1]
	for _, r := range refs { // the first path after `required`, else the last before it
		if r[0] >= off-start {
			pick = r
			break
		}
	}
	return strings.TrimPrefix(action[pick[2]:pick[3]], ".")
}

// helmMetadata is Chart.yaml as Helm's chart.Metadata holds it: the
// fields .Chart gives templates, with Helm's names.
type helmMetadata struct {
	Name         string
	Home         string
	Sources      []string
	Version      string
	Description  string
	Keywords     []string
	Maintainers  []*helmMaintainer
	Icon         string
	APIVersion   string
	Condition    string
	Tags         string
	AppVersion   string
	Deprecated   bool
	Annotations  map[string]string
	KubeVersion  string
	Dependencies []*helmDependency
	Type         string
}

// helmMaintainer is one entry of maintainers.
type helmMaintainer struct {
	Name  string
	Email string
	URL   string
}

// helmDependency is one entry of dependencies.
type helmDependency struct {
	Name         string
	Version      string
	Repository   string
	Condition    string
	Tags         []string
	Enabled      bool
	ImportValues []any
	Alias        string
}

// helmReadMetadata reads Chart.yaml leniently (a number where a string
// belongs is taken as written): the chart check reports what is wrong.
func helmReadMetadata(content []byte) (*helmMetadata, bool) {
	docs, err := yamlDocs(content)
	if err != nil || len(docs) == 0 {
		return nil, false
	}
	root := ynRoot(docs[0])
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, false
	}
	str := func(n *yaml.Node, key string) string {
		s, _ := ynScalar(ynPath(n, key))
		return s
	}
	strs := func(n *yaml.Node, key string) []string {
		var out []string
		if l := ynPath(n, key); l != nil && l.Kind == yaml.SequenceNode {
			for _, item := range l.Content {
				if s, ok := ynScalar(item); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	m := &helmMetadata{
		Name: str(root, "name"), Home: str(root, "home"), Sources: strs(root, "sources"),
		Version: str(root, "version"), Description: str(root, "description"), Keywords: strs(root, "keywords"),
		Icon: str(root, "icon"), APIVersion: str(root, "apiVersion"), Condition: str(root, "condition"),
		Tags: str(root, "tags"), AppVersion: str(root, "appVersion"), Deprecated: ynTrue(ynPath(root, "deprecated")),
		KubeVersion: str(root, "kubeVersion"), Type: str(root, "type"),
	}
	if a := ynPairs(ynPath(root, "annotations")); len(a) > 0 {
		m.Annotations = map[string]string{}
		for _, kv := range a {
			s, _ := ynScalar(kv[1])
			m.Annotations[kv[0].Value] = s
		}
	}
	if l := ynPath(root, "maintainers"); l != nil && l.Kind == yaml.SequenceNode {
		for _, item := range l.Content {
			m.Maintainers = append(m.Maintainers, &helmMaintainer{Name: str(item, "name"), Email: str(item, "email"), URL: str(item, "url")})
		}
	}
	if l := ynPath(root, "dependencies"); l != nil && l.Kind == yaml.SequenceNode {
		for _, item := range l.Content {
			d := &helmDependency{Name: str(item, "name"), Version: str(item, "version"), Repository: str(item, "repository"),
				Condition: str(item, "condition"), Tags: strs(item, "tags"), Enabled: ynTrue(ynPath(item, "enabled")), Alias: str(item, "alias")}
			m.Dependencies = append(m.Dependencies, d)
		}
	}
	return m, true
}

// isHelmInput reports, by a slash path alone, the files of a Helm chart's
// layout that are inputs to helm rather than manifests: values files
// (values.yaml, values-prod.yaml, ci/foo-values.yaml, prod.values.yaml)
// and helm-unittest suites (unittests/*_test.yaml, tests/*_test.yaml).
func isHelmInput(p string) bool {
	lower := strings.ToLower(p)
	base := path.Base(lower)
	stem := strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
	if stem == "values" || strings.HasPrefix(stem, "values-") || strings.HasPrefix(stem, "values.") ||
		strings.HasPrefix(stem, "values_") || strings.HasSuffix(stem, "-values") || strings.HasSuffix(stem, ".values") ||
		strings.HasSuffix(stem, "_values") {
		return true
	}
	if strings.HasSuffix(stem, "_test") {
		for _, d := range []string{"unittests/", "tests/"} {
			if strings.HasPrefix(lower, d) || strings.Contains(lower, "/"+d) {
				return !strings.Contains(lower, "templates/")
			}
		}
	}
	return false
}

// helmInputDir reports a path inside a chart (relative to its root) under
// the directories whose YAML files are inputs to helm, not manifests:
// ci/ (values for chart-testing) and unittests/ or tests/ (helm-unittest).
func helmInputDir(rel string) bool {
	for _, d := range []string{"ci/", "unittests/", "tests/"} {
		if strings.HasPrefix(rel, d) {
			return true
		}
	}
	return false
}

// helmParentValues returns a subchart's values as Helm gives them when it
// installs the parent chart: the subchart's own values.yaml with the
// parent's values under the subchart's name, and the parent's global:,
// coalesced over them. A chart unpacked under another chart's charts/
// often has no defaults of its own (prometheus-operator-crds' crds
// subchart reads .Values.probes.enabled, which only the parent's
// crds.probes sets), so rendering it with its own values alone reports
// errors Helm never meets. own is returned when root is not a subchart
// of a chart in the set or the parent's values.yaml does not load.
func helmParentValues(root string, files []File, roots map[string]bool, name string, own map[string]any) map[string]any {
	dir := path.Dir(root)
	if root == "." || path.Base(dir) != "charts" || !roots[path.Dir(dir)] {
		return own
	}
	want := path.Join(path.Dir(dir), "values.yaml")
	var parent map[string]any
	for _, f := range files {
		if f.Path == want && len(f.Content) <= MaxFileSize {
			if err := sigsyaml.Unmarshal(f.Content, &parent); err != nil {
				return own
			}
			break
		}
	}
	if parent == nil {
		return own
	}
	out := own
	for _, key := range []string{name, path.Base(root)} {
		if sub, ok := parent[key].(map[string]any); ok {
			out = helmCoalesce(out, sub)
			break
		}
	}
	if g, ok := parent["global"].(map[string]any); ok {
		out = helmCoalesce(out, map[string]any{"global": g})
	}
	return out
}

// helmCoalesce returns base with over laid on it: maps merge key by key,
// any other value of over replaces base's. Neither argument is changed.
func helmCoalesce(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		bm, ok1 := out[k].(map[string]any)
		om, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			out[k] = helmCoalesce(bm, om)
			continue
		}
		out[k] = v
	}
	return out
}
