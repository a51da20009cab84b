package pins

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// required are the actions the built-in specialists rely on.
var required = []string{
	"actions/checkout", "actions/setup-go", "actions/setup-node", "actions/setup-python",
	"actions/setup-java", "astral-sh/setup-uv", "pnpm/action-setup",
	"docker/setup-buildx-action", "docker/login-action", "docker/metadata-action", "docker/build-push-action",
}

func TestTableEntries(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatalf("load the table: %v", err)
	}
	if len(all) < len(required) {
		t.Fatalf("table has %d entries, want at least %d", len(all), len(required))
	}
	hex := regexp.MustCompile(`^[0-9a-f]{40}$`)
	semver := regexp.MustCompile(`^v\d+\.\d+(\.\d+)?$`)
	seen := map[string]bool{}
	for _, p := range all {
		if !hex.MatchString(p.SHA) {
			t.Errorf("%s: sha %q is not 40 lowercase hex", p.Action, p.SHA)
		}
		if !semver.MatchString(p.Version) {
			t.Errorf("%s: version %q is not vX.Y.Z or vX.Y", p.Action, p.Version)
		}
		if len(p.Sources) < 2 {
			t.Errorf("%s: %d source(s), want two", p.Action, len(p.Sources))
		}
		if len(p.Sources) >= 2 && p.Sources[0] == p.Sources[1] {
			t.Errorf("%s: the two sources are the same text", p.Action)
		}
		key := strings.ToLower(p.Action)
		if seen[key] {
			t.Errorf("%s listed twice", p.Action)
		}
		seen[key] = true
	}
	for _, name := range required {
		if !seen[strings.ToLower(name)] {
			t.Errorf("required action %s is missing from actions.yaml", name)
		}
	}
}

// TestNotOutdated checks no pinned major is one actionlint flags as running
// on a removed Node runtime.
func TestNotOutdated(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		spec := p.Action + "@" + p.Major()
		if _, old := actionlint.OutdatedPopularActionSpecs[spec]; old {
			t.Errorf("%s is outdated for actionlint v1.7.12: pin a newer major", spec)
		}
	}
}

func TestActionAndUses(t *testing.T) {
	p, err := Action("actions/checkout")
	if err != nil {
		t.Fatal(err)
	}
	want := "actions/checkout@" + p.SHA + " # " + p.Version
	if got := p.Uses(); got != want {
		t.Errorf("Uses() = %q, want %q", got, want)
	}
	if !regexp.MustCompile(`^actions/checkout@[0-9a-f]{40} # v\d+\.\d+\.\d+$`).MatchString(p.Uses()) {
		t.Errorf("Uses() = %q has the wrong shape", p.Uses())
	}
	if q, err := Action("  Actions/Checkout "); err != nil || q.SHA != p.SHA {
		t.Errorf("case-insensitive lookup: %v %v", q, err)
	}
	if _, err := Action("evil/unknown-action"); err == nil || !strings.Contains(err.Error(), "actions.yaml") {
		t.Errorf("unknown action: err = %v, want one naming actions.yaml", err)
	}
	if p.Major() != strings.SplitN(p.Version, ".", 2)[0] {
		t.Errorf("Major() = %q for %q", p.Major(), p.Version)
	}
}

func TestKnown(t *testing.T) {
	p, err := Action("docker/login-action")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := Known(p.Uses()); !ok || got.Action != p.Action {
		t.Errorf("Known(%q) = %v, %v", p.Uses(), got, ok)
	}
	if _, ok := Known(p.Ref()); !ok {
		t.Errorf("Known(%q) = false without comment", p.Ref())
	}
	for _, bad := range []string{
		"docker/login-action@v3",
		"docker/login-action@" + strings.Repeat("0", 40),
		"docker/login-action",
		"nobody/nothing@" + p.SHA,
	} {
		if _, ok := Known(bad); ok {
			t.Errorf("Known(%q) = true, want false", bad)
		}
	}
}

func TestParseRefusesBadTables(t *testing.T) {
	good := "    sources: [a, b]\n"
	cases := map[string]string{
		"short sha":   "actions:\n  - action: a/b\n    sha: abc\n    version: v1.0.0\n" + good,
		"upper sha":   "actions:\n  - action: a/b\n    sha: " + strings.Repeat("A", 40) + "\n    version: v1.0.0\n" + good,
		"bad version": "actions:\n  - action: a/b\n    sha: " + strings.Repeat("a", 40) + "\n    version: v1\n" + good,
		"one source":  "actions:\n  - action: a/b\n    sha: " + strings.Repeat("a", 40) + "\n    version: v1.0.0\n    sources: [a]\n",
		"bad name":    "actions:\n  - action: nobody\n    sha: " + strings.Repeat("a", 40) + "\n    version: v1.0.0\n" + good,
		"duplicate": "actions:\n  - action: a/b\n    sha: " + strings.Repeat("a", 40) + "\n    version: v1.0.0\n" + good +
			"  - action: A/B\n    sha: " + strings.Repeat("b", 40) + "\n    version: v1.0.1\n" + good,
		"not yaml": "actions: [\n",
	}
	for name, src := range cases {
		if _, _, err := parse([]byte(src)); err == nil {
			t.Errorf("%s: parse accepted a bad table", name)
		}
	}
	ok := "actions:\n  - action: a/b/sub\n    sha: " + strings.Repeat("a", 40) + "\n    version: v1.2.3\n" + good
	if _, idx, err := parse([]byte(ok)); err != nil || idx["a/b/sub"].Version != "v1.2.3" {
		t.Errorf("parse refused a good table: %v", err)
	}
}

// TestEarlier: earlier majors load, each is found at its major and not at
// another, the current pin still answers its own major, actionlint does not
// call any of them outdated, and a bad earlier table is refused.
func TestEarlier(t *testing.T) {
	all, err := Earlier()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no earlier pins")
	}
	for _, p := range all {
		got, ok := AtMajor(p.Action, p.Major())
		if !ok || got.SHA != p.SHA {
			t.Errorf("AtMajor(%s, %s) = %v, %v; want %s", p.Action, p.Major(), got, ok, p.SHA)
		}
		if _, old := actionlint.OutdatedPopularActionSpecs[p.Action+"@"+p.Major()]; old {
			t.Errorf("%s@%s is outdated for actionlint", p.Action, p.Major())
		}
	}
	cur, _ := Action("actions/checkout")
	if got, ok := AtMajor("actions/checkout", cur.Major()); !ok || got.SHA != cur.SHA {
		t.Errorf("AtMajor at the current major = %v, %v", got, ok)
	}
	if _, ok := AtMajor("actions/checkout", "v1"); ok {
		t.Error("AtMajor found a major the table does not keep")
	}
	current := map[string]Pin{"actions/checkout": cur}
	for _, bad := range []string{
		"earlier:\n  - {action: nobody/else, sha: " + strings.Repeat("a", 40) + ", version: v1.0.0, sources: [a, b]}\n",
		"earlier:\n  - {action: actions/checkout, sha: " + cur.SHA + ", version: " + cur.Version + ", sources: [a, b]}\n",
		"earlier:\n  - {action: actions/checkout, sha: " + strings.Repeat("b", 40) + ", version: v3.0.0, sources: [a, b]}\n  - {action: actions/checkout, sha: " + strings.Repeat("c", 40) + ", version: v3.1.0, sources: [a, b]}\n",
		"earlier:\n  - {action: actions/checkout, sha: short, version: v3.0.0, sources: [a, b]}\n",
	} {
		if _, err := parseEarlier([]byte(bad), current); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
