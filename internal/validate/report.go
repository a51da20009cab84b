package validate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Summary counts findings by severity and the files they are in.
type Summary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Notes    int `json:"notes"`
	Files    int `json:"files"`
}

// Summarize counts the findings by severity and the distinct files they
// are in.
func Summarize(fs []Finding) Summary {
	var s Summary
	files := map[string]bool{}
	for _, f := range fs {
		switch f.Severity {
		case Error:
			s.Errors++
		case Warning:
			s.Warnings++
		default:
			s.Notes++
		}
		files[f.Path] = true
	}
	s.Files = len(files)
	return s
}

// String formats the summary as "N error(s), N warning(s), N note(s) in N
// file(s)" (the files with findings), or "no findings".
func (s Summary) String() string {
	if s.Errors+s.Warnings+s.Notes == 0 {
		return "no findings"
	}
	return fmt.Sprintf("%d error(s), %d warning(s), %d note(s) in %d file(s)", s.Errors, s.Warnings, s.Notes, s.Files)
}

// WriteText writes one line per finding, "file:line:col: severity [rule]
// message" (the form editors and problem matchers read), then the summary
// line. Line and column are at least 1. The file name is escaped (see
// TextPath) so that a name holding ":" or a newline cannot pass for
// another file, line or finding.
func WriteText(w io.Writer, fs []Finding) error {
	var b strings.Builder
	for _, f := range fs {
		f.Path = TextPath(f.Path)
		b.WriteString(oneLine(f.String()))
		b.WriteByte('\n')
	}
	b.WriteString(Summarize(fs).String())
	b.WriteByte('\n')
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

// TextPath escapes a file name for the text report the way URLs do, with
// %XX: the percent sign itself, ":" (the field separator of
// file:line:col), control characters (newlines among them) and, at the
// start, a space. Other names, the usual case, are unchanged.
func TextPath(p string) string {
	need := strings.HasPrefix(p, " ")
	for i := 0; i < len(p) && !need; i++ {
		need = p[i] == '%' || p[i] == ':' || p[i] < 0x20 || p[i] == 0x7f
	}
	if !need {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' || c == ':' || c < 0x20 || c == 0x7f || (i == 0 && c == ' ') {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// oneLine keeps a finding on one line: a message quoting file content may
// hold newlines, which would break line-oriented readers.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// JSONReport is the document WriteJSON writes.
type JSONReport struct {
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
	// Notices say what was not checked (shellcheck missing).
	Notices []string `json:"notices,omitempty"`
}

// WriteJSON writes the findings as one indented JSON document: {"findings":
// [...], "summary": {"errors", "warnings", "notes", "files"}}. Findings is
// an empty array, never null, when there are none.
func WriteJSON(w io.Writer, fs []Finding) error {
	r := JSONReport{Findings: fs, Summary: Summarize(fs)}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return writeIndented(w, r, "JSON report")
}

func writeIndented(w io.Writer, v any, what string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}

// Where the project and its rule documentation live; SARIF viewers link to
// them.
const (
	InformationURI = "https://github.com/devops-lead/devops-lead"
	rulesDocURI    = InformationURI + "/blob/main/docs/rules.md"
)

// RuleHelpURI returns the address of a rule's entry in docs/rules.md.
func RuleHelpURI(id string) string {
	return rulesDocURI + "#" + anchor(id)
}

// The SARIF 2.1.0 subset GitHub code scanning reads.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Invocations []sarifInvocation `json:"invocations,omitempty"`
		Results     []sarifResult     `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Version        string      `json:"version,omitempty"`
		SemanticVer    string      `json:"semanticVersion,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string            `json:"id"`
		Name                 string            `json:"name,omitempty"`
		ShortDescription     sarifText         `json:"shortDescription"`
		FullDescription      *sarifText        `json:"fullDescription,omitempty"`
		Help                 *sarifText        `json:"help,omitempty"`
		HelpURI              string            `json:"helpUri"`
		DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
		Properties           sarifRuleProperty `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifRuleConfig struct {
		Level string `json:"level"`
	}
	sarifRuleProperty struct {
		Tags []string `json:"tags"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           sarifRegion   `json:"region"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
	}
)

// SARIF document constants.
const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	srcRoot      = "%SRCROOT%"
)

// WriteSARIF writes the findings as a SARIF 2.1.0 log that GitHub code
// scanning accepts (upload it with github/codeql-action/upload-sarif). The
// driver lists every rule the findings use, with its documentation link,
// default level and tags (its kind and its hadolint, checkov or zizmor
// equivalent); each result points at its rule by id and index. Relative
// paths are given against %SRCROOT%; line and column are at least 1. Each
// result carries a line-independent partial fingerprint.
func WriteSARIF(w io.Writer, fs []Finding, toolVersion string) error {
	return WriteSARIFNotices(w, fs, toolVersion, nil)
}

// WriteSARIFNotices is WriteSARIF with notices: each becomes a tool
// execution notification of the run's invocation.
func WriteSARIFNotices(w io.Writer, fs []Finding, toolVersion string, notices []string) error {
	ids := map[string]int{}
	var used []string
	for _, f := range fs {
		if _, ok := ids[f.Rule]; !ok {
			ids[f.Rule] = 0
			used = append(used, f.Rule)
		}
	}
	sort.Strings(used)
	rules := make([]sarifRule, len(used))
	for i, id := range used {
		ids[id] = i
		rules[i] = sarifRuleOf(id)
	}
	results := make([]sarifResult, 0, len(fs))
	seen := map[string]int{}
	for _, f := range fs {
		results = append(results, sarifResult{
			RuleID:    f.Rule,
			RuleIndex: ids[f.Rule],
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{Text: sarifMessage(f)},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifactOf(f.Path),
				Region:           sarifRegion{StartLine: max(f.Line, 1), StartColumn: max(f.Col, 1)},
			}}},
			PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f, seen)},
		})
	}
	driver := sarifDriver{
		Name:           "devops-lead",
		InformationURI: InformationURI,
		Version:        toolVersion,
		Rules:          rules,
	}
	if isSemver(toolVersion) {
		driver.SemanticVer = strings.TrimPrefix(toolVersion, "v")
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: sarifVersion,
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Invocations: sarifInvocations(notices), Results: results}},
	}
	return writeIndented(w, log, "SARIF report")
}

// fingerprintKey names devops-lead's partial fingerprint in SARIF results.
const fingerprintKey = "devopsLeadFinding/v1"

// fingerprint identifies a finding across runs without its line, so that
// code scanning keeps one alert when lines move: a hash of the rule, path
// and message, plus the occurrence number among identical ones. seen
// counts the occurrences so far.
func fingerprint(f Finding, seen map[string]int) string {
	key := f.Rule + "\x00" + f.Path + "\x00" + f.Message
	n := seen[key]
	seen[key] = n + 1
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16]) + ":" + strconv.Itoa(n)
}

// sarifRuleOf describes a rule for the SARIF driver. A finding id that is
// not registered itself but extends a registered one
// ("workflow-actionlint-expression") takes that rule's description and
// documentation link; any other unknown id still gets an entry, so that
// every result has its rule.
func sarifRuleOf(id string) sarifRule {
	r, ok := familyOf(id)
	if !ok {
		r = Rule{ID: id, Kind: KindAny, Severity: Warning, Summary: id}
	}
	sr := sarifRule{
		ID:                   id,
		ShortDescription:     sarifText{Text: r.Summary},
		HelpURI:              RuleHelpURI(r.ID),
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(r.Severity)},
		Properties:           sarifRuleProperty{Tags: ruleTags(r)},
	}
	if r.Help != "" {
		sr.FullDescription = &sarifText{Text: r.Summary + ". Fix: " + r.Help}
		sr.Help = &sarifText{Text: r.Help}
	}
	return sr
}

// ruleOrFamily returns the rule with the id or, failing that, the
// registered rule with the longest id that is a "-"-separated prefix of it.
func ruleOrFamily(id string) (Rule, bool) {
	if r, ok := LookupRule(id); ok {
		return r, true
	}
	var best Rule
	found := false
	for _, r := range Rules() {
		if strings.HasPrefix(id, r.ID+"-") && len(r.ID) > len(best.ID) {
			best, found = r, true
		}
	}
	return best, found
}

// ruleTags are the rule's kind and its equivalents in other linters.
func ruleTags(r Rule) []string {
	return append([]string{string(r.Kind)}, Equivalents(r)...)
}

// Equivalents lists a rule's equivalents in other linters, as
// "hadolint:DL3007", "checkov:CKV_AWS_20", "zizmor:unpinned-uses".
func Equivalents(r Rule) []string {
	var out []string
	for _, e := range []struct{ tool, id string }{
		{"hadolint", r.Hadolint}, {"checkov", r.Checkov}, {"zizmor", r.Zizmor},
	} {
		if e.id != "" {
			out = append(out, e.tool+":"+e.id)
		}
	}
	return out
}

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

// sarifMessage is the result text: the message, then the fix when known.
// SARIF requires a non-empty message.
func sarifMessage(f Finding) string {
	msg := f.Message
	if msg == "" {
		msg = f.Rule
	}
	if f.Help != "" {
		msg += " (" + f.Help + ")"
	}
	return msg
}

// sarifArtifactOf turns a finding path into an artifact location: a
// relative path against %SRCROOT%, an absolute one as a file URI.
func sarifArtifactOf(p string) sarifArtifact {
	switch {
	case isAbsSlash(p):
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: p}).String()}
	case strings.HasPrefix(p, "../") || p == "..":
		return sarifArtifact{URI: escapePath(p)}
	}
	return sarifArtifact{URI: escapePath(strings.TrimPrefix(p, "./")), URIBaseID: srcRoot}
}

// escapePath percent-encodes each segment of a slash path for use as a
// relative URI reference.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// isSemver reports whether v looks like a semantic version (v1.2.3 or
// 1.2.3-rc.1), the form SARIF's semanticVersion wants.
func isSemver(v string) bool {
	v = strings.TrimPrefix(v, "v")
	core, _, _ := strings.Cut(v, "-")
	core, _, _ = strings.Cut(core, "+")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
