package validate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"

	"github.com/Masterminds/sprig/v3"
	"github.com/bmatcuk/doublestar/v4"
	toml "github.com/pelletier/go-toml/v2"
	"gopkg.in/yaml.v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// The Helm renderer: Go text/template with sprig's functions (minus env
// and expandenv) and Helm's own (include, tpl, required, fail, toYaml,
// fromYaml, fromYamlArray, toJson, fromJson, fromJsonArray, toToml,
// fromToml, lookup), the option missingkey=zero, and the "<no value>"
// Helm strips from the output. It runs offline: lookup finds nothing and
// getHostByName returns "" (Helm's default without --enable-dns).
//
// Templates come from the repository, so rendering is bounded: each
// template (and each include or tpl) renders at most helmMaxOutput bytes;
// templates nest at most helmMaxDepth deep (include, tpl and the template
// action alike), and the ranges of the templates being executed at most
// helmMaxRanges (text/template re-panics an error through every range it
// is in, which costs the square of the stack's depth); a chart spends at most helmBudget steps, a step being a
// range iteration, a function call or helmByteStep bytes a function
// returns (so functions allocate some 32 MB at most), with the functions
// that take a count (until, repeat, indent...) charged before they run
// and the key generators charged their cost; a value
// printed or serialised is at most helmMaxValue bytes once shared maps and
// lists are expanded, and nests at most helmMaxNesting deep; set and merge
// refuse to make a map contain itself; and a chart renders in at most
// helmTimeout. To count range iterations and nesting, the parse trees are
// instrumented: a call to __dl_tick starts every range body, __dl_enter
// (given how deep the template's ranges nest) and __dl_leave wrap every
// template, and __dl_out ends every pipeline whose value is printed.

const (
	helmMaxOutput  = 1 << 20
	helmMaxDepth   = 100
	helmMaxRanges  = 200
	helmBudget     = 2_000_000
	helmMaxValue   = 4 << 20
	helmMaxNesting = 1000
	helmTimeout    = 10 * time.Second
	helmByteStep   = 16 // bytes a function returns per step
)

// helmLimitError is a render stopped by one of the bounds.
type helmLimitError struct{ msg string }

func (e *helmLimitError) Error() string { return e.msg }

// helmRequiredError is a `required` whose value is empty.
type helmRequiredError struct{ msg string }

func (e *helmRequiredError) Error() string { return e.msg }

// helmFailError is a call of `fail`.
type helmFailError struct{ msg string }

func (e *helmFailError) Error() string { return e.msg }

// helmResult is the rendering of one template.
type helmResult struct {
	tmpl   helmTemplate
	output string
	err    error
	parse  bool // err is a parse error
}

// helmRender is the state of one chart's rendering.
type helmRender struct {
	steps    int64
	deadline time.Time
	depth    int                  // templates being executed
	ranges   int                  // the ranges they may nest
	done     map[*parse.Tree]bool // instrumented trees
	funcs    template.FuncMap     // the wrapped functions but include and tpl
}

