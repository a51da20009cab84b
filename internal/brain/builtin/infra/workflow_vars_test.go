package infra

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// TestTerraformWorkflowSetsRequiredVariables renders every root shape the
// lead plans and the Terraform workflow for it: each variable the root
// declares without a default must be given to plan and apply as TF_VAR_*,
// or the workflow's non-interactive plan would fail.
func TestTerraformWorkflowSetsRequiredVariables(t *testing.T) {
	for cloud, computes := range ComputesOf {
		for _, compute := range append([]string{""}, computes...) {
			for _, extra := range []map[string]string{{}, {"bucket": "true"}, {"bucket": "true", "database": "postgres"}} {
				if compute == "" && extra["database"] != "" {
					continue // a database needs a service
				}
				params := map[string]string{"cloud": cloud, "name": "shop", "compute": compute}
				for k, v := range extra {
					params[k] = v
				}
				if compute == "" && extra["bucket"] == "" {
					continue // nothing to create
				}
				cs, err := infraWork(t, params, fstest.MapFS{})
				if err != nil {
					t.Fatalf("%v: %v", params, err)
				}
				mod := kittest.LoadRoot(t, cs, "infra", nil)
				wf := map[string]string{"workflows": "terraform", "cloud": cloud, "infra_dir": "infra", "compute": compute, "bucket": extra["bucket"]}
				in := engine.WorkInput{Task: engine.Task{ID: kit.TaskTerraform, Mode: kit.CICDMode, Params: wf}, Repo: &stack.Repo{}, Workspace: fstest.MapFS{}}
				out, err := cicd.Work(context.Background(), in)
				if err != nil {
					t.Fatalf("%v: %v", wf, err)
				}
				text := string(out.Get(cicd.TerraformWorkflowPath).Content)
				for name, v := range mod.Variables {
					if v.Required && !strings.Contains(text, "TF_VAR_"+name+":") {
						t.Errorf("%v: variable %s has no default and the Terraform workflow does not set TF_VAR_%s", params, name, name)
					}
				}
			}
		}
	}
}
