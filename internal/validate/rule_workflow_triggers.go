package validate

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// dangerousTriggers run with the base repository's secrets and a write token
// on events that forks control.
var dangerousTriggers = map[string]string{
	"pull_request_target": "runs with secrets and a write token on pull requests from forks",
	"workflow_run":        "runs with secrets after a workflow that forks can trigger",
}

// checkTriggers warns on pull_request_target and workflow_run in on:, in
// any of its three forms (string, list, mapping).
func (wf *workflow) checkTriggers() []Finding {
	var events []*yaml.Node
	switch {
	case wf.on == nil:
		return nil
	case wf.on.Kind == yaml.ScalarNode:
		events = []*yaml.Node{wf.on}
	case wf.on.Kind == yaml.SequenceNode:
		events = wf.on.Content
	case wf.on.Kind == yaml.MappingNode:
		for i := 0; i < len(wf.on.Content); i += 2 {
			events = append(events, wf.on.Content[i])
		}
	}
	var out []Finding
	for _, e := range events {
		if why, ok := dangerousTriggers[e.Value]; ok && e.Kind == yaml.ScalarNode {
			out = append(out, ruleWorkflowDangerousTrigger.at(wf.path, e.Line, e.Column,
				"the %s trigger %s; use pull_request unless the job must write, and never run the fork's code", e.Value, why))
		}
	}
	return out
}

// pushingActions are actions that push with the checkout credentials.
var pushingActions = []string{
	"stefanzweifel/git-auto-commit-action@", "EndBug/add-and-commit@", "ad-m/github-push-action@",
	"peter-evans/create-pull-request@",
	// Frogbot's scan-repository mode (a push event) opens fix pull
	// requests, pushing their branches.
	"jfrog/frogbot@",
}

// checkPersistCredentials warns on actions/checkout steps that keep the token
// in .git/config in jobs that never push.
func (wf *workflow) checkPersistCredentials() []Finding {
	var out []Finding
	for _, j := range wf.jobs {
		if jobPushes(j) {
			continue
		}
		for _, s := range j.steps {
			uses, n := scalar(s, "uses")
			if n == nil || !strings.HasPrefix(uses, "actions/checkout@") {
				continue
			}
			_, with := mapGet(s, "with")
			if v, _ := scalar(with, "persist-credentials"); v == "false" {
				continue
			}
			out = append(out, ruleWorkflowPersistCredentials.at(wf.path, n.Line, n.Column,
				"job %s checks out with the token persisted in .git/config and never pushes; add with: persist-credentials: false", j.id))
		}
	}
	return out
}

// jobPushes reports whether a job pushes commits or tags with git.
func jobPushes(j wfJob) bool {
	for _, s := range j.steps {
		if run, _ := scalar(s, "run"); strings.Contains(run, "git push") {
			return true
		}
		uses, _ := scalar(s, "uses")
		for _, a := range pushingActions {
			if strings.HasPrefix(uses, a) {
				return true
			}
		}
	}
	return false
}