// renderHelmChart parses every template of the chart into one set (so
// that defines in _helpers.tpl are there for include), then executes each
// template whose name does not start with "_". A parse error in any file
// stops the chart, as it stops Helm: its results are the parse errors.
func renderHelmChart(c *helmChart) []helmResult {
	r := &helmRender{deadline: time.Now().Add(helmTimeout), done: map[*parse.Tree]bool{}}
	r.funcs = r.baseFuncs()
	set := template.New("gotpl").Option("missingkey=zero").Funcs(r.funcs)
	set.Funcs(r.setFuncs(set))
	var out []helmResult
	for _, t := range c.templates {
		if _, err := set.New(t.name).Parse(string(t.content)); err != nil {
			out = append(out, helmResult{tmpl: t, err: err, parse: true})
		}
	}
	if len(out) > 0 {
		return out
	}
	r.instrument(set)
	data := map[string]any{
		"Values": c.values,
		"Chart":  c.meta,
		"Release": map[string]any{
			"Name": "release-name", "Namespace": "default", "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": helmDefaultCapabilities(),
		"Files":        c.files,
		"Subcharts":    map[string]any{},
	}
	for _, t := range c.templates {
		if t.sub || strings.HasPrefix(path.Base(t.name), "_") {
			continue // subcharts' templates and partials: only included
		}
		vals := make(map[string]any, len(data)+1)
		for k, v := range data {
			vals[k] = v
		}
		vals["Template"] = map[string]any{"Name": t.name, "BasePath": c.name + "/templates"}
		r.depth, r.ranges = 0, 0
		w := &helmWriter{limit: helmMaxOutput}
		err := set.ExecuteTemplate(w, t.name, vals)
		out = append(out, helmResult{tmpl: t, output: strings.ReplaceAll(w.b.String(), "<no value>", ""), err: err})
		if err != nil && r.exhausted() {
			break // the other templates would stop at once
		}
	}
	return out
}

// helmWriter is a strings.Builder that refuses to grow past limit.
type helmWriter struct {
	b     strings.Builder
	limit int
}

func (w *helmWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.limit {
		return 0, &helmLimitError{fmt.Sprintf("the template renders more than %d bytes (a range over a huge number or list?)", w.limit)}
	}
	return w.b.Write(p)
}

// charge spends n steps of the budget; over it, or past the deadline, it
// panics with a helmLimitError, which text/template turns into the error
// of the function being called.
func (r *helmRender) charge(n int64) {
	if n < 0 || n > helmBudget {
		n = helmBudget + 1
	}
	r.steps += n
	if r.steps > helmBudget {
		panic(&helmLimitError{fmt.Sprintf("the chart takes more than %d steps to render (a range over a huge number, or a value built up in a loop?)", helmBudget)})
	}
	if time.Now().After(r.deadline) {
		panic(&helmLimitError{fmt.Sprintf("the chart takes more than %v to render", helmTimeout)})
	}
}

// chargeF charges a computed estimate.
func (r *helmRender) chargeF(x float64) {
	if math.IsNaN(x) || x > helmBudget {
		r.charge(helmBudget + 1)
	}
	r.charge(int64(math.Max(x, 0)))
}

// exhausted reports whether the budget or the time is spent.
func (r *helmRender) exhausted() bool {
	return r.steps > helmBudget || time.Now().After(r.deadline)
}

// chargeValue charges a value about to be printed or serialised for its
// expanded size, and refuses one too large, too deep or cyclic.
func (r *helmRender) chargeValue(v reflect.Value) {
	if !v.IsValid() {
		return
	}
	n, err := helmValueSize(v)
	if err != nil {
		panic(err)
	}
	r.charge(n / helmByteStep)
}

// helmBaseFuncs are the functions Helm gives templates, before wrapping;
// include and tpl are bound per template set.
var helmBaseFuncs = sync.OnceValue(func() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	for k, v := range map[string]any{
		"getHostByName": func(string) string { return "" },
		"toToml":        helmToTOML,
		"fromToml":      helmFromTOML,
		"toYaml":        helmToYAML,
		"toYamlPretty":  helmToYAMLPretty,
		"fromYaml":      helmFromYAML,
		"fromYamlArray": helmFromYAMLArray,
		"toJson":        helmToJSON,
		"fromJson":      helmFromJSON,
		"fromJsonArray": helmFromJSONArray,
		"required":      helmRequired,
		"fail":          helmFail,
		"lookup":        func(string, string, string, string) (map[string]any, error) { return map[string]any{}, nil },
		// text/template's printing builtins, overridden to be charged.
		"print":    fmt.Sprint,
		"printf":   fmt.Sprintf,
		"println":  fmt.Sprintln,
		"html":     template.HTMLEscaper,
		"js":       template.JSEscaper,
		"urlquery": template.URLQueryEscaper,
	} {
		f[k] = v
	}
	return f
})

