package githubtest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (s *Server) routes(mux *router) {
	s.handle(mux, "POST /app/installations/{id}/access_tokens", authApp, s.createToken)
	s.handle(mux, "GET /repos/{owner}/{repo}", authInstallation, s.getRepo)
	s.handle(mux, "GET /repos/{owner}/{repo}/collaborators/{user}/permission", authInstallation, s.getPermission)

	s.handle(mux, "GET /repos/{owner}/{repo}/issues", authInstallation, s.listIssues)
	s.handle(mux, "POST /repos/{owner}/{repo}/issues", authInstallation, s.createIssue)
	s.handle(mux, "GET /repos/{owner}/{repo}/issues/{number}", authInstallation, s.getIssue)
	s.handle(mux, "PATCH /repos/{owner}/{repo}/issues/{number}", authInstallation, s.editIssue)
	s.handle(mux, "POST /repos/{owner}/{repo}/issues/{number}/labels", authInstallation, s.addLabels)
	s.handle(mux, "DELETE /repos/{owner}/{repo}/issues/{number}/labels/{name}", authInstallation, s.removeLabel)
	s.handle(mux, "GET /repos/{owner}/{repo}/labels/{name}", authInstallation, s.getLabel)
	s.handle(mux, "POST /repos/{owner}/{repo}/labels", authInstallation, s.createLabel)

	s.handle(mux, "GET /repos/{owner}/{repo}/issues/{number}/comments", authInstallation, s.listComments)
	s.handle(mux, "POST /repos/{owner}/{repo}/issues/{number}/comments", authInstallation, s.createComment)
	s.handle(mux, "GET /repos/{owner}/{repo}/issues/comments/{id}", authInstallation, s.getComment)
	s.handle(mux, "PATCH /repos/{owner}/{repo}/issues/comments/{id}", authInstallation, s.editComment)
	s.handle(mux, "POST /repos/{owner}/{repo}/issues/comments/{id}/reactions", authInstallation, s.reactComment)
	s.handle(mux, "POST /repos/{owner}/{repo}/issues/{number}/reactions", authInstallation, s.reactIssue)

	s.handle(mux, "GET /repos/{owner}/{repo}/issues/{number}/sub_issues", authInstallation, s.listSubIssues)
	s.handle(mux, "POST /repos/{owner}/{repo}/issues/{number}/sub_issues", authInstallation, s.addSubIssue)

	s.gitRoutes(mux)
	s.pullRoutes(mux)
	s.appRoutes(mux)
	s.hookRoutes(mux)
	s.checkRoutes(mux)
}

func (s *Server) createToken(r *http.Request) (int, any) {
	id, err := pathInt64(r, "id")
	if err != nil {
		return apiError(http.StatusNotFound, err.Error())
	}
	known := false
	for _, repo := range s.repos {
		if repo.Installation == id {
			known = true
		}
	}
	if !known {
		return notFound()
	}
	if r.ContentLength > 0 {
		var body struct {
			Repositories  []string          `json:"repositories"`
			RepositoryIDs []int64           `json:"repository_ids"`
			Permissions   map[string]string `json:"permissions"`
		}
		if !s.decode(r, &body) {
			return validation("malformed body")
		}
	}
	tok := "ghs_test" + strconv.FormatInt(s.id(), 10)
	s.tokens[tok] = id
	return http.StatusCreated, map[string]any{"token": tok, "expires_at": s.now().Add(time.Hour).UTC().Format(time.RFC3339)}
}

func (s *Server) user(login string) map[string]any {
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	return map[string]any{"login": login, "id": len(login) + 1, "type": typ}
}

func (s *Server) repoJSON(r *Repo) map[string]any {
	return map[string]any{"id": r.ID, "name": r.Name, "full_name": r.Owner + "/" + r.Name,
		"owner": s.user(r.Owner), "default_branch": r.DefaultBranch, "private": false,
		"html_url": "https://github.com/" + r.Owner + "/" + r.Name}
}

func (s *Server) getRepo(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	return http.StatusOK, s.repoJSON(repo)
}

func (s *Server) getPermission(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	login := r.PathValue("user")
	perm, ok := repo.Permissions[login]
	if !ok {
		perm = "none"
	}
	// GitHub reports maintain as write and triage as read in
	// "permission", with the exact role in role_name.
	legacy := perm
	switch perm {
	case "maintain":
		legacy = "write"
	case "triage":
		legacy = "read"
	}
	return http.StatusOK, map[string]any{"permission": legacy, "role_name": perm, "user": s.user(login)}
}

