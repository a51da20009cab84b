package validate

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// helmTestChart is a chart "c" at charts/c with one template and values.
func helmTestChart(tmpl, values string) []File {
	return []File{
		{Path: "charts/c/Chart.yaml", Content: []byte("apiVersion: v2\nname: c\nversion: 0.1.0\nappVersion: \"1.0.0\"\n")},
		{Path: "charts/c/values.yaml", Content: []byte(values)},
		{Path: "charts/c/templates/_helpers.tpl", Content: []byte("{{- define \"c.name\" -}}\n{{ .Chart.Name }}-{{ .Release.Name }}\n{{- end }}\n")},
		{Path: "charts/c/templates/x.yaml", Content: []byte(tmpl)},
	}
}

// helmRenderOf renders a chart and returns the output of x.yaml and its
// error.
func helmRenderOf(t *testing.T, files []File) (string, error) {
	t.Helper()
	roots := helmChartRoots(files)
	c := loadHelmChart("charts/c", files, roots)
	if c == nil {
		t.Fatal("no chart loaded")
	}
	for _, r := range renderHelmChart(c) {
		if strings.HasSuffix(r.tmpl.path, "/x.yaml") {
			return r.output, r.err
		}
	}
	t.Fatal("x.yaml was not rendered")
	return "", nil
}