// baseFuncs wraps every function for this render and adds the
// instrumentation calls.
func (r *helmRender) baseFuncs() template.FuncMap {
	base := helmBaseFuncs()
	out := make(template.FuncMap, len(base)+4)
	for name, fn := range base {
		out[name] = r.wrap(name, fn)
	}
	out["__dl_tick"] = func() string {
		r.charge(1)
		return ""
	}
	out["__dl_enter"] = func(ranges int) (string, error) {
		r.charge(1)
		r.depth++
		r.ranges += ranges
		if r.depth > helmMaxDepth {
			return "", &helmLimitError{fmt.Sprintf("templates nest more than %d deep (a template that includes itself?)", helmMaxDepth)}
		}
		if r.ranges > helmMaxRanges {
			return "", &helmLimitError{fmt.Sprintf("ranges nest more than %d deep", helmMaxRanges)}
		}
		return "", nil
	}
	out["__dl_leave"] = func(ranges int) string {
		r.depth--
		r.ranges -= ranges
		return ""
	}
	out["__dl_out"] = func(v any) any {
		r.charge(1)
		r.chargeValue(reflect.ValueOf(v))
		return v
	}
	return out
}

// setFuncs are include and tpl bound to a template set.
func (r *helmRender) setFuncs(set *template.Template) template.FuncMap {
	return template.FuncMap{
		"include": r.wrap("include", r.include(set)),
		"tpl":     r.wrap("tpl", r.tpl(set)),
	}
}

// include renders a named template to a string.
func (r *helmRender) include(set *template.Template) func(string, any) (string, error) {
	return func(name string, data any) (string, error) {
		w := &helmWriter{limit: helmMaxOutput}
		if err := set.ExecuteTemplate(w, name, data); err != nil {
			return "", err
		}
		return w.b.String(), nil
	}
}

// tpl renders a string as a template, with the set's defines at hand.
func (r *helmRender) tpl(parent *template.Template) func(string, any) (string, error) {
	return func(text string, vals any) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", err
		}
		t.Option("missingkey=zero")
		t.Funcs(r.setFuncs(t))
		nt, err := t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		r.instrument(nt)
		w := &helmWriter{limit: helmMaxOutput}
		if err := nt.Execute(w, vals); err != nil {
			return "", err
		}
		return strings.ReplaceAll(w.b.String(), "<no value>", ""), nil
	}
}

// helmFlatCosts are the steps a function costs beyond one call: the key
// generators, password hashes and key derivations take real time, about a
// step a microsecond (genPrivateKey is charged by key type).
var helmFlatCosts = map[string]int64{
	"genCA":                    100_000,
	"genSelfSignedCert":        100_000,
	"genSignedCert":            100_000,
	"buildCustomCert":          20_000,
	"genCAWithKey":             20_000,
	"genSelfSignedCertWithKey": 20_000,
	"genSignedCertWithKey":     20_000,
	"bcrypt":                   60_000,
	"htpasswd":                 60_000,
	"derivePassword":           150_000,
	"tpl":                      100,
}

// helmSinks are the functions that print or serialise their arguments
// (or copy them deeply): their arguments are charged and bounded by their
// expanded size.
var helmSinks = map[string]bool{
	"toYaml": true, "toYamlPretty": true, "toJson": true, "toPrettyJson": true, "toRawJson": true,
	"mustToJson": true, "mustToPrettyJson": true, "mustToRawJson": true, "toToml": true,
	"toString": true, "toStrings": true, "print": true, "printf": true, "println": true,
	"cat": true, "join": true, "quote": true, "squote": true, "sortAlpha": true,
	"html": true, "js": true, "urlquery": true, "deepCopy": true, "mustDeepCopy": true,
	"merge": true, "mergeOverwrite": true, "mustMerge": true, "mustMergeOverwrite": true,
	"toDecimal": true, "int": true, "int64": true, "float64": true, "atoi": true,
}

