package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// realPayload is an issues.labeled document shaped like GitHub's: the
// issue, its labels and user, the repository with its owner and the
// dozens of API URLs GitHub sends, the organization, the sender and the
// installation, the issue body written from a word list, padded to size
// bytes. Unlike payload (one repeated byte), it compresses about as a
// real delivery does (PostgreSQL's lz4 keeps a few KB of it, which then
// goes to TOAST), so the stores see realistic bytes.
func realPayload(size, issue int) []byte {
	const owner, repo = "acme", "api"
	api := "https://api.github.com"
	user := func(login string, id int, kind string) map[string]any {
		u := api + "/users/" + login
		return map[string]any{
			"login": login, "id": id, "node_id": fmt.Sprintf("MDQ6VXNlcj%07d", id),
			"avatar_url": fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", id), "gravatar_id": "",
			"url": u, "html_url": "https://github.com/" + login, "followers_url": u + "/followers",
			"following_url": u + "/following{/other_user}", "gists_url": u + "/gists{/gist_id}",
			"starred_url": u + "/starred{/owner}{/repo}", "subscriptions_url": u + "/subscriptions",
			"organizations_url": u + "/orgs", "repos_url": u + "/repos", "events_url": u + "/events{/privacy}",
			"received_events_url": u + "/received_events", "type": kind, "user_view_type": "public", "site_admin": false,
		}
	}
	label := map[string]any{"id": 208045946, "node_id": "MDU6TGFiZWwyMDgwNDU5NDY=",
		"url": api + "/repos/" + owner + "/" + repo + "/labels/devops", "name": "devops", "color": "0e8a16",
		"default": false, "description": "Work for the DevOps lead"}
	r := api + "/repos/" + owner + "/" + repo
	repository := map[string]any{
		"id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": repo, "full_name": owner + "/" + repo,
		"private": false, "owner": user(owner, 1342004, "Organization"), "html_url": "https://github.com/" + owner + "/" + repo,
		"description": "The API service", "fork": false, "url": r,
	}
	for _, k := range []string{"forks", "keys{/key_id}", "collaborators{/collaborator}", "teams", "hooks",
		"issues/events{/number}", "events", "assignees{/user}", "branches{/branch}", "tags", "git/blobs{/sha}",
		"git/tags{/sha}", "git/refs{/sha}", "git/trees{/sha}", "statuses/{sha}", "languages", "stargazers",
		"contributors", "subscribers", "subscription", "commits{/sha}", "git/commits{/sha}", "comments{/number}",
		"issues/comments{/number}", "contents/{+path}", "compare/{base}...{head}", "merges", "{archive_format}{/ref}",
		"downloads", "issues{/number}", "pulls{/number}", "milestones{/number}", "notifications{?since,all,participating}",
		"labels{/name}", "releases{/id}", "deployments"} {
		name := strings.NewReplacer("/", "_", "{", "", "}", "", "+", "", "?", "", ",", "_", ".", "").Replace(k)
		name = strings.SplitN(name, "_", 2)[0]
		repository[name+"_url"] = r + "/" + k
	}
	for k, v := range map[string]any{
		"created_at": "2011-01-26T19:01:12Z", "updated_at": "2026-11-30T08:12:40Z", "pushed_at": "2026-12-01T09:30:02Z",
		"git_url": "git://github.com/" + owner + "/" + repo + ".git", "ssh_url": "git@github.com:" + owner + "/" + repo + ".git",
		"clone_url": "https://github.com/" + owner + "/" + repo + ".git", "svn_url": "https://github.com/" + owner + "/" + repo,
		"homepage": "https://" + owner + ".example", "size": 108, "stargazers_count": 80, "watchers_count": 80,
		"language": "Go", "has_issues": true, "has_projects": true, "has_downloads": true, "has_wiki": true,
		"has_pages": false, "has_discussions": false, "forks_count": 9, "mirror_url": nil, "archived": false,
		"disabled": false, "open_issues_count": 2, "license": nil, "allow_forking": true, "is_template": false,
		"web_commit_signoff_required": false, "topics": []string{"api", "go"}, "visibility": "public",
		"forks": 9, "open_issues": 2, "watchers": 80, "default_branch": "main",
	} {
		repository[k] = v
	}
	iu := r + "/issues/" + fmt.Sprint(issue)
	rng := rand.New(rand.NewPCG(uint64(issue), 7))
	words := strings.Fields(`the service needs a pipeline that builds tests and ships the container image on every
		pull request please add deployment to staging with health checks and rollback when probes fail we also
		want metrics alerts for latency errors saturation and a runbook the database migrations run before the
		new version starts secrets come from the vault never from the repository terraform state lives in a
		bucket with locking kubernetes manifests should set requests limits and a non root user`)
	issueDoc := map[string]any{
		"url": iu, "repository_url": r, "labels_url": iu + "/labels{/name}", "comments_url": iu + "/comments",
		"events_url": iu + "/events", "html_url": "https://github.com/" + owner + "/" + repo + "/issues/" + fmt.Sprint(issue),
		"id": 1000000 + issue, "node_id": fmt.Sprintf("I_kwDOABR%06d", issue), "number": issue,
		"title": "Add CI and deploy the API", "user": user("alice", 583231, "User"), "labels": []any{label},
		"state": "open", "locked": false, "assignee": nil, "assignees": []any{}, "milestone": nil, "comments": 0,
		"created_at": eventTime, "updated_at": eventTime, "closed_at": nil, "author_association": "MEMBER",
		"active_lock_reason": nil, "timeline_url": iu + "/timeline", "performed_via_github_app": nil,
		"state_reason": nil, "sub_issues_summary": map[string]int{"total": 0, "completed": 0, "percent_completed": 0},
		"reactions": map[string]any{"url": iu + "/reactions", "total_count": 0, "+1": 0, "-1": 0, "laugh": 0,
			"hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0},
	}
	doc := map[string]any{
		"action": "labeled", "issue": issueDoc, "label": label, "repository": repository,
		"organization": map[string]any{"login": owner, "id": 1342004, "url": api + "/orgs/" + owner,
			"repos_url": api + "/orgs/" + owner + "/repos", "events_url": api + "/orgs/" + owner + "/events",
			"hooks_url": api + "/orgs/" + owner + "/hooks", "issues_url": api + "/orgs/" + owner + "/issues",
			"members_url": api + "/orgs/" + owner + "/members{/member}", "public_members_url": api + "/orgs/" + owner + "/public_members{/member}",
			"avatar_url": "https://avatars.githubusercontent.com/u/1342004?v=4", "description": ""},
		"sender":       user("alice", 583231, "User"),
		"installation": map[string]any{"id": 42, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI="},
	}
	issueDoc["body"] = ""
	base, _ := json.Marshal(doc)
	var body strings.Builder
	for body.Len() < size-len(base) {
		body.WriteString(words[rng.IntN(len(words))])
		if rng.IntN(12) == 0 {
			body.WriteString(".\n")
		} else {
			body.WriteByte(' ')
		}
	}
	issueDoc["body"] = body.String()
	out, _ := json.Marshal(doc)
	return out
}