func (s *Server) issueJSON(repo *Repo, is *Issue) map[string]any {
	labels := []map[string]any{}
	for _, l := range is.Labels {
		lb := repo.Labels[l]
		if lb == nil {
			lb = &Label{ID: int64(len(l)), Name: l, Color: "ededed"}
		}
		labels = append(labels, map[string]any{"id": lb.ID, "name": lb.Name, "color": lb.Color})
	}
	assignees := []map[string]any{}
	for _, a := range is.Assignees {
		assignees = append(assignees, s.user(a))
	}
	n := 0
	for _, c := range repo.Comments {
		if c.Issue == is.Number {
			n++
		}
	}
	out := map[string]any{"id": is.ID, "node_id": "I_" + strconv.FormatInt(is.ID, 10), "number": is.Number,
		"title": is.Title, "body": is.Body, "state": is.State, "user": s.user(is.Author), "labels": labels,
		"assignees": assignees, "comments": n,
		"url":      s.URL + "/repos/" + repo.Owner + "/" + repo.Name + "/issues/" + strconv.Itoa(is.Number),
		"html_url": "https://github.com/" + repo.Owner + "/" + repo.Name + "/issues/" + strconv.Itoa(is.Number)}
	if is.IsPull {
		out["pull_request"] = map[string]any{"url": s.URL + "/repos/" + repo.Owner + "/" + repo.Name + "/pulls/" + strconv.Itoa(is.Number)}
	}
	return out
}

func (s *Server) issueOf(r *http.Request) (*Repo, *Issue, bool) {
	repo, ok := s.lookup(r)
	if !ok {
		return nil, nil, false
	}
	n, err := pathInt(r, "number")
	if err != nil {
		return nil, nil, false
	}
	is, ok := repo.Issues[n]
	return repo, is, ok
}