// helmPrechecks charge, before the call, the functions whose work or
// result grows with an argument.
var helmPrechecks = map[string]func(r *helmRender, a []reflect.Value){
	"genPrivateKey": func(r *helmRender, a []reflect.Value) {
		switch a[0].String() {
		case "rsa":
			r.charge(700_000) // 4096 bits: two per chart
		case "dsa":
			r.charge(400_000)
		default:
			r.charge(1_000)
		}
	},
	"until":     func(r *helmRender, a []reflect.Value) { r.chargeF(math.Abs(float64(a[0].Int())) / 2) },
	"untilStep": func(r *helmRender, a []reflect.Value) { r.chargeF(helmSteps(a[0].Int(), a[1].Int(), a[2].Int()) / 2) },
	"seq": func(r *helmRender, a []reflect.Value) {
		p := a[0]
		var n float64
		switch p.Len() {
		case 1:
			n = math.Abs(float64(p.Index(0).Int()) - 1)
		case 2:
			n = math.Abs(float64(p.Index(1).Int()) - float64(p.Index(0).Int()))
		case 3:
			if step := math.Abs(float64(p.Index(1).Int())); step > 0 {
				n = math.Abs(float64(p.Index(2).Int())-float64(p.Index(0).Int())) / step
			}
		}
		r.chargeF(n / 2)
	},
	"repeat": func(r *helmRender, a []reflect.Value) {
		r.chargeF(math.Abs(float64(a[0].Int())) * float64(a[1].Len()+1) / helmByteStep)
	},
	"indent":       helmChargeIndent,
	"nindent":      helmChargeIndent,
	"randAlphaNum": helmChargeCount,
	"randAlpha":    helmChargeCount,
	"randAscii":    helmChargeCount,
	"randNumeric":  helmChargeCount,
	"randBytes":    helmChargeCount,
	"replace": func(r *helmRender, a []reflect.Value) {
		old, repl, src := a[0].String(), a[1].String(), a[2].String()
		n := float64(utf8.RuneCountInString(src) + 1)
		if old != "" {
			n = float64(len(src)/len(old) + 1)
		}
		r.chargeF((n*float64(len(repl)) + float64(len(src))) / helmByteStep)
	},
	"regexReplaceAll":            helmChargeRegexReplace,
	"mustRegexReplaceAll":        helmChargeRegexReplace,
	"regexReplaceAllLiteral":     helmChargeRegexReplace,
	"mustRegexReplaceAllLiteral": helmChargeRegexReplace,
	"wrapWith": func(r *helmRender, a []reflect.Value) {
		l, sep, s := max(a[0].Int(), 1), a[1].Len(), a[2].Len()
		r.chargeF((float64(s)/float64(l) + 1) * float64(sep+1) / helmByteStep)
	},
	"uniq":     helmChargeSquare,
	"mustUniq": helmChargeSquare,
	"tpl":      func(r *helmRender, a []reflect.Value) { r.charge(int64(a[0].Len() / 8)) },
	"set": func(r *helmRender, a []reflect.Value) {
		if helmReaches(a[2], a[0]) {
			panic(&helmLimitError{"set would make a map contain itself"})
		}
	},
	"merge":              helmCheckMerge,
	"mergeOverwrite":     helmCheckMerge,
	"mustMerge":          helmCheckMerge,
	"mustMergeOverwrite": helmCheckMerge,
}

func helmSteps(start, stop, step int64) float64 {
	if step == 0 || (stop < start) != (step < 0) {
		return 0
	}
	return math.Abs(float64(stop)-float64(start)) / math.Abs(float64(step))
}

func helmChargeIndent(r *helmRender, a []reflect.Value) {
	lines := strings.Count(a[1].String(), "\n") + 1
	r.chargeF((math.Abs(float64(a[0].Int()))*float64(lines) + float64(a[1].Len())) / helmByteStep)
}

func helmChargeCount(r *helmRender, a []reflect.Value) {
	r.chargeF(math.Abs(float64(a[0].Int())) / 16)
}

func helmChargeRegexReplace(r *helmRender, a []reflect.Value) {
	s, repl := float64(a[1].Len()), float64(a[2].Len())
	r.chargeF(((s+1)*(repl+1) + s*repl/2) / helmByteStep)
}

func helmChargeSquare(r *helmRender, a []reflect.Value) {
	v := a[0]
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice || v.Kind() == reflect.Array {
		n := float64(v.Len())
		r.chargeF(n * n / 256)
	}
}

func helmCheckMerge(r *helmRender, a []reflect.Value) {
	for i := 0; i < a[1].Len(); i++ {
		if helmReaches(a[1].Index(i), a[0]) {
			panic(&helmLimitError{"merge would make a map contain itself"})
		}
	}
}

