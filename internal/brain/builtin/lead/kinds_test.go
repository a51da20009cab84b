package lead

import (
	"context"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// TestPlanByKind: only services and workers get images and deployments
// unless the request names the unit; test fixtures and examples are never
// the product; a repository in a language the specialists cannot build is
// named plainly.
func TestPlanByKind(t *testing.T) {
	cli := stack.Service{Name: "gh", Dir: ".", Language: stack.Go, Mains: []string{"./cmd/gh"}, Kind: stack.KindCLI, KindReason: "a main package that serves nothing"}
	lib := stack.Service{Name: "sdk", Dir: "sdk", Language: stack.Go, Kind: stack.KindLibrary, KindReason: "no main package"}
	api := stack.Service{Name: "api", Dir: "api", Language: stack.Go, Mains: []string{"."}, Port: 8080, Kind: stack.KindService, KindReason: "ListenAndServe in main.go"}
	ex := stack.Service{Name: "demo", Dir: "examples/demo", Language: stack.Go, Mains: []string{"."}, Port: 8081, Kind: stack.KindExample, KindReason: "under examples/"}
	tests := []struct {
		name      string
		repo      *stack.Repo
		req       string
		modes     []string // the plan's task modes, in order
		services  map[string][]string
		declined  string // a part of a Declined entry
		question  string // a part of a question; the plan then has no tasks
		notes     string // a part of a note
		noteAbsnt string
	}{
		{name: "a CLI gets CI, not an image", repo: &stack.Repo{Services: []stack.Service{cli}},
			req: "containerize this service and add CI", modes: []string{kit.CICDMode},
			declined: "a container image: the repository has no service or worker to run (the repository root is a cli (a main package that serves nothing))"},
		{name: "a CLI is not deployed", repo: &stack.Repo{Services: []stack.Service{cli}},
			req: "deploy it to Cloud Run with Terraform", question: "I found no service or worker to containerize or deploy: the repository root is a cli"},
		{name: "naming the CLI containerizes it", repo: &stack.Repo{Services: []stack.Service{cli, api}},
			req: "containerize gh", modes: []string{kit.ContainerMode}, services: map[string][]string{kit.TaskContainer: {"."}}},
		{name: "the service, not the library or the example", repo: &stack.Repo{Services: []stack.Service{api, ex, lib}},
			req: "containerize this service", modes: []string{kit.ContainerMode}, services: map[string][]string{kit.TaskContainer: {"api"}},
			notes: "left alone: sdk is a library (no main package)", noteAbsnt: "examples/demo"},
		{name: "CI covers the library but not the example", repo: &stack.Repo{Services: []stack.Service{api, ex, lib}},
			req: "add CI", modes: []string{kit.CICDMode}, services: map[string][]string{kit.TaskCI: {"api", "sdk"}}},
		{name: "a library named like the tool is not named by the request", repo: &stack.Repo{Services: []stack.Service{
			{Name: "terratest", Dir: ".", Language: stack.Go, Kind: stack.KindLibrary, KindReason: "no main package"},
			{Name: "terraform", Dir: "modules/terraform", Language: stack.Go, Kind: stack.KindLibrary, KindReason: "no main package"}}},
			req: "deploy it to Cloud Run with Terraform", question: "I found no service or worker to containerize or deploy"},
		{name: "an OCaml repository is named", repo: &stack.Repo{Services: []stack.Service{}, Unsupported: []stack.Unsupported{{Dir: ".", Language: "ocaml", Manifest: "dune-project"}}},
			req: "add CI and containerize it", declined: "CI that builds and tests it (dune build @runtest), a Dockerfile: the repository is written in OCaml (dune-project), which the built-in specialists cannot build"},
		{name: "an unsupported unit beside a service is noted", repo: &stack.Repo{Services: []stack.Service{api}, Unsupported: []stack.Unsupported{{Dir: "cart", Language: "dotnet", Manifest: "cart.csproj"}}},
			req: "containerize this service", modes: []string{kit.ContainerMode}, notes: "not built by the built-in specialists: .NET (cart/cart.csproj)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := kittest.New().Plan(context.Background(), engine.PlanInput{Issue: engine.Issue{Title: tt.req}, Repo: tt.repo})
			if err != nil {
				t.Fatal(err)
			}
			var modes []string
			for _, task := range p.Tasks {
				modes = append(modes, task.Mode)
				if want, ok := tt.services[task.ID]; ok && strings.Join(task.Services, ",") != strings.Join(want, ",") {
					t.Errorf("task %s covers %v, want %v", task.ID, task.Services, want)
				}
			}
			if strings.Join(modes, ",") != strings.Join(tt.modes, ",") {
				t.Errorf("modes %v, want %v (questions %q, declined %q)", modes, tt.modes, p.Questions, p.Declined)
			}
			all := func(ss []string) string { return strings.Join(ss, "\n") }
			if tt.declined != "" && !strings.Contains(all(p.Declined), tt.declined) {
				t.Errorf("declined %q, want a part %q", p.Declined, tt.declined)
			}
			if tt.question != "" && (!strings.Contains(all(p.Questions), tt.question) || len(p.Tasks) > 0) {
				t.Errorf("questions %q with %d task(s), want only a question with %q", p.Questions, len(p.Tasks), tt.question)
			}
			if tt.notes != "" && !strings.Contains(all(p.Notes), tt.notes) {
				t.Errorf("notes %q, want a part %q", p.Notes, tt.notes)
			}
			if tt.noteAbsnt != "" && strings.Contains(all(p.Notes), tt.noteAbsnt) {
				t.Errorf("notes %q name %q", p.Notes, tt.noteAbsnt)
			}
		})
	}
}