func (s *Server) listIssues(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var want []string
	if l := q.Get("labels"); l != "" {
		want = strings.Split(l, ",")
	}
	var nums []int
	for n := range repo.Issues {
		nums = append(nums, n)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(nums)))
	out := []map[string]any{}
	for _, n := range nums {
		is := repo.Issues[n]
		if state != "all" && is.State != state {
			continue
		}
		if !hasAll(is.Labels, want) {
			continue
		}
		out = append(out, s.issueJSON(repo, is))
	}
	return http.StatusOK, out
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h == w {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// issueRequest is the body of create/edit issue (go-github IssueRequest).
type issueRequest struct {
	Title       *string   `json:"title"`
	Body        *string   `json:"body"`
	Labels      *[]string `json:"labels"`
	Assignee    *string   `json:"assignee"`
	State       *string   `json:"state"`
	StateReason *string   `json:"state_reason"`
	Milestone   *int      `json:"milestone"`
	Assignees   *[]string `json:"assignees"`
	Type        *string   `json:"type"`
}

func (s *Server) createIssue(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	var body issueRequest
	if !s.decode(r, &body) {
		return validation("malformed body")
	}
	if body.Title == nil || strings.TrimSpace(*body.Title) == "" {
		return validation("title is missing")
	}
	repo.nextNum++
	is := &Issue{ID: s.id(), Number: repo.nextNum, Title: *body.Title, State: "open", Author: s.actor(r)}
	applyIssue(is, &body)
	repo.Issues[is.Number] = is
	return http.StatusCreated, s.issueJSON(repo, is)
}

func applyIssue(is *Issue, b *issueRequest) {
	if b.Title != nil {
		is.Title = *b.Title
	}
	if b.Body != nil {
		is.Body = *b.Body
	}
	if b.Labels != nil {
		is.Labels = append([]string(nil), (*b.Labels)...)
	}
	if b.State != nil {
		is.State = *b.State
	}
	if b.Assignees != nil {
		is.Assignees = append([]string(nil), (*b.Assignees)...)
	}
}

func (s *Server) getIssue(r *http.Request) (int, any) {
	repo, is, ok := s.issueOf(r)
	if !ok {
		return notFound()
	}
	return http.StatusOK, s.issueJSON(repo, is)
}

func (s *Server) editIssue(r *http.Request) (int, any) {
	repo, is, ok := s.issueOf(r)
	if !ok {
		return notFound()
	}
	var body issueRequest
	if !s.decode(r, &body) {
		return validation("malformed body")
	}
	if body.State != nil && *body.State != "open" && *body.State != "closed" {
		return validation("state must be open or closed")
	}
	applyIssue(is, &body)
	return http.StatusOK, s.issueJSON(repo, is)
}

func (s *Server) addLabels(r *http.Request) (int, any) {
	repo, is, ok := s.issueOf(r)
	if !ok {
		return notFound()
	}
	var names []string
	if !s.decode(r, &names) {
		return validation("malformed body")
	}
	for _, n := range names {
		if !contains(is.Labels, n) {
			is.Labels = append(is.Labels, n)
		}
		if repo.Labels[n] == nil {
			repo.Labels[n] = &Label{ID: s.id(), Name: n, Color: "ededed"}
		}
	}
	return http.StatusOK, s.issueJSON(repo, is)["labels"]
}

func (s *Server) removeLabel(r *http.Request) (int, any) {
	repo, is, ok := s.issueOf(r)
	if !ok {
		return notFound()
	}
	name := r.PathValue("name")
	if !contains(is.Labels, name) {
		return apiError(http.StatusNotFound, "Label does not exist")
	}
	var keep []string
	for _, l := range is.Labels {
		if l != name {
			keep = append(keep, l)
		}
	}
	is.Labels = keep
	return http.StatusOK, s.issueJSON(repo, is)["labels"]
}

func (s *Server) getLabel(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	l := repo.Labels[r.PathValue("name")]
	if l == nil {
		return notFound()
	}
	return http.StatusOK, map[string]any{"id": l.ID, "name": l.Name, "color": l.Color, "description": l.Description}
}

func (s *Server) createLabel(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	var body struct {
		Name        *string `json:"name"`
		Color       *string `json:"color"`
		Description *string `json:"description"`
		ID          *int64  `json:"id"`
		URL         *string `json:"url"`
		Default     *bool   `json:"default"`
		NodeID      *string `json:"node_id"`
	}
	if !s.decode(r, &body) {
		return validation("malformed body")
	}
	if body.Name == nil || *body.Name == "" {
		return validation("name is missing")
	}
	if repo.Labels[*body.Name] != nil {
		return http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
			"errors": []map[string]string{{"resource": "Label", "code": "already_exists", "field": "name"}}}
	}
	l := &Label{ID: s.id(), Name: *body.Name, Color: "ededed"}
	if body.Color != nil {
		l.Color = *body.Color
	}
	if body.Description != nil {
		l.Description = *body.Description
	}
	repo.Labels[l.Name] = l
	return http.StatusCreated, map[string]any{"id": l.ID, "name": l.Name, "color": l.Color, "description": l.Description}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) commentJSON(repo *Repo, c *Comment) map[string]any {
	return map[string]any{"id": c.ID, "node_id": "IC_" + strconv.FormatInt(c.ID, 10), "body": c.Body,
		"user": s.user(c.Author), "created_at": c.Created.UTC().Format(time.RFC3339),
		"updated_at": c.Updated.UTC().Format(time.RFC3339),
		"issue_url":  s.URL + "/repos/" + repo.Owner + "/" + repo.Name + "/issues/" + strconv.Itoa(c.Issue),
		"html_url": "https://github.com/" + repo.Owner + "/" + repo.Name + "/issues/" + strconv.Itoa(c.Issue) +
			"#issuecomment-" + strconv.FormatInt(c.ID, 10)}
}

func (s *Server) listComments(r *http.Request) (int, any) {
	repo, is, ok := s.issueOf(r)
	if !ok {
		return notFound()
	}
	out := []map[string]any{}
	for _, c := range repo.CommentsOn(is.Number) {
		out = append(out, s.commentJSON(repo, c))
	}
	return http.StatusOK, out
}

func (s *Server) createComment(r *http.Request) (int, any) {
	repo, is, ok := s.issueOf(r)
	if !ok {
		return notFound()
	}
	body, ok := s.commentBody(r)
	if !ok {
		return validation("body is missing")
	}
	now := s.now()
	c := &Comment{ID: s.id(), Issue: is.Number, Body: body, Author: s.actor(r), Created: now, Updated: now}
	repo.Comments[c.ID] = c
	return http.StatusCreated, s.commentJSON(repo, c)
}

// AddComment posts a comment as a person (for tests of commands).
func (s *Server) AddComment(full string, number int, author, body string) *Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repoLocked(full)
	now := s.now()
	c := &Comment{ID: s.id(), Issue: number, Body: body, Author: author, Created: now, Updated: now}
	repo.Comments[c.ID] = c
	return c
}

// commentBody decodes go-github's IssueComment request shape.
func (s *Server) commentBody(r *http.Request) (string, bool) {
	var body struct {
		Body *string `json:"body"`
	}
	if !s.decode(r, &body) || body.Body == nil || *body.Body == "" {
		return "", false
	}
	if len(*body.Body) > 65536 {
		return "", false
	}
	return *body.Body, true
}

