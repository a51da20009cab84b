package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"github.com/devops-lead/devops-lead/internal/brain/builtin"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/intent"
	"github.com/devops-lead/devops-lead/internal/mode"
)

// corpusDir holds the corpus of real requests: issues people opened on
// public repositories asking for DevOps work, each rewritten in our words
// with the shape of its repository and what a good lead does with it
// (docs/requests.md says how they were gathered).
const corpusDir = "../../testdata/requests"

// corpusGoal is the share of cases the built-in lead should get right
// (the issue "The lead understands what people actually ask for" asks for
// 90%).
const corpusGoal = 0.90

// corpusFloor is the share the test requires: the lead reached the goal
// (118 of 131), so the floor is the goal, and no change may make the lead
// worse on real requests than that.
const corpusFloor = corpusGoal

// corpusCase is one request of the corpus.
type corpusCase struct {
	Source  string            `yaml:"source"`
	Summary string            `yaml:"summary"`
	Hard    string            `yaml:"hard"`
	Repo    string            `yaml:"repo"`
	Files   map[string]string `yaml:"files"`
	Title   string            `yaml:"title"`
	Body    string            `yaml:"body"`
	Expect  struct {
		Outcome   string   `yaml:"outcome"`
		Modes     []string `yaml:"modes"`
		Forbidden []string `yaml:"forbidden"`
		Declined  []string `yaml:"declined"`
		Asks      []string `yaml:"asks"`
		Says      []string `yaml:"says"`
	} `yaml:"expect"`
}

// loadCorpus reads every case, failing on a malformed one.
func loadCorpus(t *testing.T) map[string]*corpusCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*corpusCase{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := &corpusCase{}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		switch {
		case !strings.HasPrefix(c.Source, "https://github.com/"):
			t.Fatalf("%s: source %q is not a GitHub link", f, c.Source)
		case c.Expect.Outcome != "act" && c.Expect.Outcome != "ask" && c.Expect.Outcome != "decline":
			t.Fatalf("%s: outcome %q is not act, ask or decline", f, c.Expect.Outcome)
		case c.Title == "" && c.Body == "":
			t.Fatalf("%s: no title or body", f)
		case (c.Repo == "") == (len(c.Files) == 0):
			t.Fatalf("%s: give exactly one of repo: and files:", f)
		}
		out[name] = c
	}
	return out
}

// corpusFS returns the case's repository.
func corpusFS(t *testing.T, c *corpusCase) fs.FS {
	t.Helper()
	if len(c.Files) > 0 {
		m := fstest.MapFS{}
		for p, body := range c.Files {
			m[path.Clean(p)] = &fstest.MapFile{Data: []byte(body), Mode: 0o644}
		}
		return m
	}
	kind, name, _ := strings.Cut(c.Repo, "/")
	dir := map[string]string{"realworld": realworldDir, "cli": "testdata/repos"}[kind]
	if dir == "" {
		t.Fatalf("repo %q: want realworld/<name> or cli/<name>", c.Repo)
	}
	full := filepath.Join(dir, name)
	if _, err := os.Stat(full); err != nil {
		t.Fatalf("repo %q: %v", c.Repo, err)
	}
	return os.DirFS(full)
}

// planCase runs the built-in lead on a case.
func planCase(t *testing.T, c *corpusCase) (*engine.Plan, error) {
	t.Helper()
	modes, err := mode.Default()
	if err != nil {
		t.Fatal(err)
	}
	eng := &engine.Engine{Brain: builtin.New(), Modes: modes}
	plan, _, err := eng.Plan(context.Background(), engine.Issue{Title: c.Title, Body: c.Body}, corpusFS(t, c))
	return plan, err
}