func TestDescribeKinds(t *testing.T) {
	got := describeKinds([]stack.Service{{Dir: ".", Kind: stack.KindAction, KindReason: "action.yml"}, {Dir: "lib", Kind: stack.KindLibrary}})
	if want := "the repository root is an action (action.yml); lib is a library"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A unit the repository already builds from docker/Dockerfile gets no
// second Dockerfile; a development Dockerfile does not count.
func TestPlanKeepsDockerfileElsewhere(t *testing.T) {
	api := stack.Service{Name: "api", Dir: ".", Language: stack.Go, Mains: []string{"."}, Port: 80, Kind: stack.KindService}
	for _, tc := range []struct {
		dockerfiles []string
		container   bool
		note        string
	}{
		{[]string{"docker/Dockerfile"}, false, "docker/Dockerfile already builds the repository root: it is kept"},
		{[]string{"Dockerfile.prod"}, false, "Dockerfile.prod already builds"},
		{[]string{"docker/Dockerfile.dev"}, true, ""},
		{nil, true, ""},
	} {
		repo := &stack.Repo{Services: []stack.Service{api}, Artifacts: stack.Artifacts{Dockerfiles: tc.dockerfiles}}
		p, err := kittest.New().Plan(context.Background(), engine.PlanInput{Issue: engine.Issue{Title: "containerize this service"}, Repo: repo})
		if err != nil {
			t.Fatal(err)
		}
		if got := kittest.Task(p, kit.TaskContainer) != nil; got != tc.container {
			t.Errorf("%v: container task %v, want %v (notes %q)", tc.dockerfiles, got, tc.container, p.Notes)
		}
		if tc.note != "" && !strings.Contains(strings.Join(p.Notes, "\n"), tc.note) {
			t.Errorf("%v: notes %q lack %q", tc.dockerfiles, p.Notes, tc.note)
		}
		if !tc.container && !strings.HasPrefix(p.Summary, "Nothing to change") {
			t.Errorf("%v: summary %q", tc.dockerfiles, p.Summary)
		}
	}
}