// wrap returns fn with the budget checks around it, of the same type so
// that text/template converts arguments as it would for fn.
func (r *helmRender) wrap(name string, fn any) any {
	v := reflect.ValueOf(fn)
	t := v.Type()
	pre, flat, sink := helmPrechecks[name], helmFlatCosts[name], helmSinks[name]
	variadic := t.IsVariadic()
	return reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
		r.charge(1 + flat)
		if pre != nil {
			pre(r, args)
		}
		if sink {
			for _, a := range args {
				r.chargeValue(a)
			}
		}
		var out []reflect.Value
		if variadic {
			out = v.CallSlice(args)
		} else {
			out = v.Call(args)
		}
		if len(out) > 0 {
			r.charge(helmShallowSize(out[0]) / helmByteStep)
		}
		return out
	}).Interface()
}

// helmShallowSize estimates the bytes of a function's result.
func helmShallowSize(v reflect.Value) int64 {
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		return int64(v.Len())
	case reflect.Slice, reflect.Map, reflect.Array:
		return int64(v.Len()) * 16
	}
	return 8
}

// helmRef identifies a map or a list for the walks below.
type helmRef struct {
	p    uintptr
	n    int
	kind reflect.Kind
}

// helmValueSize returns the bytes a value takes once printed, a map or
// list shared in several places counted in each; it fails on a value over
// helmMaxValue, nested over helmMaxNesting or cyclic.
func helmValueSize(v reflect.Value) (int64, error) {
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() == reflect.String {
		return int64(v.Len()), nil
	}
	s := &helmSizer{memo: map[helmRef]int64{}, active: map[helmRef]bool{}}
	n, err := s.size(v, 0)
	if err == nil && n > helmMaxValue {
		err = s.tooBig()
	}
	return n, err
}

type helmSizer struct {
	memo   map[helmRef]int64
	active map[helmRef]bool
}

func (s *helmSizer) tooBig() error {
	return &helmLimitError{fmt.Sprintf("a value printed or serialised is over %d bytes once expanded", helmMaxValue)}
}

func (s *helmSizer) size(v reflect.Value, depth int) (int64, error) {
	if depth > helmMaxNesting {
		return 0, &helmLimitError{fmt.Sprintf("a value printed or serialised nests more than %d levels deep", helmMaxNesting)}
	}
	switch v.Kind() {
	case reflect.Invalid:
		return 0, nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return 5, nil
		}
		return s.size(v.Elem(), depth+1)
	case reflect.String:
		return int64(v.Len()) + 2, nil
	case reflect.Struct:
		total := int64(2)
		for i := 0; i < v.NumField(); i++ {
			n, err := s.size(v.Field(i), depth+1)
			if err != nil {
				return 0, err
			}
			if total += n + 2; total > helmMaxValue {
				return 0, s.tooBig()
			}
		}
		return total, nil
	case reflect.Array:
		total := int64(2)
		for i := 0; i < v.Len(); i++ {
			n, err := s.size(v.Index(i), depth+1)
			if err != nil {
				return 0, err
			}
			if total += n + 1; total > helmMaxValue {
				return 0, s.tooBig()
			}
		}
		return total, nil
	case reflect.Map, reflect.Slice:
		if v.IsNil() {
			return 2, nil
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return int64(v.Len()), nil
		}
		ref := helmRef{v.Pointer(), v.Len(), v.Kind()}
		if n, ok := s.memo[ref]; ok {
			return n, nil
		}
		if s.active[ref] {
			return 0, &helmLimitError{"a value printed or serialised contains itself"}
		}
		s.active[ref] = true
		total := int64(2)
		add := func(x reflect.Value) error {
			n, err := s.size(x, depth+1)
			if err != nil {
				return err
			}
			if total += n + 2; total > helmMaxValue {
				return s.tooBig()
			}
			return nil
		}
		if v.Kind() == reflect.Map {
			for it := v.MapRange(); it.Next(); {
				if err := add(it.Key()); err != nil {
					return 0, err
				}
				if err := add(it.Value()); err != nil {
					return 0, err
				}
			}
		} else {
			for i := 0; i < v.Len(); i++ {
				if err := add(v.Index(i)); err != nil {
					return 0, err
				}
			}
		}
		delete(s.active, ref)
		s.memo[ref] = total
		return total, nil
	}
	return 8, nil
}

