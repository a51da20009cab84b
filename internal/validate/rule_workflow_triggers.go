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
	var out []Finding
	for _, e := range wf.events() {
		if why, ok := dangerousTriggers[e.Value]; ok && e.Kind == yaml.ScalarNode {
			out = append(out, ruleWorkflowDangerousTrigger.at(wf.path, e.Line, e.Column,
				"the %s trigger %s; use pull_request unless the job must write, and never run the fork's code", e.Value, why))
		}
	}
	return out
}

// events returns the event name nodes of on:, in any of its three forms
// (string, list, mapping).
func (wf *workflow) events() []*yaml.Node {
	switch {
	case wf.on == nil:
		return nil
	case wf.on.Kind == yaml.ScalarNode:
		return []*yaml.Node{wf.on}
	case wf.on.Kind == yaml.SequenceNode:
		return wf.on.Content
	case wf.on.Kind == yaml.MappingNode:
		var events []*yaml.Node
		for i := 0; i < len(wf.on.Content); i += 2 {
			events = append(events, wf.on.Content[i])
		}
		return events
	}
	return nil
}

// pullRequestOnly reports whether every event of the workflow is a pull
// request one.
func (wf *workflow) pullRequestOnly() bool {
	events := wf.events()
	for _, e := range events {
		if e.Value != "pull_request" && e.Value != "pull_request_target" {
			return false
		}
	}
	return len(events) > 0
}

// pushingActions are actions that push with the checkout credentials.
var pushingActions = []string{
	"stefanzweifel/git-auto-commit-action@", "EndBug/add-and-commit@", "ad-m/github-push-action@",
	"peter-evans/create-pull-request@",
}

// frogbotAction scans a pull request and comments on pull_request
// events; on others (push, schedule) it scans the repository and opens
// fix pull requests, pushing their branches.
const frogbotAction = "jfrog/frogbot@"

// checkPersistCredentials warns on actions/checkout steps that keep the token
// in .git/config in jobs that never push.
func (wf *workflow) checkPersistCredentials() []Finding {
	var out []Finding
	prOnly := wf.pullRequestOnly()
	for _, j := range wf.jobs {
		if jobPushes(j, prOnly) {
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

// gitWriteSigns in a run: script show a job that pushes: git push itself,
// or a commit identity set for a script that commits and pushes out of
// sight (microservices-demo's make-release.yaml runs make-release.sh).
var gitWriteSigns = []string{"git push", "user.name", "user.email"}

// jobPushes reports whether a job pushes commits or tags with git;
// prOnly says the workflow runs on pull request events only.
func jobPushes(j wfJob, prOnly bool) bool {
	for _, s := range j.steps {
		run, _ := scalar(s, "run")
		for _, w := range gitWriteSigns {
			if strings.Contains(run, w) {
				return true
			}
		}
		uses, _ := scalar(s, "uses")
		if strings.HasPrefix(uses, frogbotAction) && !prOnly {
			return true
		}
		for _, a := range pushingActions {
			if strings.HasPrefix(uses, a) {
				return true
			}
		}
	}
	return false
}
