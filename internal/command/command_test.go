package command

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		body    string
		want    *Command
		errPart string
	}{
		{"just a comment", nil, ""},
		{"I think /devops plan is neat", nil, ""},
		{"/devops plan", &Command{Name: Plan}, ""},
		{"  \n/DevOps PLAN use ECS, not EKS\nand Postgres 16", &Command{Name: Plan, Instructions: "use ECS, not EKS\nand Postgres 16"}, ""},
		{"/devops apply", &Command{Name: Apply}, ""},
		{"/devops status", &Command{Name: Status}, ""},
		{"/devops retry", &Command{Name: Retry}, ""},
		{"/devops retry ci", &Command{Name: Retry, Task: "ci"}, ""},
		{"/devops cancel", &Command{Name: Cancel}, ""},
		{"/devops help", &Command{Name: Help}, ""},
		{"/devops revise add autoscaling\nand an ingress", &Command{Name: Revise, Instructions: "add autoscaling\nand an ingress"}, ""},
		{"/devops revise", &Command{Name: Revise}, ""},
		{"/devops revse add HPA", nil, "Did you mean `/devops revise`?"},
		{"/devops plan -- --odd instructions", &Command{Name: Plan, Instructions: "-- --odd instructions"}, ""},
		{"/devops", nil, "needs a command"},
		{"/devops aply", nil, "Did you mean `/devops apply`?"},
		{"/devops plna", nil, "Did you mean `/devops plan`?"},
		{"/devops deploy", nil, "not a devops-lead command"},
		{"/devops apply --force", nil, "unknown flag `--force`"},
		{"/devops plan -v", nil, "unknown flag `-v`"},
		{"/devops apply now", nil, "takes no arguments"},
		{"/devops retry a b", nil, "at most one task"},
	}
	for _, c := range cases {
		got, err := Parse(c.body)
		if c.errPart != "" {
			e, ok := err.(*Error)
			if !ok || !strings.Contains(e.Msg, c.errPart) || !strings.Contains(e.Usage, "/devops plan") {
				t.Errorf("%q: err = %v, want one containing %q with usage", c.body, err, c.errPart)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.body, err)
			continue
		}
		if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("%q: got %+v, want %+v", c.body, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"/devops plan x", "/devops", "/devops retry a", "\n\n/devops apply --x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c, err := Parse(body)
		if c != nil && err != nil {
			t.Fatal("both a command and an error")
		}
	})
}