func (s *Server) commentOf(r *http.Request) (*Repo, *Comment, bool) {
	repo, ok := s.lookup(r)
	if !ok {
		return nil, nil, false
	}
	id, err := pathInt64(r, "id")
	if err != nil {
		return nil, nil, false
	}
	c, ok := repo.Comments[id]
	return repo, c, ok
}

func (s *Server) getComment(r *http.Request) (int, any) {
	repo, c, ok := s.commentOf(r)
	if !ok {
		return notFound()
	}
	return http.StatusOK, s.commentJSON(repo, c)
}

func (s *Server) editComment(r *http.Request) (int, any) {
	repo, c, ok := s.commentOf(r)
	if !ok {
		return notFound()
	}
	body, ok := s.commentBody(r)
	if !ok {
		return validation("body is missing or over 65536 characters")
	}
	c.Body, c.Updated = body, s.now()
	return http.StatusOK, s.commentJSON(repo, c)
}

var reactionContents = map[string]bool{"+1": true, "-1": true, "laugh": true, "confused": true,
	"heart": true, "hooray": true, "rocket": true, "eyes": true}

func (s *Server) reaction(r *http.Request) (Reaction, bool) {
	var body struct {
		Content *string `json:"content"`
	}
	if !s.decode(r, &body) || body.Content == nil || !reactionContents[*body.Content] {
		return Reaction{}, false
	}
	return Reaction{ID: s.id(), Content: *body.Content, User: s.actor(r)}, true
}

func (s *Server) reactionJSON(re Reaction) map[string]any {
	return map[string]any{"id": re.ID, "content": re.Content, "user": s.user(re.User)}
}

func (s *Server) reactComment(r *http.Request) (int, any) {
	_, c, ok := s.commentOf(r)
	if !ok {
		return notFound()
	}
	re, ok := s.reaction(r)
	if !ok {
		return validation("content is not a valid reaction")
	}
	for _, have := range c.Reactions {
		if have.Content == re.Content && have.User == re.User {
			return http.StatusOK, s.reactionJSON(have)
		}
	}
	c.Reactions = append(c.Reactions, re)
	return http.StatusCreated, s.reactionJSON(re)
}

func (s *Server) reactIssue(r *http.Request) (int, any) {
	_, is, ok := s.issueOf(r)
	if !ok {
		return notFound()
	}
	re, ok := s.reaction(r)
	if !ok {
		return validation("content is not a valid reaction")
	}
	for _, have := range is.Reactions {
		if have.Content == re.Content && have.User == re.User {
			return http.StatusOK, s.reactionJSON(have)
		}
	}
	is.Reactions = append(is.Reactions, re)
	return http.StatusCreated, s.reactionJSON(re)
}

func (s *Server) listSubIssues(r *http.Request) (int, any) {
	repo, is, ok := s.issueOf(r)
	if !ok {
		return notFound()
	}
	out := []map[string]any{}
	for _, id := range is.SubIssues {
		for _, sub := range repo.Issues {
			if sub.ID == id {
				out = append(out, s.issueJSON(repo, sub))
			}
		}
	}
	return http.StatusOK, out
}

func (s *Server) addSubIssue(r *http.Request) (int, any) {
	repo, parent, ok := s.issueOf(r)
	if !ok {
		return notFound()
	}
	var body struct {
		SubIssueID    *int64 `json:"sub_issue_id"`
		ReplaceParent *bool  `json:"replace_parent"`
	}
	if !s.decode(r, &body) || body.SubIssueID == nil {
		return validation("sub_issue_id is missing")
	}
	var sub *Issue
	for _, is := range repo.Issues {
		if is.ID == *body.SubIssueID {
			sub = is
		}
	}
	if sub == nil {
		// A common mistake is to send the issue number instead of its id.
		return validation("sub_issue_id does not name an issue of this repository (it takes the issue's id, not its number)")
	}
	if sub.ID == parent.ID {
		return validation("an issue cannot be its own sub-issue")
	}
	if sub.Parent != 0 && sub.Parent != parent.ID && (body.ReplaceParent == nil || !*body.ReplaceParent) {
		return validation("Sub issue may only have one parent")
	}
	if sub.Parent == parent.ID {
		return validation("Sub issue is already a sub-issue of this issue")
	}
	sub.Parent = parent.ID
	parent.SubIssues = append(parent.SubIssues, sub.ID)
	return http.StatusCreated, s.issueJSON(repo, parent)
}

func sortStrings(s []string) { sort.Strings(s) }

func sortComments(cs []*Comment) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
}