// helmReaches reports whether v is or contains the map m (or nests too
// deep to tell).
func helmReaches(v, m reflect.Value) bool {
	for m.Kind() == reflect.Interface && !m.IsNil() {
		m = m.Elem()
	}
	if m.Kind() != reflect.Map || m.IsNil() {
		return false
	}
	target := m.Pointer()
	seen := map[helmRef]bool{}
	var walk func(v reflect.Value, depth int) bool
	walk = func(v reflect.Value, depth int) bool {
		if depth > helmMaxNesting {
			return true
		}
		switch v.Kind() {
		case reflect.Interface, reflect.Pointer:
			return !v.IsNil() && walk(v.Elem(), depth+1)
		case reflect.Map, reflect.Slice:
			if v.IsNil() {
				return false
			}
			if v.Kind() == reflect.Map && v.Pointer() == target {
				return true
			}
			ref := helmRef{v.Pointer(), v.Len(), v.Kind()}
			if seen[ref] {
				return false
			}
			seen[ref] = true
			if v.Kind() == reflect.Map {
				for it := v.MapRange(); it.Next(); {
					if walk(it.Value(), depth+1) {
						return true
					}
				}
				return false
			}
			for i := 0; i < v.Len(); i++ {
				if walk(v.Index(i), depth+1) {
					return true
				}
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if walk(v.Field(i), depth+1) {
					return true
				}
			}
		}
		return false
	}
	return walk(v, 0)
}

// instrument adds the budget calls to every tree of the set not yet
// instrumented.
func (r *helmRender) instrument(t *template.Template) {
	for _, tt := range t.Templates() {
		tree := tt.Tree
		if tree == nil || tree.Root == nil || r.done[tree] {
			continue
		}
		r.done[tree] = true
		ranges := helmInstrumentList(tree.Root)
		root := tree.Root
		nodes := make([]parse.Node, 0, len(root.Nodes)+2)
		nodes = append(nodes, helmCallNode("__dl_enter", root.Pos, 1, ranges))
		nodes = append(nodes, root.Nodes...)
		root.Nodes = append(nodes, helmCallNode("__dl_leave", root.Pos, 1, ranges))
	}
}

