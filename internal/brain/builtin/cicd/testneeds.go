package cicd

import (
	"fmt"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
)

// ciGiveTestNeeds gives a service's CI job what its tests are given where
// they run today (stack.TestNeeds: an existing workflow job or the Compose
// service that builds it): the backing services as job service containers
// and the variables that point at them. Passwords never travel: the
// containers run without one (trust or an empty root password) and URLs
// lose theirs; credential variables the source sets are named in a note.
func ciGiveTestNeeds(c *ciSvc, job *ciJob) {
	n := c.s.TestNeeds
	if n == nil || len(n.Services) == 0 {
		return
	}
	var env []ciKV
	have := map[string]bool{}
	for _, kv := range job.Env {
		have[kv.Key] = true
	}
	put := func(kv ciKV) {
		if !have[kv.Key] {
			have[kv.Key] = true
			env = append(env, kv)
		}
	}
	for _, e := range n.Env {
		put(ciKV{Key: e.Name, Value: kit.YAMLScalar(e.Default)})
	}
	var kinds []string
	for _, ts := range n.Services {
		var senv []ciKV
		for _, e := range ts.Env {
			senv = append(senv, ciKV{Key: e.Name, Value: kit.YAMLScalar(e.Default)})
		}
		svc, jobEnv, ok := ciDBService(ts.Kind, ts.Tag, senv)
		if !ok {
			continue
		}
		job.Services = append(job.Services, svc)
		kinds = append(kinds, strings.TrimSuffix(svc.Image, ":"))
		for _, kv := range jobEnv {
			put(kv)
		}
	}
	if len(job.Services) == 0 {
		return
	}
	job.Env = append(job.Env, env...)
	note := fmt.Sprintf("%s: the tests run beside %s as %s gives them", kit.DirLabel(c.s.Dir), strings.Join(kinds, " and "), n.Source)
	if len(n.Env) > 0 {
		var names []string
		for _, e := range n.Env {
			names = append(names, e.Name)
		}
		note += fmt.Sprintf(", with %s pointing at the job's containers", strings.Join(names, ", "))
	}
	note += " (no passwords: the containers trust the job)"
	if len(n.Withheld) > 0 {
		note += fmt.Sprintf("; %s sets %s, not copied: add a test value or repository secret if the tests need it", n.Source, strings.Join(n.Withheld, ", "))
	}
	c.notes = append(c.notes, note)
}

// ciAsJobs renders a CI workflow whose jobs need job services through
// jobs.yml.tmpl, which has them; the rest of the workflow is the same.
func ciAsJobs(w ciWorkflow) cxWorkflow {
	out := cxWorkflow{
		Name:             w.Name,
		Comments:         w.Comments,
		On:               []string{"push:", "  branches: [" + w.Branch + "]", "pull_request:"},
		Group:            "${{ github.workflow }}-${{ github.ref }}",
		CancelInProgress: w.CancelInProgress,
	}
	for _, j := range w.Jobs {
		out.Jobs = append(out.Jobs, cxJob{ID: j.ID, Name: j.Name, Timeout: j.Timeout, Dir: j.Dir,
			Permissions: j.Permissions, Services: j.Services, Env: j.Env, Steps: cxFrom(j.Steps)})
	}
	return out
}
