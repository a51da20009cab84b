package revise

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// reviewCase is one review comment of testdata/reviews: where it was
// found, what it said (in our words) and what the reader should make of it.
type reviewCase struct {
	Source  string      `yaml:"source"`
	File    string      `yaml:"file"`
	Path    string      `yaml:"path"`
	Review  string      `yaml:"review"`
	Actions []ReviewAsk `yaml:"actions"`
	// Outcome is act (every request understood), answer (nothing to
	// edit: the reply only answers) or partial (edits, and a request the
	// reply must name as not done).
	Outcome string `yaml:"outcome"`
}

// TestReviewCorpus scores the reader on real review comments: it fails
// below 90% and lists every miss.
func TestReviewCorpus(t *testing.T) {
	files, err := filepath.Glob("../../../../testdata/reviews/*.yaml")
	if err != nil || len(files) < 30 {
		t.Fatalf("want at least 30 review cases, found %d (%v)", len(files), err)
	}
	pass := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c reviewCase
		if err := yaml.Unmarshal(data, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if c.Source == "" || c.Review == "" || c.Outcome == "" {
			t.Fatalf("%s: source, review and outcome are required", f)
		}
		r := readReview(c.Review)
		if miss := reviewMiss(c, r); miss != "" {
			t.Logf("MISS %s: %s\n  review: %q\n  got: %s unclear=%q", filepath.Base(f), miss, c.Review, fmtAsks(r.Asks), r.Unclear)
			continue
		}
		pass++
	}
	score := float64(pass) / float64(len(files))
	t.Logf("review reader: %d/%d (%.0f%%)", pass, len(files), 100*score)
	if score < 0.9 {
		t.Errorf("the review reader scores %.0f%% on the corpus, below 90%%", 100*score)
	}
}

// reviewMiss says how a reading differs from the case's expectation, or
// "". An expected action's Target and From are checked when it sets them.
func reviewMiss(c reviewCase, r reviewReading) string {
	if len(r.Asks) != len(c.Actions) {
		return fmt.Sprintf("want %d action(s) %s", len(c.Actions), fmtAsks(c.Actions))
	}
	for _, want := range c.Actions {
		found := false
		for _, got := range r.Asks {
			if got.Kind == want.Kind && got.Value == want.Value &&
				(want.Target == "" || got.Target == want.Target) && (want.From == "" || got.From == want.From) {
				found = true
			}
		}
		if !found {
			return "want " + fmtAsks([]ReviewAsk{want})
		}
	}
	switch c.Outcome {
	case "act":
		if len(r.Unclear) > 0 {
			return "every request should be understood"
		}
	case "partial":
		if len(r.Unclear) == 0 {
			return "a request should be reported as not done"
		}
	case "answer":
	default:
		return "unknown outcome " + c.Outcome
	}
	return ""
}

func fmtAsks(as []ReviewAsk) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, fmt.Sprintf("{%s target=%q value=%q from=%q}", a.Kind, a.Target, a.Value, a.From))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestReadReviewSentences holds the reader's edge cases.
func TestReadReviewSentences(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"expose 8081 and pin base images by digest", `[{pin-digest target="" value="" from=""} {port target="" value="8081" from=""}]`},
		{"Set DATABASE_URL=postgres://app:hunter2@db/app please", `[{env target="DATABASE_URL" value="${DATABASE_URL}" from=""}]`},
		{"add env var STRIPE_SECRET to sk_live_123", `[{env target="STRIPE_SECRET" value="${STRIPE_SECRET}" from=""}]`},
		{"Please rename the container to web-1.", `[]`},
		{"Bump setup-node from v4 to v6", `[]`},
		{"Thanks, looks great!", `[]`},
		{"Let's go to 22.04 for now, please.", `[]`},
		{"3000 is wrong, expose 8081", `[{port target="" value="8081" from="3000"}]`},
		{"1. Expose 8081", `[{port target="" value="8081" from=""}]`},
		{"Please upgrade to Go 1.23 and Python 3.12.", `[{version target="go" value="1.23" from=""} {version target="python" value="3.12" from=""}]`},
		{"We should rename job build to test", `[{rename target="build" value="test" from=""}]`},
		{"On second thought, remove this file", `[{drop target="" value="" from=""}]`},
		{"Pin node:24.1 instead of the rolling node:24 tag", `[{version target="node" value="24.1" from="24"}]`},
		{"Use postgres:16 rather than postgres:15", `[{version target="postgres" value="16" from="15"}]`},
	} {
		if got := fmtAsks(readReview(tc.in).Asks); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	if r := readReview("Sorry, I should have been clearer: a tag, not a digest."); len(r.Unclear) != 0 {
		t.Errorf("a reviewer's remark about their own comment asks nothing: %+v", r)
	}
	if r := readReview("You should have a tag here."); len(r.Unclear) != 1 {
		t.Errorf("'you should' still asks for something: %+v", r)
	}
	if r := readReview("Bump setup-node from v4 to v6"); len(r.Unclear) != 1 {
		t.Errorf("an ask the reader does not know must be kept as not understood: %+v", r)
	}
}
