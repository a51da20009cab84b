package validate

import (
	"fmt"
	"sort"
	"strings"
)

// kindDocs orders the kinds in the rules document and says which files
// each kind covers.
var kindDocs = []struct {
	kind  Kind
	title string
	files string
}{
	{KindWorkflow, "GitHub Actions workflows", "`.github/workflows/*.yml` and `*.yaml`"},
	{KindDockerfile, "Dockerfiles", "`Dockerfile`, `Dockerfile.*`, `*.dockerfile`. " +
		"The build-context rules (`dockerfile-copy-missing`, `dockerfile-context-*` for Go, Cargo, Node and Python, `dockerfile-entrypoint-missing`, " +
		"`dockerfile-base-tag-missing`, `dockerfile-cgo-disabled`) run when the gate has the repository: always in the engine, " +
		"and in `devops-lead validate` run from inside a repository. A Dockerfile's build context is the one a Compose `build:`, " +
		"a workflow's `docker/build-push-action` step or `docker build` command, or a comment in the Dockerfile " +
		"(`# docker build -f services/api/Dockerfile .`, paths from the repository root, naming the Dockerfile itself) " +
		"or a `docker build` in a Makefile next to or above it gives it, else its own directory " +
		"(`devops-lead validate` then takes the nearest directory up to the repository root that holds every file it copies); " +
		"a Dockerfile built from several contexts is checked in each. " +
		"Base image tags are checked against `internal/images/images.yaml`"},
	{KindDockerignore, "Docker ignore files", "`.dockerignore`, `*.dockerignore`"},
	{KindCompose, "Compose files", "`compose.yml`, `docker-compose.yml` and their `.yaml`/override variants, or YAML with `services:` under a path containing `compose`"},
	{KindTerraform, "Terraform", "`*.tf`"},
	{KindKubernetes, "Kubernetes manifests", "YAML with `apiVersion:` and `kind:`, and every manifest a Helm chart renders (reported on the template that rendered it)"},
	{KindHelmChart, "Helm charts", "`Chart.yaml`"},
	{KindHelmTemplate, "Helm templates", "the files under `templates/` of a chart whose `Chart.yaml` is checked with them (`devops-lead validate` always takes a chart whole); " +
		"the chart is rendered like `helm template` with its `values.yaml` only, and each rendered manifest gets the Kubernetes rules above. " +
		"A template checked without its chart is skipped. A `devops-lead:ignore RULE reason` comment in a template renders with it " +
		"and suppresses a finding on the rendered line after it"},
	{KindPrometheus, "Prometheus rules", "YAML with `groups:` and `alert:` or `record:`"},
	{KindYAML, "Other YAML", "any other `*.yml`/`*.yaml` file, and Helm inputs that hold manifests as data: values files (`values.yaml`, `values-*.yaml`, `*-values.yaml`), " +
		"helm-unittest suites (`unittests/*_test.yaml`, `tests/*_test.yaml`) and, in a chart being checked, any YAML under its `ci/`, `unittests/` or `tests/`"},
	{KindJSON, "JSON", "`*.json`"},
	{KindTOML, "TOML", "`*.toml`"},
	{KindAny, "Every file", "every file the gate sees"},
}

// RulesMarkdown renders the rule registry as the Markdown document kept in
// docs/rules.md: how to suppress a finding, then one table per artifact
// kind with each rule's id, severity, summary, fix and its equivalent in
// hadolint, checkov or zizmor. The output depends only on the registry.
func RulesMarkdown() string {
	byKind := map[Kind][]Rule{}
	for _, r := range Rules() {
		byKind[r.Kind] = append(byKind[r.Kind], r)
	}
	var b strings.Builder
	b.WriteString(`# Validation rules

<!-- Generated from the rule registry in internal/validate; do not edit.
     Regenerate with: go test ./internal/validate -run TestRulesDoc -update -->

Every file a specialist writes passes these rules before it is published, and
` + "`devops-lead validate [PATH...]`" + ` runs the same rules on a repository
(` + "`--rules`" + ` lists them, ` + "`--format sarif`" + ` feeds GitHub code scanning).
An **error** blocks publishing and makes ` + "`validate`" + ` exit 1; a
**warning** does so only with ` + "`--strict`" + `; a **note** is advice.

## Suppressing a finding

Put a comment on the line of the finding, or on the line above it:

` + "```" + `
# devops-lead:ignore RULE reason
` + "```" + `

` + "`RULE`" + ` is the rule id from the tables below and ` + "`reason`" + ` says why the
finding does not apply; a suppression without a reason does not count. Any
comment syntax works, since the gate looks for the text on the line: ` + "`#`" + ` in
YAML, Dockerfiles, Terraform and TOML, ` + "`//`" + ` in Terraform too. JSON has no
comments, so its findings cannot be suppressed. A finding about a whole file
(no line) cannot be suppressed, nor can ` + "`path-allowed`" + `: a mode never
writes outside its globs.

`)
	fmt.Fprintf(&b, "%d rules in all.\n", countRules(byKind))
	seen := map[Kind]bool{}
	for _, k := range kindDocs {
		seen[k.kind] = true
		if rs := byKind[k.kind]; len(rs) > 0 {
			writeKindTable(&b, k.title, k.kind, k.files, rs)
		}
	}
	var rest []Kind
	for k := range byKind {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	for _, k := range rest {
		writeKindTable(&b, string(k), k, "", byKind[k])
	}
	return b.String()
}

func countRules(byKind map[Kind][]Rule) int {
	n := 0
	for _, rs := range byKind {
		n += len(rs)
	}
	return n
}

func writeKindTable(b *strings.Builder, title string, k Kind, files string, rs []Rule) {
	fmt.Fprintf(b, "\n## %s (`%s`)\n\n", title, k)
	if files != "" {
		fmt.Fprintf(b, "Files: %s.\n\n", files)
	}
	b.WriteString("| Rule | Severity | Summary | Fix | Equivalent |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, r := range rs {
		eq := strings.Join(Equivalents(r), ", ")
		if eq == "" {
			eq = "—"
		}
		fmt.Fprintf(b, "| <a id=\"%s\"></a>`%s` | %s | %s | %s | %s |\n",
			anchor(r.ID), r.ID, r.Severity, cell(r.Summary), cell(r.Help), cell(eq))
	}
}

// cell makes text safe inside a Markdown table cell: one line, no column
// breaks, emphasis or HTML; an empty cell shows a dash.
func cell(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ",
		"|", `\|`, "*", `\*`, "<", "&lt;", ">", "&gt;").Replace(s)
	if s = strings.TrimSpace(s); s == "" {
		return "—"
	}
	return s
}

// anchor turns a rule id into an HTML id: lower case letters, digits, '-'
// and '_' only.
func anchor(id string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}
