package validate

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkPermissions requires least-privilege permissions: a missing top-level
// block is an error unless every job sets its own; write-all anywhere, or
// write scopes at the top of a workflow with several jobs (so jobs that do
// not need them get them too), are warnings.
func (wf *workflow) checkPermissions() []Finding {
	var out []Finding
	if wf.perms == nil {
		var bare []string
		for _, j := range wf.jobs {
			if k, _ := mapGet(j.node, "permissions"); k == nil {
				bare = append(bare, j.id)
			}
		}
		if len(bare) > 0 || len(wf.jobs) == 0 {
			line, col := 1, 1
			if len(wf.root.Content) > 0 {
				line, col = wf.root.Content[0].Line, wf.root.Content[0].Column
			}
			who := "every job gets"
			if len(bare) > 0 {
				who = "job(s) " + strings.Join(bare, ", ") + " get"
			}
			out = append(out, ruleWorkflowPermissions.at(wf.path, line, col,
				"no top-level permissions: block, so %s the repository's default token scopes; add permissions: {contents: read} at the top", who))
		}
	} else {
		k, _ := mapGet(wf.root, "permissions")
		if wf.perms.Kind == yaml.ScalarNode && wf.perms.Value == "write-all" {
			out = append(out, ruleWorkflowBroadPermissions.at(wf.path, k.Line, k.Column,
				"permissions: write-all grants every scope to every job; list only the scopes needed, per job"))
		} else {
			out = append(out, wf.checkTopWriteScopes()...)
		}
	}
	for _, j := range wf.jobs {
		k, v := mapGet(j.node, "permissions")
		if v != nil && v.Kind == yaml.ScalarNode && v.Value == "write-all" {
			out = append(out, ruleWorkflowBroadPermissions.at(wf.path, k.Line, k.Column,
				"job %s has permissions: write-all; list only the scopes it needs", j.id))
		}
	}
	return out
}

// scopeUsers are, per permission scope, the words in a job's uses: and
// run: text that show a job may need write on it. Scopes not listed are
// assumed needed.
var scopeUsers = map[string][]string{
	"contents": {"git push", "git tag", "git commit", "user.name", "user.email", "gh release", "gh api", "action-gh-release", "goreleaser", "git-auto-commit-action",
		"create-pull-request", "release-action", "create-release", "release-please", "semantic-release", "changesets/action",
		"github-script", "add-and-commit", "github-push-action", "jfrog/frogbot",
		// the dependency submission API (anchore/sbom-action's
		// dependency-snapshot, the *-dependency-submission actions)
		"sbom-action", "dependency-submission"},
	"packages": {"docker/login-action", "docker push", "build-push-action", "ghcr.io", "npm publish", "gh api",
		"mvn deploy", "gradle publish", "github-script"},
	"id-token": {"configure-aws-credentials", "google-github-actions/auth", "azure/login", "cosign", "actions/attest",
		"gh-action-pypi-publish", "vault-action", "--provenance", "id_token", "id-token", "gh attestation",
		"deploy-pages"},
	"pull-requests": {"create-pull-request", "gh pr", "github-script", "pull-request", "labeler", "reviewdog",
		"fetch-metadata", "release-please", "changesets/action", "gh api", "stale",
		"dependency-review-action", "jfrog/frogbot", // their pull request comments
		"lock-threads"},
	"issues":          {"gh issue", "github-script", "stale", "issue", "labeler", "gh api", "lock-threads"},
	"pages":           {"deploy-pages"},
	"security-events": {"codeql-action", "sarif", "jfrog/frogbot"},
	"attestations":    {"actions/attest", "gh attestation"},
}

// checkTopWriteScopes warns on each top-level write scope that no job
// appears to need, or that a workflow with several jobs grants to all.
// Only the jobs without a permissions: block of their own inherit it.
func (wf *workflow) checkTopWriteScopes() []Finding {
	if wf.perms == nil || wf.perms.Kind != yaml.MappingNode {
		return nil
	}
	// A job with a permissions: block of its own gets none of the top's.
	var heirs []wfJob
	for _, j := range wf.jobs {
		if k, _ := mapGet(j.node, "permissions"); k == nil {
			heirs = append(heirs, j)
		}
	}
	texts := make([]string, len(heirs))
	for i, j := range heirs {
		texts[i] = jobText(j)
	}
	var out []Finding
	for i := 0; i+1 < len(wf.perms.Content); i += 2 {
		k, v := wf.perms.Content[i], wf.perms.Content[i+1]
		if v.Value != "write" {
			continue
		}
		words, known := scopeUsers[k.Value]
		needed, callers := !known, 0
		if len(heirs) == 0 {
			out = append(out, ruleWorkflowBroadPermissions.at(wf.path, k.Line, k.Column,
				"%s: write at the top reaches no job: every job sets its own permissions; drop it", k.Value))
			continue
		}
		for i, t := range texts {
			if u, _ := scalar(heirs[i].node, "uses"); u != "" {
				// A job that calls a reusable workflow gets the caller's
				// scopes, and what the callee does is not in this file
				// (google/osv-scanner-action's uploads SARIF with the
				// security-events: write its callers grant).
				needed = true
				callers++
				continue
			}
			for _, w := range words {
				if strings.Contains(t, w) {
					needed = true
				}
			}
		}
		switch {
		case !needed:
			out = append(out, ruleWorkflowBroadPermissions.at(wf.path, k.Line, k.Column,
				"%s: write is granted at the top but no job appears to need it; use %s: read or drop it", k.Value, k.Value))
		case callers == len(heirs):
			// every job is a reusable-workflow call that may need it
		case len(heirs) > 1:
			whom := fmt.Sprintf("all %d jobs", len(heirs))
			if len(heirs) < len(wf.jobs) {
				whom = fmt.Sprintf("the %d jobs without permissions of their own", len(heirs))
			}
			out = append(out, ruleWorkflowBroadPermissions.at(wf.path, k.Line, k.Column,
				"%s: write is granted to %s; keep the top at read and grant write on the job that needs it", k.Value, whom))
		}
	}
	return out
}

// jobText is the lowercase uses: and run: text of a job, what
// checkTopWriteScopes searches for signs of a write.
func jobText(j wfJob) string {
	var b strings.Builder
	if u, _ := scalar(j.node, "uses"); u != "" {
		b.WriteString(strings.ToLower(u) + "\n")
	}
	for _, s := range j.steps {
		for _, key := range []string{"uses", "run"} {
			if v, _ := scalar(s, key); v != "" {
				b.WriteString(strings.ToLower(v) + "\n")
			}
		}
	}
	return b.String()
}