// helmInstrumentList adds __dl_out to the printed pipelines and __dl_tick
// to the range bodies of a list, recursively, and returns how deep its
// ranges nest.
func helmInstrumentList(l *parse.ListNode) int {
	if l == nil {
		return 0
	}
	deepest := 0
	for _, n := range l.Nodes {
		d := 0
		switch n := n.(type) {
		case *parse.ActionNode:
			if n.Pipe != nil && len(n.Pipe.Decl) == 0 {
				id := parse.NewIdentifier("__dl_out").SetPos(n.Pos)
				n.Pipe.Cmds = append(n.Pipe.Cmds, &parse.CommandNode{NodeType: parse.NodeCommand, Pos: n.Pos, Args: []parse.Node{id}})
			}
		case *parse.IfNode:
			d = max(helmInstrumentList(n.List), helmInstrumentList(n.ElseList))
		case *parse.WithNode:
			d = max(helmInstrumentList(n.List), helmInstrumentList(n.ElseList))
		case *parse.RangeNode:
			d = max(helmInstrumentList(n.List)+1, helmInstrumentList(n.ElseList))
			if n.List != nil {
				n.List.Nodes = append([]parse.Node{helmCallNode("__dl_tick", n.Pos, n.Line, -1)}, n.List.Nodes...)
			}
		case *parse.ListNode:
			d = helmInstrumentList(n)
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// helmCallNode builds the action {{name}}, or {{name arg}} for arg >= 0.
// Its nodes have no tree: errors at them are placed in the tree being
// executed, at pos.
func helmCallNode(name string, pos parse.Pos, line, arg int) *parse.ActionNode {
	args := []parse.Node{parse.NewIdentifier(name).SetPos(pos)}
	if arg >= 0 {
		args = append(args, &parse.NumberNode{NodeType: parse.NodeNumber, Pos: pos, IsInt: true, Int64: int64(arg), Text: strconv.Itoa(arg)})
	}
	cmd := &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos, Args: args}
	pipe := &parse.PipeNode{NodeType: parse.NodePipe, Pos: pos, Line: line, Cmds: []*parse.CommandNode{cmd}}
	return &parse.ActionNode{NodeType: parse.NodeAction, Pos: pos, Line: line, Pipe: pipe}
}

// Helm's functions.

func helmRequired(warn string, val any) (any, error) {
	if val == nil {
		return val, &helmRequiredError{warn}
	}
	if s, ok := val.(string); ok && s == "" {
		return val, &helmRequiredError{warn}
	}
	return val, nil
}

func helmFail(msg string) (string, error) { return "", &helmFailError{msg} }

func helmToYAML(v any) string {
	data, err := sigsyaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func helmToYAMLPretty(v any) string {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func helmFromYAML(s string) map[string]any {
	m := map[string]any{}
	if err := sigsyaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func helmFromYAMLArray(s string) []any {
	a := []any{}
	if err := sigsyaml.Unmarshal([]byte(s), &a); err != nil {
		a = []any{err.Error()}
	}
	return a
}

func helmToJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func helmFromJSON(s string) map[string]any {
	m := map[string]any{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func helmFromJSONArray(s string) []any {
	a := []any{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []any{err.Error()}
	}
	return a
}

func helmToTOML(v any) string {
	data, err := toml.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(data)
}

func helmFromTOML(s string) map[string]any {
	m := map[string]any{}
	if err := toml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// helmCapabilities is .Capabilities: a recent cluster that serves every
// API version.
type helmCapabilities struct {
	KubeVersion helmKubeVersion
	APIVersions helmVersionSet
	HelmVersion helmBuildInfo
}

// helmKubeVersion is .Capabilities.KubeVersion.
type helmKubeVersion struct {
	Version string
	Major   string
	Minor   string
}

func (v helmKubeVersion) String() string { return v.Version }

// GitVersion is the version, as Helm's deprecated alias has it.
func (v helmKubeVersion) GitVersion() string { return v.Version }

// helmVersionSet is .Capabilities.APIVersions.
type helmVersionSet []string

// Has reports every API version as served: the gate does not know the
// cluster, so templates take their branch for current clusters.
func (helmVersionSet) Has(string) bool { return true }

// helmBuildInfo is .Capabilities.HelmVersion.
type helmBuildInfo struct {
	Version      string
	GitCommit    string
	GitTreeState string
	GoVersion    string
}

func helmDefaultCapabilities() *helmCapabilities {
	return &helmCapabilities{
		KubeVersion: helmKubeVersion{Version: "v1.33.0", Major: "1", Minor: "33"},
		APIVersions: helmVersionSet{},
		HelmVersion: helmBuildInfo{Version: "v3.18.0", GitTreeState: "clean"},
	}
}

// helmFiles is .Files: the chart's files in the set other than
// Chart.yaml, values.yaml, templates/ and charts/.
type helmFiles map[string][]byte

// Get returns a file's content, or "".
func (f helmFiles) Get(name string) string { return string(f[name]) }

// GetBytes returns a file's content, or nil.
func (f helmFiles) GetBytes(name string) []byte { return f[name] }

// Glob returns the files whose path matches a pattern (** allowed).
func (f helmFiles) Glob(pattern string) helmFiles {
	out := helmFiles{}
	for name, b := range f {
		if ok, _ := doublestar.Match(pattern, name); ok {
			out[name] = b
		}
	}
	return out
}

// Lines returns a file's lines.
func (f helmFiles) Lines(name string) []string {
	s := strings.TrimSuffix(string(f[name]), "\n")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

// AsConfig returns the files as the data of a ConfigMap (YAML).
func (f helmFiles) AsConfig() string {
	if len(f) == 0 {
		return ""
	}
	m := map[string]string{}
	for name, b := range f {
		m[path.Base(name)] = string(b)
	}
	return helmToYAML(m)
}

// AsSecrets returns the files as the data of a Secret (YAML, base64).
func (f helmFiles) AsSecrets() string {
	if len(f) == 0 {
		return ""
	}
	m := map[string]string{}
	for name, b := range f {
		m[path.Base(name)] = base64.StdEncoding.EncodeToString(b)
	}
	return helmToYAML(m)
}
