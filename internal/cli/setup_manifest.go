package cli

// What the App asks GitHub for, in one place: `devops-lead setup` puts
// exactly these in the App manifest, and a test checks that
// docs/github-app.md lists exactly these. They follow what the code
// calls (internal/github, internal/app) and the events the webhook
// intake routes (internal/webhook); installation events come to every
// App without a subscription.

// appGrant is one repository permission or webhook event and why the
// App needs it.
type appGrant struct {
	Name   string // the manifest's name for it
	Access string // "read" or "write" for a permission; "" for an event
	Why    string
}

// appPermissions are the repository permissions in the manifest.
var appPermissions = []appGrant{
	{"checks", "write", "the devops-lead/validate check run on pull requests (without it, a sticky comment)"},
	{"contents", "write", "read the repository, push each task's branch and commits"},
	{"issues", "write", "the plan comment, sub-issues, labels and reactions"},
	{"metadata", "read", "repository metadata and who may command the lead (collaborator permissions)"},
	{"pull_requests", "write", "open, update and request reviews on each task's pull request, read its reviews"},
	{"workflows", "write", "commit files under .github/workflows (the CI tasks); without it they are only suggested on the sub-issue"},
}

// appEvents are the webhook events in the manifest.
var appEvents = []appGrant{
	{"issues", "", "the trigger label"},
	{"issue_comment", "", "/devops commands on issues and pull requests"},
	{"pull_request", "", "a task's pull request closed, merged or reopened; pull requests opened or pushed to, checked when the repository enables it"},
	{"pull_request_review", "", "reviews that request changes revise the pull request"},
	{"pull_request_review_comment", "", "line comments, read with their review"},
}

// manifestPermissions is appPermissions as the manifest's
// default_permissions.
func manifestPermissions() map[string]string {
	m := make(map[string]string, len(appPermissions))
	for _, p := range appPermissions {
		m[p.Name] = p.Access
	}
	return m
}

// manifestEvents is appEvents as the manifest's default_events.
func manifestEvents() []string {
	out := make([]string, len(appEvents))
	for i, e := range appEvents {
		out[i] = e.Name
	}
	return out
}