// scoreCase returns why the plan misses the case's expectations ("" when
// it meets them all).
func scoreCase(c *corpusCase, plan *engine.Plan, err error) string {
	if plan == nil {
		return fmt.Sprintf("no plan: %v", err)
	}
	if err != nil && !errors.Is(err, engine.ErrNothingToDo) {
		return fmt.Sprintf("plan error: %v", err)
	}
	got := "act"
	switch {
	case len(plan.Questions) > 0:
		got = "ask"
	case len(plan.Tasks) == 0:
		got = "decline"
	}
	var miss []string
	if got != c.Expect.Outcome {
		miss = append(miss, fmt.Sprintf("outcome %s, want %s", got, c.Expect.Outcome))
	}
	modes := map[string]bool{}
	for _, t := range plan.Tasks {
		modes[t.Mode] = true
	}
	for _, m := range c.Expect.Modes {
		if !modes[m] && c.Expect.Outcome == "act" {
			miss = append(miss, "missing mode "+m)
		}
	}
	for _, m := range c.Expect.Forbidden {
		if modes[m] {
			miss = append(miss, "forbidden mode "+m)
		}
	}
	lower := func(ss []string) string { return strings.ToLower(strings.Join(ss, "\n")) }
	for _, d := range c.Expect.Declined {
		if !strings.Contains(lower(plan.Declined), strings.ToLower(d)) {
			miss = append(miss, fmt.Sprintf("no declined entry says %q", d))
		}
	}
	for _, a := range c.Expect.Asks {
		if !strings.Contains(lower(plan.Questions), strings.ToLower(a)) {
			miss = append(miss, fmt.Sprintf("no question says %q", a))
		}
	}
	all := []string{plan.Summary}
	all = append(all, plan.Notes...)
	all = append(all, plan.Declined...)
	all = append(all, plan.Questions...)
	for _, t := range plan.Tasks {
		all = append(all, t.Title, t.Goal, t.Why)
	}
	for _, s := range c.Expect.Says {
		if !strings.Contains(lower(all), strings.ToLower(s)) {
			miss = append(miss, fmt.Sprintf("the plan never says %q", s))
		}
	}
	if len(miss) == 0 {
		return ""
	}
	var ms []string
	for _, t := range plan.Tasks {
		ms = append(ms, t.Mode)
	}
	return fmt.Sprintf("%s (planned: %s)", strings.Join(miss, "; "), strings.Join(ms, ", "))
}

// TestRequestCorpus scores the built-in lead on the corpus of real
// requests and fails below corpusFloor, listing every miss.
func TestRequestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) == 0 {
		t.Skip("no corpus cases yet")
	}
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	var misses []string
	show := os.Getenv("DEVOPS_LEAD_CORPUS_SHOW") // a case name part: log its plan
	for _, n := range names {
		c := cases[n]
		plan, err := planCase(t, c)
		if show != "" && strings.Contains(n, show) {
			js, _ := json.MarshalIndent(plan, "", "  ")
			var parts strings.Builder
			for _, p := range intent.Split(c.Title, c.Body).Parts {
				fmt.Fprintf(&parts, "  [%s|%s] %q\n", p.Kind, p.Heading, p.Text)
			}
			t.Logf("%s (err %v):\nthe issue as read:\n%s%s", n, err, parts.String(), js)
		}
		if why := scoreCase(c, plan, err); why != "" {
			misses = append(misses, fmt.Sprintf("%s: %s\n    %s", n, why, c.Source))
		}
	}
	score := float64(len(cases)-len(misses)) / float64(len(cases))
	t.Logf("request corpus: %d of %d right (%.0f%%)", len(cases)-len(misses), len(cases), 100*score)
	for _, m := range misses {
		t.Logf("miss %s", m)
	}
	if score < corpusFloor {
		t.Errorf("the lead gets %.1f%% of the corpus right, below the floor of %.0f%% (the goal is %.0f%%)", 100*score, 100*corpusFloor, 100*corpusGoal)
	} else if score < corpusGoal {
		t.Logf("below the goal of %.0f%%: %d more case(s) to get right", 100*corpusGoal, int(corpusGoal*float64(len(cases))+0.999)-(len(cases)-len(misses)))
	}
}
