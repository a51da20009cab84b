package app

import (
	"fmt"
	"regexp"
)

// actionsBot is the login of a workflow's GITHUB_TOKEN, which GitHub never
// lets create or change workflow files.
const actionsBot = "github-actions[bot]"

// refusedWorkflow finds the workflow file named in GitHub's refusal
// ("refusing to allow a GitHub App to create or update workflow
// `.github/workflows/ci.yml` without `workflows` permission").
var refusedWorkflow = regexp.MustCompile("workflow `([^`]+)`")

// workflowRefusal says which workflow file GitHub refused to write and
// what to change for the token devops-lead acts with (known by its
// login), then what to do next.
func workflowRefusal(bot string, err error, then string) string {
	path := ".github/workflows/"
	if err != nil {
		if m := refusedWorkflow.FindStringSubmatch(err.Error()); m != nil {
			path = m[1]
		}
	}
	if bot == actionsBot {
		return fmt.Sprintf("GitHub refused to write `%s` with this token: the default GITHUB_TOKEN cannot create or change workflow files. "+
			"Pass an App installation token (actions/create-github-app-token) or a fine-grained PAT with Workflows: write as `github-token`, "+
			"set `bot-login`, then %s.", path, then)
	}
	return fmt.Sprintf("GitHub refused to write `%s` with this token: it may not create or change workflow files. "+
		"Give the GitHub App the Workflows: read and write permission (and accept it on the installation), "+
		"or pass a fine-grained PAT with Workflows: write (a classic one with the `workflow` scope) as the Action's `github-token`; then %s.", path, then)
}
