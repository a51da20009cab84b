package builtin

import (
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// Each specialist run on its own committed output changes nothing.
func TestInfraSpecialistsIdempotent(t *testing.T) {
	repo := &stack.Repo{Services: []stack.Service{kittest.K8sGoAPI, kittest.K8sNodeWeb}}
	for _, tc := range []struct {
		mode   string
		params map[string]string
	}{
		{kit.KubernetesMode, map[string]string{"autoscaling": "true", "ingress": "true", "kustomize": "true"}},
		{kit.KubernetesMode, map[string]string{"dir": "deploy"}},
		{kit.MonitoringMode, map[string]string{"target": "kubernetes", "dashboard": "true"}},
		{kit.MonitoringMode, map[string]string{"target": "prometheus", "dashboard": "true"}},
		{kit.MonitoringMode, map[string]string{"alerts": "service,postgres,node,http"}},
		{kit.MonitoringMode, map[string]string{"target": "kubernetes", "alerts": "http,postgres"}},
		{kit.WorkerMode, map[string]string{"name": "edge", "bindings": "kv:CACHE"}},
	} {
		first := kittest.Work(t, tc.mode, engine.Task{ID: "x", Params: tc.params}, repo, fstest.MapFS{})
		fsys := fstest.MapFS{}
		for _, f := range first.Files {
			fsys[f.Path] = &fstest.MapFile{Data: f.Content}
		}
		again := kittest.Work(t, tc.mode, engine.Task{ID: "x", Params: tc.params}, repo, fsys)
		if !again.Empty() {
			t.Errorf("%s %v: a second run writes %v", tc.mode, tc.params, again.Paths())
		}
	}
}
