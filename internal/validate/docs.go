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
Each table gives a rule's severity under both presets of the policy below.

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
	writePolicySection(&b)
	fmt.Fprintf(&b, "\n%d rules in all.\n", countRules(byKind))
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
	b.WriteString("| Rule | strict | recommended | Summary | Fix | Equivalent |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range rs {
		eq := strings.Join(Equivalents(r), ", ")
		if eq == "" {
			eq = "—"
		}
		fmt.Fprintf(b, "| <a id=\"%s\"></a>`%s` | %s | %s | %s | %s | %s |\n",
			anchor(r.ID), r.ID, PresetSeverity(PresetStrict, r), PresetSeverity(PresetRecommended, r), cell(r.Summary), cell(r.Help), cell(eq))
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

// writePolicySection explains the presets and the per-rule severities of
// the repository configuration, and lists, from the preset table, every
// rule recommended treats differently and why.
func writePolicySection(b *strings.Builder) {
	b.WriteString(`## Policy: presets and per-rule severity

Two presets set the severities. ` + "`strict`" + ` is the gate every file the lead
writes passes, whatever the repository's policy. ` + "`recommended`" + ` is the
default of ` + "`devops-lead validate`" + `: it keeps
the checks that catch real breakage and leaks as errors and makes the ones the
wider ecosystem treats as advice warnings. ` + "`devops-lead validate --strict`" + `
uses ` + "`strict`" + ` and fails on warnings; ` + "`--preset`" + ` picks a preset
explicitly. A repository sets its policy in ` + "`.github/devops-lead.yml`" + `
(or a file given to ` + "`validate --config FILE`" + `):

` + "```yaml" + `
validate:
  preset: recommended        # or strict
  rules:                     # per rule id: error, warning, note or off
    dockerfile-user-missing: off
    secret-assignment: warning
    shellcheck/SC2086: note  # one shellcheck code; "shellcheck" sets them all
` + "```" + `

A rule set in ` + "`rules`" + ` keeps that severity under every preset; an id
that is not a rule below, ` + "`workflow-actionlint-<kind>`" + ` or
` + "`shellcheck/SC<code>`" + ` is an error that lists the valid ones. Exit codes
follow the severities: any error fails, warnings fail only with ` + "`--strict`" + `.

When shellcheck is on the PATH, ` + "`validate`" + ` also checks workflow ` + "`run:`" + `
scripts (through actionlint's own shellcheck rule, so the findings are
actionlint's) and the shell-form ` + "`RUN`" + ` lines of Dockerfiles (with the stage's
` + "`SHELL`" + `, one shellcheck process per Dockerfile); each finding has the id
` + "`shellcheck/SC<code>`" + ` and shellcheck's level (error, warning; info and
style are notes). A ` + "`# shellcheck disable=SC2086`" + ` line in a script works as in
shellcheck, and so does a suppression comment with the full id
(` + "`shellcheck/SC2086`" + `), which is a shell comment inside a ` + "`run: |`" + ` block.
Without shellcheck the report says so: a ` + "`note:`" + ` line in
text, ` + "`notices`" + ` in JSON, a tool execution notification in SARIF. The engine's
gate does not run shellcheck.

What ` + "`recommended`" + ` changes:

| Rule | strict | recommended | Why |
|---|---|---|---|
`)
	ids := make([]string, 0, len(presetRecommended))
	for id := range presetRecommended {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r, ok := LookupRule(id)
		if !ok {
			continue
		}
		why := PresetReason(id)
		fmt.Fprintf(b, "| [`%s`](#%s) | %s | %s | %s |\n", id, anchor(id), r.Severity, PresetSeverity(PresetRecommended, r), cell(why))
	}
}
