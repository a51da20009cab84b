package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

var reportFindings = []Finding{
	{Path: ".github/workflows/ci.yml", Line: 12, Col: 9, Rule: "path-allowed", Severity: Error, Message: "ci may not write it"},
	{Path: "Dockerfile", Line: 0, Col: 0, Rule: "file-too-large", Severity: Warning, Message: "not checked", Help: "split it"},
	{Path: "Dockerfile", Line: 3, Col: 1, Rule: "not-a-registered-rule", Severity: Note, Message: "line one\nline two"},
	{Path: "dir with space/a#b.yaml", Line: 2, Col: 4, Rule: "path-allowed", Severity: Error, Message: "again"},
	{Path: "x.yaml", Line: 1, Col: 1, Rule: "file-too-large-sub-check", Severity: Warning, Message: "a finding of a rule family"},
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, reportFindings); err != nil {
		t.Fatal(err)
	}
	want := `.github/workflows/ci.yml:12:9: error [path-allowed] ci may not write it
Dockerfile:1:1: warning [file-too-large] not checked
Dockerfile:3:1: note [not-a-registered-rule] line one line two
dir with space/a#b.yaml:2:4: error [path-allowed] again
x.yaml:1:1: warning [file-too-large-sub-check] a finding of a rule family
2 error(s), 2 warning(s), 1 note(s) in 4 file(s)
`
	if b.String() != want {
		t.Errorf("WriteText:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteText(&b, nil); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "no findings\n" {
		t.Errorf("WriteText(nil) = %q", got)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritersReportWriteErrors(t *testing.T) {
	for name, write := range map[string]func() error{
		"text":  func() error { return WriteText(failWriter{}, reportFindings) },
		"json":  func() error { return WriteJSON(failWriter{}, reportFindings) },
		"sarif": func() error { return WriteSARIF(failWriter{}, reportFindings, "v1.0.0") },
	} {
		if err := write(); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: error %v, want one wrapping the write error", name, err)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, reportFindings); err != nil {
		t.Fatal(err)
	}
	var got JSONReport
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("WriteJSON wrote invalid JSON: %v\n%s", err, b.String())
	}
	if !reflect.DeepEqual(got.Findings, reportFindings) {
		t.Errorf("findings round trip:\n got %+v\nwant %+v", got.Findings, reportFindings)
	}
	if want := (Summary{Errors: 2, Warnings: 2, Notes: 1, Files: 4}); got.Summary != want {
		t.Errorf("summary %+v, want %+v", got.Summary, want)
	}
	b.Reset()
	if err := WriteJSON(&b, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"findings": []`) {
		t.Errorf("no findings must give an empty array, got %s", b.String())
	}
}

// sarifDoc decodes the fields GitHub code scanning requires of a SARIF
// upload, with pointers where absence must be told from a zero value.
type sarifDoc struct {
	Schema  *string `json:"$schema"`
	Version *string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name           *string `json:"name"`
				InformationURI *string `json:"informationUri"`
				Version        *string `json:"version"`
				SemanticVer    string  `json:"semanticVersion"`
				Rules          []struct {
					ID               *string `json:"id"`
					ShortDescription struct {
						Text *string `json:"text"`
					} `json:"shortDescription"`
					HelpURI              *string `json:"helpUri"`
					DefaultConfiguration struct {
						Level *string `json:"level"`
					} `json:"defaultConfiguration"`
					Properties struct {
						Tags []string `json:"tags"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			RuleID              *string           `json:"ruleId"`
			RuleIndex           *int              `json:"ruleIndex"`
			Level               *string           `json:"level"`
			Message             struct {
				Text *string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       *string `json:"uri"`
						URIBaseID string  `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine   *int `json:"startLine"`
						StartColumn *int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

func validLevel(s *string) bool {
	return s != nil && (*s == "error" || *s == "warning" || *s == "note")
}

func TestWriteSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, reportFindings, "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	var doc sarifDoc
	dec := json.NewDecoder(bytes.NewReader(b.Bytes()))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("invalid SARIF JSON: %v\n%s", err, b.String())
	}
	if doc.Schema == nil || !strings.Contains(*doc.Schema, "sarif-2.1.0") {
		t.Errorf("$schema = %v, want the SARIF 2.1.0 schema", doc.Schema)
	}
	if doc.Version == nil || *doc.Version != "2.1.0" {
		t.Errorf("version = %v, want 2.1.0", doc.Version)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(doc.Runs))
	}
	run := doc.Runs[0]
	d := run.Tool.Driver
	if d.Name == nil || *d.Name != "devops-lead" {
		t.Errorf("driver name %v", d.Name)
	}
	if d.InformationURI == nil || !isAbsURL(*d.InformationURI) {
		t.Errorf("driver informationUri %v is not an absolute URL", d.InformationURI)
	}
	if d.Version == nil || *d.Version != "v1.2.3" || d.SemanticVer != "1.2.3" {
		t.Errorf("driver version %v, semanticVersion %q", d.Version, d.SemanticVer)
	}

	// Every rule used is listed once, fully described.
	ruleIDs := map[string]int{}
	for i, r := range d.Rules {
		if r.ID == nil || *r.ID == "" {
			t.Errorf("rule %d has no id", i)
			continue
		}
		if _, dup := ruleIDs[*r.ID]; dup {
			t.Errorf("rule %s listed twice", *r.ID)
		}
		ruleIDs[*r.ID] = i
		if r.ShortDescription.Text == nil || *r.ShortDescription.Text == "" {
			t.Errorf("rule %s: no shortDescription.text", *r.ID)
		}
		family := strings.TrimSuffix(*r.ID, "-sub-check")
		if r.HelpURI == nil || !isAbsURL(*r.HelpURI) || !strings.HasSuffix(*r.HelpURI, "#"+anchor(family)) {
			t.Errorf("rule %s: helpUri %v does not point at its docs entry", *r.ID, r.HelpURI)
		}
		if !validLevel(r.DefaultConfiguration.Level) {
			t.Errorf("rule %s: defaultConfiguration.level %v", *r.ID, r.DefaultConfiguration.Level)
		}
		if len(r.Properties.Tags) == 0 {
			t.Errorf("rule %s: no properties.tags", *r.ID)
		}
	}
	wantRules := map[string]bool{"path-allowed": true, "file-too-large": true, "not-a-registered-rule": true, "file-too-large-sub-check": true}
	if len(ruleIDs) != len(wantRules) {
		t.Errorf("rules %v, want exactly %v", ruleIDs, wantRules)
	}
	for _, id := range []string{"file-too-large", "file-too-large-sub-check"} {
		i, ok := ruleIDs[id]
		if !ok {
			continue
		}
		r := d.Rules[i]
		if *r.DefaultConfiguration.Level != "warning" || r.Properties.Tags[0] != "any" ||
			*r.ShortDescription.Text != ruleFileTooLarge.Summary {
			t.Errorf("%s: level %s tags %v summary %q, want those of file-too-large", id,
				*r.DefaultConfiguration.Level, r.Properties.Tags, *r.ShortDescription.Text)
		}
	}

	if len(run.Results) != len(reportFindings) {
		t.Fatalf("%d results, want %d", len(run.Results), len(reportFindings))
	}
	prints := map[string]bool{}
	for i, res := range run.Results {
		f := reportFindings[i]
		fp := res.PartialFingerprints[fingerprintKey]
		if fp == "" || prints[fp] {
			t.Errorf("result %d: fingerprint %q missing or not unique", i, fp)
		}
		prints[fp] = true
		if res.RuleID == nil || *res.RuleID != f.Rule {
			t.Errorf("result %d: ruleId %v, want %s", i, res.RuleID, f.Rule)
		}
		if res.RuleIndex == nil || *res.RuleIndex < 0 || *res.RuleIndex >= len(d.Rules) || *d.Rules[*res.RuleIndex].ID != f.Rule {
			t.Errorf("result %d: ruleIndex %v does not point at rule %s", i, res.RuleIndex, f.Rule)
		}
		if !validLevel(res.Level) || *res.Level != string(f.Severity) {
			t.Errorf("result %d: level %v, want %s", i, res.Level, f.Severity)
		}
		if res.Message.Text == nil || !strings.HasPrefix(*res.Message.Text, f.Message) {
			t.Errorf("result %d: message %v, want it to start with %q", i, res.Message.Text, f.Message)
		}
		if f.Help != "" && !strings.Contains(*res.Message.Text, f.Help) {
			t.Errorf("result %d: message %q lacks the help %q", i, *res.Message.Text, f.Help)
		}
		if len(res.Locations) != 1 {
			t.Errorf("result %d: %d locations, want 1", i, len(res.Locations))
			continue
		}
		pl := res.Locations[0].PhysicalLocation
		uri := pl.ArtifactLocation.URI
		if uri == nil || pl.ArtifactLocation.URIBaseID != "%SRCROOT%" {
			t.Errorf("result %d: artifactLocation %v base %q", i, uri, pl.ArtifactLocation.URIBaseID)
			continue
		}
		u, err := url.Parse(*uri)
		if err != nil || u.IsAbs() || u.Path != f.Path {
			t.Errorf("result %d: uri %q is not the relative reference to %q (%v)", i, *uri, f.Path, err)
		}
		r := pl.Region
		if r.StartLine == nil || *r.StartLine != max(f.Line, 1) || r.StartColumn == nil || *r.StartColumn != max(f.Col, 1) {
			t.Errorf("result %d: region %v:%v, want %d:%d", i, r.StartLine, r.StartColumn, max(f.Line, 1), max(f.Col, 1))
		}
	}
}

func TestSARIFFingerprints(t *testing.T) {
	f := Finding{Path: "a.yml", Line: 3, Rule: "r", Message: "m"}
	seen := map[string]int{}
	first, second := fingerprint(f, seen), fingerprint(f, seen)
	if first == second {
		t.Errorf("two identical findings share fingerprint %s", first)
	}
	moved := f
	moved.Line = 30
	if got := fingerprint(moved, map[string]int{}); got != first {
		t.Errorf("the fingerprint changed with the line: %s, then %s", first, got)
	}
	other := f
	other.Message = "n"
	if got := fingerprint(other, map[string]int{}); got == first {
		t.Errorf("another message gave the same fingerprint %s", got)
	}
}

func isAbsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

func TestWriteSARIFEmptyAndPaths(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, nil, "(devel)"); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{`"results": []`, `"rules": []`, `"version": "(devel)"`} {
		if !strings.Contains(s, want) {
			t.Errorf("empty SARIF lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "semanticVersion") {
		t.Errorf("a non-semver version must not give semanticVersion:\n%s", s)
	}
	for p, want := range map[string]sarifArtifact{
		"a/b.yaml":        {URI: "a/b.yaml", URIBaseID: "%SRCROOT%"},
		"./a.yaml":        {URI: "a.yaml", URIBaseID: "%SRCROOT%"},
		"x y/%z.tf":       {URI: "x%20y/%25z.tf", URIBaseID: "%SRCROOT%"},
		"/abs/c d.yaml":   {URI: "file:///abs/c%20d.yaml"},
		"C:/w/e.yaml":     {URI: "file:///C:/w/e.yaml"},
		"../other/f.yaml": {URI: "../other/f.yaml"},
	} {
		if got := sarifArtifactOf(p); got != want {
			t.Errorf("sarifArtifactOf(%q) = %+v, want %+v", p, got, want)
		}
	}
}

func TestIsSemver(t *testing.T) {
	for v, want := range map[string]bool{
		"v1.2.3": true, "1.2.3": true, "v0.1.0-rc.1": true, "1.2.3+build": true,
		"(devel)": false, "v1.2": false, "": false, "v1.x.3": false, "3fa5491c0ffe": false,
	} {
		if got := isSemver(v); got != want {
			t.Errorf("isSemver(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestWriteTextEscapesPaths: a file name made to look like a location or
// a second finding is escaped; SARIF keeps the name as it is (URI-escaped).
func TestWriteTextEscapesPaths(t *testing.T) {
	fs := []Finding{
		{Path: "a.yml:9:9: error [x] fake", Line: 1, Col: 2, Rule: "r", Severity: Warning, Message: "m"},
		{Path: "b\nc.yml:1:1: error [y] fake", Line: 3, Col: 4, Rule: "r", Severity: Warning, Message: "m"},
		{Path: "100%.yml", Line: 1, Col: 1, Rule: "r", Severity: Note, Message: "m"},
		{Path: "dir/Dockerfile", Line: 1, Col: 1, Rule: "r", Severity: Note, Message: "m"},
	}
	var b strings.Builder
	if err := WriteText(&b, fs); err != nil {
		t.Fatal(err)
	}
	want := "a.yml%3A9%3A9%3A error [x] fake:1:2: warning [r] m\n" +
		"b%0Ac.yml%3A1%3A1%3A error [y] fake:3:4: warning [r] m\n" +
		"100%25.yml:1:1: note [r] m\n" +
		"dir/Dockerfile:1:1: note [r] m\n"
	if got := b.String(); !strings.HasPrefix(got, want) {
		t.Errorf("got\n%s\nwant prefix\n%s", got, want)
	}
	if strings.Count(b.String(), "\n") != len(fs)+1 {
		t.Errorf("one line per finding and the summary: %q", b.String())
	}
	var s strings.Builder
	if err := WriteSARIF(&s, fs[:1], ""); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.String(), "%3A9") {
		t.Errorf("SARIF gets the escaped text path: %s", s.String())
	}
}
