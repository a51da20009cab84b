package validate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// repeatTo repeats a unit (formatted with its index) after a head until the
// input reaches n bytes.
func repeatTo(n int, head, unit string) []byte {
	var b bytes.Buffer
	b.WriteString(head)
	for i := 0; b.Len() < n; i++ {
		b.WriteString(strings.ReplaceAll(unit, "%d", fmt.Sprint(i)))
	}
	return b.Bytes()
}

// laughs is a "billion laughs" YAML document: nine levels of aliases, each
// naming the one before ten times.
func laughs(key string) []byte {
	var b strings.Builder
	b.WriteString("x0: &a0 [\"lol\"]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	b.WriteString(key + ": *a9\n")
	return []byte(b.String())
}

// TestHugeInputs feeds each checker 5 MB inputs, both large valid files and
// deeply nested garbage, and checks that it returns in time without
// crashing.
func TestHugeInputs(t *testing.T) {
	if raceEnabled {
		t.Skip("huge inputs take minutes under -race; .ci/run runs this test without it")
	}
	if testing.Short() {
		t.Skip("slow: 5 MB inputs")
	}
	const size = MaxFileSize
	cases := []struct {
		name  string
		check checker
		path  string
		input []byte
	}{
		{"compose-many", checkCompose, "compose.yaml", repeatTo(size, "services:\n", "  s%d:\n    image: nginx:1.27\n    privileged: true\n")},
		{"compose-1MiB", checkCompose, "compose.yaml", repeatTo(composeMaxBytes-64, "services:\n", "  s%d:\n    image: nginx:1.27\n")},
		{"compose-laughs", checkCompose, "compose.yaml", laughs("services")},
		{"k8s-laughs", checkKubernetes, "k8s/cm.yaml", laughs("apiVersion: v1\nkind: ConfigMap\ndata")},
		{"compose-nested", checkCompose, "compose.yaml", []byte("services: " + strings.Repeat("[", size))},
		{"terraform-many", checkTerraform, "main.tf", repeatTo(size, "", "resource \"aws_ebs_volume\" \"v%d\" {\n  size = 1\n}\n\n")},
		{"terraform-nested", checkTerraform, "main.tf", []byte("a = " + strings.Repeat("(", size))},
		{"terraform-nested-blocks", checkTerraform, "main.tf", []byte(strings.Repeat("a {\n", size/4))},
		{"k8s-many", checkKubernetes, "k8s/app.yaml", repeatTo(size, "", "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p%d\nspec:\n  containers:\n    - name: c\n      image: nginx\n")},
		{"k8s-nested", checkKubernetes, "k8s/app.yaml", []byte("apiVersion: v1\nkind: Pod\nspec: " + strings.Repeat("{a: ", size/4))},
		{"prom-many", checkPrometheus, "rules.yml", repeatTo(size, "groups:\n  - name: g\n    rules:\n", "      - alert: A%d\n        expr: up == 0\n")},
		{"prom-nested", checkPrometheus, "rules.yml", []byte("groups: " + strings.Repeat("- ", size/2))},
		{"json-nested", checkJSON, "x.json", []byte(strings.Repeat("[", size))},
		{"yaml-nested", checkYAML, "x.yaml", []byte(strings.Repeat("[", size))},
		{"toml-nested", checkTOML, "x.toml", []byte("a = " + strings.Repeat("[", size))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			fs := safeRun(c.check, c.path, c.input)
			took := time.Since(start)
			t.Logf("%s: %d bytes, %d findings, %v", c.name, len(c.input), len(fs), took.Round(time.Millisecond))
			for _, f := range fs {
				if f.Rule == ruleInternal.ID {
					t.Errorf("checker crashed: %s", f.Message)
				}
			}
		})
	}
}
