package builtin

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// TestInfraEndToEnd plans AWS requests with real stack detection and
// runs every task through the engine and its gate.
func TestInfraEndToEnd(t *testing.T) {
	fsys := fstest.MapFS{
		"go.mod":           {Data: []byte("module example.com/shop\n\ngo 1.24\n\nrequire github.com/jackc/pgx/v5 v5.7.1\n")},
		"go.sum":           {Data: []byte("")},
		"cmd/shop/main.go": {Data: []byte("package main\n\nimport \"net/http\"\n\nfunc main() { http.ListenAndServe(\":8081\", nil) }\n")},
	}
	for _, title := range []string{
		"Deploy this API to AWS with a Postgres database and an S3 bucket for uploads",
		"We need an S3 bucket for uploads",
		"Host the shop on AWS App Runner",
		"Deploy the shop to Cloud Run with Postgres and a GCS bucket for uploads",
		"Host the shop on Azure Container Apps with Postgres and storage for uploads",
		"Run the shop on ECS Fargate with Postgres and an S3 bucket for uploads",
		"Run the shop on EKS with Postgres and an S3 bucket for uploads",
		"Run the shop on GKE with autoscaling, Postgres and a GCS bucket for uploads",
		"Run the shop on AKS with kustomize overlays, Postgres and storage for uploads",
	} {
		t.Run(title, func(t *testing.T) {
			e := &engine.Engine{Brain: New(), Modes: kittest.DefaultModes(t)}
			issue := engine.Issue{Title: title}
			p, repo, err := e.Plan(context.Background(), issue, fsys)
			if err != nil {
				t.Fatal(err)
			}
			if kittest.Task(p, kit.TaskInfra) == nil || kittest.Task(p, kit.TaskArchitect) == nil || kittest.Task(p, kit.TaskTerraform) == nil {
				t.Fatalf("tasks = %q (declined %q, questions %q)", kittest.TaskIDs(p), p.Declined, p.Questions)
			}
			res, err := e.Work(context.Background(), issue, p, repo, fsys)
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range res.Tasks {
				if tr.Status != engine.StatusDone {
					t.Fatalf("task %s: %s %s %v", tr.Task.ID, tr.Status, tr.Error, tr.Findings)
				}
				for _, f := range tr.Findings {
					t.Errorf("task %s finding: %s", tr.Task.ID, f)
				}
				switch tr.Task.ID {
				case kit.TaskInfra:
					kittest.InfraGate(t, kit.InfraMode, tr.ChangeSet)
					kittest.LoadRoot(t, tr.ChangeSet, tr.Task.Params["dir"], nil)
					for _, f := range tr.Task.Files {
						if tr.ChangeSet.Get(f) == nil {
							t.Errorf("planned file %s was not written", f)
						}
					}
				case kit.TaskTerraform, kit.TaskDeploy:
					kittest.InfraGate(t, kit.CICDMode, tr.ChangeSet)
					if len(tr.ChangeSet.Files) != 1 || tr.ChangeSet.Get(tr.Task.Files[0]) == nil {
						t.Errorf("task %s wrote %v, planned %v", tr.Task.ID, tr.ChangeSet.Paths(), tr.Task.Files)
					}
				case kit.TaskK8s:
					kittest.InfraGate(t, kit.KubernetesMode, tr.ChangeSet)
				case kit.TaskArchitect:
					kittest.InfraGate(t, tr.Task.Mode, tr.ChangeSet)
					doc := tr.ChangeSet.Get(tr.Task.Files[0])
					if doc == nil || !strings.Contains(string(doc.Content), "## Resources") {
						t.Errorf("no design note: %v", tr.ChangeSet.Paths())
					}
				}
			}
		})
	}
}