// helmCaseFiles loads a testdata case as a file set.
func helmCaseFiles(tb testing.TB, name string) []File {
	tb.Helper()
	dir := filepath.Join("testdata", name)
	var files []File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "want.txt" {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files = append(files, File{Path: filepath.ToSlash(rel), Content: b})
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

func TestHelmKinds(t *testing.T) {
	if k := KindOf("charts/api/Chart.yaml", nil); k != KindHelmChart {
		t.Errorf("KindOf(Chart.yaml) = %s", k)
	}
	files := helmTestChart("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"c.name\" . }}\n", "")
	roots := helmChartRoots(files)
	for p, want := range map[string]bool{
		"charts/c/templates/x.yaml":       true,
		"charts/c/templates/sub/y.yaml":   true,
		"charts/c/values.yaml":            false,
		"charts/c/files/templates/z.yaml": false,
		"other/templates/x.yaml":          false,
	} {
		if got := helmIsTemplate(p, roots); got != want {
			t.Errorf("helmIsTemplate(%s) = %v, want %v", p, got, want)
		}
	}
	// Alone, a template is skipped as before; with its chart it renders.
	tmpl := files[3]
	if got := CheckFile(tmpl.Path, tmpl.Content, Options{}); len(got) != 0 {
		t.Errorf("CheckFile of a template: %v", got)
	}
	if got := Check(files[3:], Options{}); len(got) != 0 {
		t.Errorf("Check of a template without its chart: %v", got)
	}
	if got := Check(files, Options{}); len(got) != 0 {
		t.Errorf("Check of a clean chart: %v", got)
	}
	// A template without {{ }} under a chart is not parsed as YAML on its
	// own either: the rendered output is.
	bad := helmTestChart("a: [\n", "")
	got := Check(bad, Options{})
	if len(got) != 1 || got[0].Rule != "k8s-parse" || got[0].Path != "charts/c/templates/x.yaml" {
		t.Errorf("a broken plain template: %v, want one k8s-parse on it", got)
	}
}

func TestHelmChartFile(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []string // message fragments, one finding each
	}{
		{"ok", "apiVersion: v2\nname: my-app\nversion: 1.2.3-rc.1+build.5\nappVersion: \"1.10\"\ntype: library\nkubeVersion: \">=1.27.0-0\"\ndependencies:\n  - name: db\n    version: 1.x\n    repository: oci://r\n", nil},
		{"parse", "apiVersion: [v2\n", []string{"does not parse"}},
		{"list", "- a\n", []string{"not a mapping"}},
		{"empty", "", []string{"not a mapping"}},
		{"missing", "description: x\n", []string{"no apiVersion", "no name", "no version"}},
		{"helm2", "apiVersion: v1\nname: a\nversion: 0.1.0\n", []string{"Helm 2"}}, // helm-chart-v1
		{"api", "apiVersion: v3\nname: a\nversion: 0.1.0\n", []string{"not a Helm chart API version"}},
		{"name", "apiVersion: v2\nname: My_App\nversion: 0.1.0\n", []string{"DNS-1123"}},
		{"long", "apiVersion: v2\nname: " + strings.Repeat("a", 64) + "\nversion: 0.1.0\n", []string{"DNS-1123"}},
		{"version", "apiVersion: v2\nname: a\nversion: \"1\"\n", []string{"not SemVer 2"}},
		{"v-version", "apiVersion: v2\nname: a\nversion: v1.0.0\n", []string{"not SemVer 2"}},
		{"appVersion", "apiVersion: v2\nname: a\nversion: 0.1.0\nappVersion: 1.10\n", []string{"Helm reads 1.1"}},
		{"type", "apiVersion: v2\nname: a\nversion: 0.1.0\ntype: app\n", []string{"not application or library"}},
		{"kubeVersion", "apiVersion: v2\nname: a\nversion: 0.1.0\nkubeVersion: \"> > 1\"\n", []string{"SemVer range"}},
		{"deps", "apiVersion: v2\nname: a\nversion: 0.1.0\ndependencies:\n  - name: db\n  - version: 1.0.0\n", []string{"dependency 1", "dependency 2"}},
	} {
		got := checkHelmChartFile("Chart.yaml", []byte(c.src))
		if len(got) != len(c.want) {
			t.Errorf("%s: %d findings, want %d: %v", c.name, len(got), len(c.want), got)
			continue
		}
		for i, w := range c.want {
			rule := "helm-chart"
			if c.name == "helm2" {
				rule = "helm-chart-v1"
			}
			if got[i].Rule != rule || !strings.Contains(got[i].Message, w) {
				t.Errorf("%s: finding %d is %v, want %s with %q", c.name, i, got[i], rule, w)
			}
		}
	}
}

// TestHelmRenderData checks the objects and functions templates get.
func TestHelmRenderData(t *testing.T) {
	tmpl := `name: {{ include "c.name" . }}
chart: {{ .Chart.Name }}-{{ .Chart.Version }}-{{ .Chart.AppVersion }}
release: {{ .Release.Name }}/{{ .Release.Namespace }}/{{ .Release.Service }}/{{ .Release.IsInstall }}/{{ .Release.IsUpgrade }}/{{ .Release.Revision }}
kube: {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.GitVersion }} {{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }} {{ .Capabilities.KubeVersion }}
has: {{ .Capabilities.APIVersions.Has "networking.k8s.io/v1/Ingress" }}
new: {{ semverCompare ">=1.27-0" .Capabilities.KubeVersion.GitVersion }}
template: {{ .Template.Name }} {{ .Template.BasePath }}
missing: "{{ .Values.nope }}"
file: {{ .Files.Get "config/app.conf" | trim }} {{ .Files.Get "none" | quote }} {{ len (.Files.Glob "config/*") }}
tpl: {{ tpl .Values.greeting . }}
yaml: {{ .Values.list | toYaml | nindent 2 }}
fromYaml: {{ (fromYaml "a: 1").a }} {{ (fromYaml "[").Error | empty | not }}
json: {{ .Values.map | toJson }} {{ (fromJson "{\"b\": 2}").b }} {{ fromJsonArray "[1,2]" | len }}
toml: {{ .Values.map | toToml | trim }}
lookup: {{ lookup "v1" "Secret" "default" "x" | len }}
required: {{ required "set it" .Values.present }}
host: "{{ getHostByName "example.com" }}"
sprig: {{ "abc" | upper | sha256sum | trunc 8 }} {{ list 3 1 2 | sortAlpha | join "," }} {{ dict "k" "v" | keys | first }}
`
	values := "present: here\ngreeting: hello {{ .Release.Name }}\nlist: [a, b]\nmap: {k: v}\n"
	files := append(helmTestChart(tmpl, values), File{Path: "charts/c/config/app.conf", Content: []byte("port = 80\n")})
	out, err := helmRenderOf(t, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"name: c-release-name\n",
		"chart: c-0.1.0-1.0.0\n",
		"release: release-name/default/Helm/true/false/1\n",
		"kube: v1.33.0 v1.33.0 1.33 v1.33.0\n",
		"has: true\n",
		"new: true\n",
		"template: c/templates/x.yaml c/templates\n",
		"missing: \"\"\n",
		"file: port = 80 \"\" 1\n",
		"tpl: hello release-name\n",
		"yaml: \n  - a\n  - b\n",
		"fromYaml: 1 true\n",
		"json: {\"k\":\"v\"} 2 2\n",
		"toml: k = 'v'\n",
		"lookup: 0\n",
		"required: here\n",
		"host: \"\"\n",
		"sprig: b5d4045c 1,2,3 k\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// env and expandenv are not there, as in Helm.
	if _, err := helmRenderOf(t, helmTestChart(`{{ env "HOME" }}`, "")); err == nil || !strings.Contains(err.Error(), `"env" not defined`) {
		t.Errorf("env: %v", err)
	}
}

// TestHelmRenderErrors checks the findings of templates that do not
// render: where they point and what they say.
func TestHelmRenderErrors(t *testing.T) {
	for _, c := range []struct {
		name, tmpl, values string
		path               string
		line               int
		want               string
	}{
		{"parse", "a: 1\nb: {{ .Values.x }\n", "", "charts/c/templates/x.yaml", 2, "the template does not parse: unexpected"},
		{"required", "a: 1\nb: {{ required \"give x\" .Values.x.y }}\n", "x: {}\n", "charts/c/templates/x.yaml", 2, "set x.y (the template says: give x)"},
		{"required pipe", "b: {{ .Values.tag | required \"tag!\" }}\n", "tag: \"\"\n", "charts/c/templates/x.yaml", 1, "set tag (the template says: tag!)"},
		{"fail", "{{ if not .Values.ok }}{{ fail \"ok must be set\" }}{{ end }}\n", "", "charts/c/templates/x.yaml", 1, "calls fail with values.yaml: ok must be set"},
		{"nil", "a: {{ .Values.image.name }}\n", "", "charts/c/templates/x.yaml", 1, "does not render with values.yaml: nil pointer evaluating interface {}.name (at .Values.image.name)"},
		{"no such template", "a: {{ include \"nope\" . }}\n", "", "charts/c/templates/x.yaml", 1, `no template "nope"`},
		{"helper", "{{ define \"bad\" }}\n{{ .Values.a.b }}\n{{ end }}\na: {{ include \"bad\" . }}\n", "", "charts/c/templates/x.yaml", 2, "(at .Values.a.b)"},
	} {
		got := Check(helmTestChart(c.tmpl, c.values), Options{})
		if len(got) != 1 || got[0].Rule != "helm-render" || got[0].Path != c.path || got[0].Line != c.line || !strings.Contains(got[0].Message, c.want) {
			t.Errorf("%s: got %v, want one helm-render at %s:%d containing %q", c.name, got, c.path, c.line, c.want)
		}
	}
	// An error in a helper is reported on the helper, once, naming the
	// templates that hit it.
	files := helmTestChart("a: {{ include \"c.need\" . }}\n", "")
	files[2].Content = []byte("{{- define \"c.need\" -}}\n{{ required \"need x\" .Values.x }}\n{{- end }}\n")
	files = append(files, File{Path: "charts/c/templates/y.yaml", Content: []byte("b: {{ include \"c.need\" . }}\n")})
	got := Check(files, Options{})
	if len(got) != 2 || got[0].Path != "charts/c/templates/_helpers.tpl" || got[0].Line != 2 || !strings.Contains(got[0].Message, "set x ") ||
		!strings.Contains(got[0].Message, "while rendering templates/") {
		t.Errorf("helper error: %v", got)
	}
	// values.yaml that is YAML but not a mapping stops the chart.
	got = Check(helmTestChart("a: 1\n", "- a\n"), Options{})
	if len(got) != 1 || got[0].Rule != "helm-render" || got[0].Path != "charts/c/values.yaml" {
		t.Errorf("values.yaml a list: %v", got)
	}
	// values.yaml that does not parse is the yaml-parse rule's, alone.
	got = Check(helmTestChart("a: 1\n", "a: [\n"), Options{})
	if len(got) != 1 || got[0].Rule != "yaml-parse" {
		t.Errorf("values.yaml broken: %v", got)
	}
	// A library chart is not rendered.
	files = helmTestChart("a: {{ fail \"rendered\" }}\n", "")
	files[0].Content = []byte("apiVersion: v2\nname: c\nversion: 0.1.0\ntype: library\n")
	if got := Check(files, Options{}); len(got) != 0 {
		t.Errorf("library chart: %v", got)
	}
	// NOTES.txt renders (its errors count) but is not a manifest.
	files = helmTestChart("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", "")
	files = append(files, File{Path: "charts/c/templates/NOTES.txt", Content: []byte("Installed {{ .Release.Name }}.\n")})
	if got := Check(files, Options{}); len(got) != 0 {
		t.Errorf("NOTES.txt: %v", got)
	}
	files[len(files)-1].Content = []byte("Installed {{ .Release.Name.x }}.\n")
	if got := Check(files, Options{}); len(got) != 1 || got[0].Path != "charts/c/templates/NOTES.txt" {
		t.Errorf("broken NOTES.txt: %v", got)
	}
}

// TestHelmSubcharts checks that a chart may include the defines of an
// unpacked subchart (a library chart), that the subchart is rendered as
// a chart of its own, and that a chart whose dependencies are not
// unpacked is not rendered but noted.
func TestHelmSubcharts(t *testing.T) {
	files := []File{
		{Path: "Chart.yaml", Content: []byte("apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: common\n    version: 2.x.x\n    repository: oci://registry-1.docker.io/bitnamicharts\n")},
		{Path: "templates/cm.yaml", Content: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"common.name\" . }}\n")},
		{Path: "charts/common/Chart.yaml", Content: []byte("apiVersion: v2\nname: common\nversion: 2.1.0\ntype: library\n")},
		{Path: "charts/common/templates/_names.tpl", Content: []byte("{{- define \"common.name\" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end }}\n")},
		{Path: "charts/db/Chart.yaml", Content: []byte("apiVersion: v2\nname: db\nversion: 0.1.0\n")},
		{Path: "charts/db/templates/x.yaml", Content: []byte("{{ fail \"db rendered\" }}\n")},
	}
	got := Check(files, Options{})
	if len(got) != 1 || got[0].Path != "charts/db/templates/x.yaml" || !strings.Contains(got[0].Message, "db rendered") {
		t.Errorf("got %v, want only the subchart db's own failure", got)
	}
	files[0].Content = []byte("apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 19.x.x\n    repository: oci://registry-1.docker.io/bitnamicharts\n")
	got = Check(files[:2], Options{})
	if len(got) != 1 || got[0].Severity != Note || got[0].Path != "Chart.yaml" || !strings.Contains(got[0].Message, "dependency redis is not unpacked") {
		t.Errorf("missing dependency: %v", got)
	}
}

const helmPod = `apiVersion: v1
kind: Pod
metadata:
  name: {{ include "c.name" . }}
spec:
  securityContext:
    runAsNonRoot: {{ .Values.nonRoot }}
    runAsUser: 10001
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: app
      image: ghcr.io/example/app:1.0.0
      securityContext:
        # devops-lead:ignore k8s-readonly-rootfs the app writes its cache to /
        readOnlyRootFilesystem: false
        privileged: true
        allowPrivilegeEscalation: false
        capabilities:
          drop: ["ALL"]
      resources:
        requests: {cpu: 10m, memory: 16Mi}
        limits: {cpu: 100m, memory: 64Mi}
`

// TestHelmRenderedFindings checks that rendered manifests get the
// Kubernetes rules, on the template line when the rendered line is
// literal, and that suppressions written in the template count.
func TestHelmRenderedFindings(t *testing.T) {
	got := Check(helmTestChart(helmPod, "nonRoot: false\n"), Options{})
	var keys []string
	for _, f := range got {
		keys = append(keys, findingKey(f))
		if f.Path != "charts/c/templates/x.yaml" || !strings.HasPrefix(f.Message, "rendered with values.yaml: ") {
			t.Errorf("finding not on the template or without the prefix: %v", f)
		}
	}
	sort.Strings(keys)
	want := []string{
		"charts/c/templates/x.yaml:0:0: error [k8s-run-as-non-root]",
		"charts/c/templates/x.yaml:17:9: error [k8s-privileged]",
	}
	if strings.Join(keys, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range got {
		if f.Rule == "k8s-run-as-non-root" && !strings.Contains(f.Message, "(line 14 of the rendered template)") {
			t.Errorf("unmapped finding does not give the rendered line: %s", f.Message)
		}
	}
	// Multi-document output: each document is checked.
	two := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# comment only\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\nspec:\n  bogus: 1\n"
	got = Check(helmTestChart(two, ""), Options{})
	if len(got) != 1 || got[0].Rule != "k8s-schema" || got[0].Line != 13 || got[0].Col != 3 {
		t.Errorf("multi-document: %v", got)
	}
}

// TestHelmBounds renders templates built to run away and checks each
// stops in time with a helm-render finding, without crashing.
func TestHelmBounds(t *testing.T) {
	for _, c := range []struct{ name, tmpl, values string }{
		{"range int (slow)", "{{ range $i := 1000000000000 }}{{ end }}", ""},
		{"range int printing", "{{ range $i := 1000000000000 }}{{ $i }}{{ end }}", ""},
		{"until", "{{ range until 1000000000000 }}x{{ end }}", ""},
		{"untilStep", "{{ untilStep 0 1000000000000 1 | len }}", ""},
		{"seq", "{{ seq 1 1000000000000 }}", ""},
		{"repeat", "{{ repeat 1000000000000 \"x\" }}", ""},
		{"indent", "{{ indent 1000000000 \"x\\ny\" }}", ""},
		{"randAlpha", "{{ randAlpha 1000000000000 }}", ""},
		{"replace", "{{ $s := repeat 100000 \"a\" }}{{ replace \"\" (repeat 10000 \"b\") $s }}", ""},
		{"regex", "{{ $s := repeat 100000 \"a\" }}{{ regexReplaceAll \"\" $s (repeat 10000 \"b\") }}", ""},
		{"wrapWith", "{{ wrapWith 1 (repeat 100000 \"-\") (repeat 100000 \"a\") }}", ""},
		{"uniq", "{{ until 200000 | uniq | len }}", ""},
		{"output", "{{ range until 100000 }}0123456789012345678901234567890123456789\n{{ end }}", ""},
		{"include loop", "{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include \"r\" . }}", ""},
		{"template loop", "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}", ""},
		{"template loop in ranges", "{{ define \"r\" }}{{ range until 1 }}{{ range until 1 }}{{ range until 1 }}{{ template \"r\" . }}{{ end }}{{ end }}{{ end }}{{ end }}{{ template \"r\" . }}", ""},
		{"nested ranges", strings.Repeat("{{ range until 2 }}", 20000) + "x" + strings.Repeat("{{ end }}", 20000), ""},
		{"nested ranges run (slow)", strings.Repeat("{{ range until 2 }}", 150) + "x" + strings.Repeat("{{ end }}", 150), ""},
		{"tpl loop", "{{ tpl .Values.t . }}", "t: '{{ tpl .Values.t . }}'\n"},
		{"string doubling", "{{ $s := \"x\" }}{{ range until 64 }}{{ $s = cat $s $s }}{{ end }}", ""},
		{"printf doubling", "{{ $s := \"x\" }}{{ range until 64 }}{{ $s = printf \"%s%s\" $s $s }}{{ end }}", ""},
		{"list doubling", "{{ $l := list 1 }}{{ range until 64 }}{{ $l = concat $l $l }}{{ end }}", ""},
		{"shared maps printed", "{{ $d := dict \"a\" 1 }}{{ range until 64 }}{{ $d = dict \"a\" $d \"b\" $d }}{{ end }}{{ $d }}", ""},
		{"shared maps to JSON", "{{ $d := dict \"a\" 1 }}{{ range until 64 }}{{ $d = dict \"a\" $d \"b\" $d }}{{ end }}{{ toJson $d }}", ""},
		{"shared maps copied", "{{ $d := dict \"a\" 1 }}{{ range until 64 }}{{ $d = dict \"a\" $d \"b\" $d }}{{ end }}{{ deepCopy $d | len }}", ""},
		{"deep", "{{ $d := dict }}{{ range until 5000 }}{{ $d = dict \"a\" $d }}{{ end }}{{ toYaml $d }}", ""},
		{"set cycle", "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ $d }}", ""},
		{"set cycle deep", "{{ $d := dict }}{{ $_ := set $d \"l\" (list (dict \"d\" $d)) }}", ""},
		{"values cycle", "{{ $_ := set .Values.a \"up\" .Values }}{{ toYaml .Values }}", "a: {b: 1}\n"},
		{"merge cycle", "{{ $d := dict \"a\" (dict \"x\" 1) }}{{ $_ := merge $d (dict \"a\" $d) }}{{ $d }}", ""},
		{"keys", "{{ range until 3 }}{{ genPrivateKey \"rsa\" | len }}{{ end }}", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if raceEnabled && strings.HasSuffix(c.name, "(slow)") {
				t.Skip("spends the whole budget: seconds under -race")
			}
			start := time.Now()
			got := Check(helmTestChart(c.tmpl, c.values), Options{})
			took := time.Since(start)
			t.Logf("%v: %v", took.Round(time.Millisecond), got)
			if len(got) != 1 || got[0].Rule != "helm-render" {
				t.Errorf("got %v, want one helm-render finding", got)
			}
			if took > helmTimeout+5*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
}

// TestHelmTestdataRenders checks the passing case really renders its
// manifests (an empty want.txt proves nothing if nothing renders).
func TestHelmTestdataRenders(t *testing.T) {
	files := helmCaseFiles(t, "helm-pass")
	roots := helmChartRoots(files)
	c := loadHelmChart("charts/web", files, roots)
	kinds := map[string]bool{}
	for _, r := range renderHelmChart(c) {
		if r.err != nil {
			t.Fatalf("%s: %v", r.tmpl.path, r.err)
		}
		for _, l := range strings.Split(r.output, "\n") {
			if k, ok := strings.CutPrefix(l, "kind: "); ok {
				kinds[k] = true
			}
		}
	}
	for _, k := range []string{"Deployment", "Service", "HorizontalPodAutoscaler"} {
		if !kinds[k] {
			t.Errorf("helm-pass renders no %s", k)
		}
	}
}

// BenchmarkHelmChart measures the chart job on the helm-pass chart:
// loading, parsing, rendering its four templates and checking the output.
func BenchmarkHelmChart(b *testing.B) {
	files := helmCaseFiles(b, "helm-pass")
	roots := helmChartRoots(files)
	b.ReportAllocs()
	for b.Loop() {
		if fs := safeChart("charts/web", files, roots); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}

// FuzzHelmRender renders a chart whose template and values come from the
// fuzzer: any input gives findings, never a panic, and in bounded time.
func FuzzHelmRender(f *testing.F) {
	for _, name := range []string{"helm-pass", "helm-fail-render", "helm-fail-pod"} {
		for _, file := range helmCaseFiles(f, name) {
			if strings.Contains(file.Path, "/templates/") {
				f.Add(file.Content, []byte("replicaCount: 1\nimage: {repository: r, tag: t}\n"))
			}
		}
	}
	f.Add([]byte("{{ range $i := 100000000 }}{{ $i }}{{ end }}"), []byte(""))
	f.Add([]byte("{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include \"r\" . }}"), []byte(""))
	f.Add([]byte("{{ tpl .Values.t . }}"), []byte("t: '{{ tpl .Values.t . }}'"))
	f.Add([]byte("{{ $d := dict }}{{ $_ := set $d \"a\" $d }}{{ toYaml $d }}"), []byte("a: 1"))
	chart := helmCaseFiles(f, "helm-pass")
	f.Fuzz(func(t *testing.T, tmpl, values []byte) {
		files := []File{
			{Path: "c/Chart.yaml", Content: []byte("apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.0.0\"\n")},
			{Path: "c/values.yaml", Content: values},
			{Path: "c/templates/x.yaml", Content: tmpl},
		}
		for _, file := range chart {
			if strings.HasSuffix(file.Path, "_helpers.tpl") {
				files = append(files, File{Path: "c/templates/_helpers.tpl", Content: file.Content})
			}
		}
		start := time.Now()
		for _, fd := range Check(files, Options{}) {
			if fd.Rule == ruleInternal.ID || fd.Rule == "" {
				t.Fatalf("bad finding %+v", fd)
			}
		}
		if took := time.Since(start); took > 2*helmTimeout {
			t.Fatalf("the chart took %v", took)
		}
	})
}

// TestHelmInputsAreNotManifests reproduces the chart layout of
// prometheus-community/helm-charts: values files and unittest suites
// that embed manifests are YAML data, not Kubernetes manifests.
func TestHelmInputsAreNotManifests(t *testing.T) {
	manifest := []byte("extraObjects:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: x\n")
	suite := []byte("suite: test\ntemplates:\n  - templates/x.yaml\ntests:\n  - asserts:\n      - isKind:\n          of: Deployment\n    set:\n      apiVersion: v1\ngroups:\n  - alert: x\n")
	for _, p := range []string{"charts/a/values.yaml", "charts/a/values-prod.yaml", "charts/a/ci/secret-mounts-values.yaml",
		"charts/a/ci/prod.values.yml", "charts/a/unittests/extra-objects_test.yaml", "chart/tests/deployment_test.yaml"} {
		content := manifest
		if strings.Contains(p, "_test") {
			content = suite
		}
		if k := KindOf(p, content); k != KindYAML {
			t.Errorf("%s: kind %s, want %s", p, k, KindYAML)
		}
		if fs := CheckFile(p, content, Options{}); len(fs) != 0 {
			t.Errorf("%s: want no finding, got %v", p, fs)
		}
	}
	for _, p := range []string{"k8s/deploy.yaml", "charts/a/templates/tests/conn_test.yaml", "k8s/valuesapp.yaml"} {
		if k := KindOf(p, manifest); k != KindKubernetes {
			t.Errorf("%s: kind %s, want %s", p, k, KindKubernetes)
		}
	}
}

// TestHelmInputDirsInChart: inside a chart of the set, any YAML under ci/,
// unittests/ or tests/ is helm input, whatever its name.
func TestHelmInputDirsInChart(t *testing.T) {
	manifest := []byte("apiVersion: v1\nmetadata:\n  name: x\n  labels:\n    kind: web\n")
	files := []File{
		{Path: "c/Chart.yaml", Content: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
		{Path: "c/ci/default.yaml", Content: manifest},
		{Path: "c/tests/suite.yaml", Content: manifest},
		{Path: "k8s/x.yaml", Content: manifest},
	}
	var got []string
	for _, f := range Check(files, Options{}) {
		if f.Rule == "k8s-schema" {
			got = append(got, f.Path)
		}
	}
	if strings.Join(got, ",") != "k8s/x.yaml" {
		t.Errorf("k8s-schema on %v, want only k8s/x.yaml", got)
	}
}

// TestHelmSubchartParentValues checks that a subchart unpacked under its
// parent's charts/ is rendered with the values the parent gives it (its
// key in the parent's values.yaml and global:), as Helm does, and not
// with its own values.yaml alone.
func TestHelmSubchartParentValues(t *testing.T) {
	crd := "{{- if .Values.probes.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.global.prefix }}-probes\n{{- end }}\n"
	files := []File{
		{Path: "Chart.yaml", Content: []byte("apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: crds\n    version: 0.0.0\n")},
		{Path: "values.yaml", Content: []byte("global:\n  prefix: demo\ncrds:\n  probes:\n    enabled: true\n")},
		{Path: "templates/cm.yaml", Content: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n")},
		{Path: "charts/crds/Chart.yaml", Content: []byte("apiVersion: v2\nname: crds\nversion: 0.0.0\n")},
		{Path: "charts/crds/templates/crd-probes.yaml", Content: []byte(crd)},
	}
	if got := Check(files, Options{}); len(got) != 0 {
		t.Errorf("subchart with the parent's values: got %v, want no finding", got)
	}
	// Without the parent's key the subchart meets the nil map, as Helm would.
	files[1].Content = []byte("global:\n  prefix: demo\n")
	got := Check(files, Options{})
	if len(got) != 1 || got[0].Rule != "helm-render" || got[0].Path != "charts/crds/templates/crd-probes.yaml" {
		t.Errorf("subchart without the parent's values: got %v, want one helm-render finding", got)
	}
	// The subchart's own defaults stay under what the parent sets.
	c := helmCoalesce(map[string]any{"a": map[string]any{"x": 1, "y": 2}, "b": 1}, map[string]any{"a": map[string]any{"y": 3}})
	if a := c["a"].(map[string]any); a["x"] != 1 || a["y"] != 3 || c["b"] != 1 {
		t.Errorf("helmCoalesce = %v", c)
	}
}

// TestHelmChartV1IsAWarningInRecommended: Helm 3 installs apiVersion v1
// charts (prometheus-community/helm-charts has eight), so recommended
// reports the old format as a warning; strict keeps it an error.
func TestHelmChartV1IsAWarningInRecommended(t *testing.T) {
	fs := checkHelmChartFile("Chart.yaml", []byte("apiVersion: v1\nname: a\nversion: 0.1.0\n"))
	if len(fs) != 1 || fs[0].Severity != Error {
		t.Fatalf("strict: got %v, want one error", fs)
	}
	got := Policy{Preset: PresetRecommended}.Apply(fs)
	if len(got) != 1 || got[0].Severity != Warning || got[0].Rule != "helm-chart-v1" {
		t.Errorf("recommended: got %v, want one helm-chart-v1 warning", got)
	}
}

// TestHelmRequiredInIncludedTemplateOnce: deployment.yaml includes
// secrets.yaml for a checksum (as prometheus-postgres-exporter does), and
// secrets.yaml calls required on an empty value; Helm stops with one
// error, and the gate reports one finding, on secrets.yaml, not a second
// one "while rendering templates/deployment.yaml".
func TestHelmRequiredInIncludedTemplateOnce(t *testing.T) {
	files := []File{
		{Path: "c/Chart.yaml", Content: []byte("apiVersion: v2\nname: c\nversion: 0.1.0\n")},
		{Path: "c/values.yaml", Content: []byte("password: \"\"\n")},
		{Path: "c/templates/deployment.yaml", Content: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    checksum: {{ include (print $.Template.BasePath \"/secrets.yaml\") . | sha256sum }}\n")},
		{Path: "c/templates/secrets.yaml", Content: []byte("{{ $_ := required \"password is required\" .Values.password }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: c\n")},
	}
	var render []Finding
	for _, f := range Check(files, Options{}) {
		if f.Rule == "helm-render" {
			render = append(render, f)
		}
	}
	if len(render) != 1 || render[0].Path != "c/templates/secrets.yaml" || render[0].Line != 1 || strings.Contains(render[0].Message, "while rendering") {
		t.Errorf("got %v, want one helm-render finding on c/templates/secrets.yaml:1 without \"while rendering\"", render)
	}
}
