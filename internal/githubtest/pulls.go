package githubtest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

func (s *Server) pullRoutes(mux *router) {
	s.handle(mux, "GET /repos/{owner}/{repo}/pulls", authInstallation, s.listPulls)
	s.handle(mux, "POST /repos/{owner}/{repo}/pulls", authInstallation, s.createPull)
	s.handle(mux, "GET /repos/{owner}/{repo}/pulls/{number}", authInstallation, s.getPull)
	s.handle(mux, "PATCH /repos/{owner}/{repo}/pulls/{number}", authInstallation, s.editPull)
	s.handle(mux, "POST /repos/{owner}/{repo}/pulls/{number}/requested_reviewers", authInstallation, s.requestReviewers)
	s.handle(mux, "GET /repos/{owner}/{repo}/pulls/{number}/reviews/{review}/comments", authInstallation, s.listReviewComments)
}

// Review is a submitted pull request review with its line comments.
type Review struct {
	ID       int64
	Pull     int
	Author   string
	State    string // APPROVED, CHANGES_REQUESTED or COMMENTED
	Body     string
	Comments []ReviewComment
}

// ReviewComment is one line comment of a review.
type ReviewComment struct {
	ID   int64
	Path string
	Line int
	Body string
}

// AddReview submits a review on a pull request, as a reviewer on
// GitHub would, and returns it with its comments' ids set.
func (s *Server) AddReview(full string, pull int, author, state, body string, comments ...ReviewComment) *Review {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repoLocked(full)
	if repo.Pulls[pull] == nil {
		s.t.Fatalf("githubtest: AddReview on %s#%d: no such pull request", full, pull)
	}
	rv := &Review{ID: s.id(), Pull: pull, Author: author, State: state, Body: body}
	for _, c := range comments {
		c.ID = s.id()
		rv.Comments = append(rv.Comments, c)
	}
	repo.Reviews[rv.ID] = rv
	return rv
}

func (s *Server) listReviewComments(r *http.Request) (int, any) {
	repo, p, ok := s.pullOf(r)
	if !ok {
		return notFound()
	}
	id, err := strconv.ParseInt(r.PathValue("review"), 10, 64)
	if err != nil {
		return notFound()
	}
	rv, ok := repo.Reviews[id]
	if !ok || rv.Pull != p.Number {
		return notFound()
	}
	out := []map[string]any{}
	for _, c := range rv.Comments {
		out = append(out, map[string]any{"id": c.ID, "pull_request_review_id": rv.ID, "path": c.Path, "line": c.Line,
			"body": c.Body, "user": s.user(rv.Author)})
	}
	return http.StatusOK, out
}

func (s *Server) pullJSON(repo *Repo, p *Pull) map[string]any {
	reviewers := []map[string]any{}
	for _, r := range p.Reviewers {
		reviewers = append(reviewers, s.user(r))
	}
	n := strconv.Itoa(p.Number)
	return map[string]any{"number": p.Number, "id": int64(p.Number) * 7919, "title": p.Title, "body": p.Body,
		"state": p.State, "draft": p.Draft, "user": s.user(p.Author),
		"head":                map[string]any{"ref": p.Head, "sha": repo.Head(p.Head), "label": repo.Owner + ":" + p.Head, "repo": s.repoJSON(repo)},
		"base":                map[string]any{"ref": p.Base, "sha": repo.Head(p.Base), "label": repo.Owner + ":" + p.Base, "repo": s.repoJSON(repo)},
		"requested_reviewers": reviewers,
		"url":                 s.URL + "/repos/" + repo.Owner + "/" + repo.Name + "/pulls/" + n,
		"html_url":            "https://github.com/" + repo.Owner + "/" + repo.Name + "/pull/" + n}
}

func (s *Server) listPulls(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	head := q.Get("head")
	if head != "" {
		owner, branch, ok := strings.Cut(head, ":")
		if !ok {
			s.t.Errorf("githubtest: pulls head filter %q: want owner:branch", head)
			return validation("head must be owner:branch")
		}
		if owner != repo.Owner {
			return http.StatusOK, []any{}
		}
		head = branch
	}
	var nums []int
	for n := range repo.Pulls {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	out := []map[string]any{}
	for _, n := range nums {
		p := repo.Pulls[n]
		if state != "all" && p.State != state {
			continue
		}
		if head != "" && p.Head != head {
			continue
		}
		if b := q.Get("base"); b != "" && p.Base != b {
			continue
		}
		out = append(out, s.pullJSON(repo, p))
	}
	return http.StatusOK, out
}

func (s *Server) createPull(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	var body struct {
		Title               *string `json:"title"`
		Head                *string `json:"head"`
		HeadRepo            *string `json:"head_repo"`
		Base                *string `json:"base"`
		Body                *string `json:"body"`
		Issue               *int    `json:"issue"`
		MaintainerCanModify *bool   `json:"maintainer_can_modify"`
		Draft               *bool   `json:"draft"`
	}
	if !s.decode(r, &body) {
		return validation("malformed body")
	}
	if body.Title == nil || body.Head == nil || body.Base == nil {
		return validation("title, head and base are required")
	}
	head := *body.Head
	if owner, branch, ok := strings.Cut(head, ":"); ok {
		if owner != repo.Owner {
			return validation("head must be a branch of this repository")
		}
		head = branch
	}
	if _, ok := repo.refs["refs/heads/"+head]; !ok {
		return validation("head: branch " + head + " does not exist")
	}
	if _, ok := repo.refs["refs/heads/"+*body.Base]; !ok {
		return validation("base: branch " + *body.Base + " does not exist")
	}
	for _, p := range repo.Pulls {
		if p.Head == head && p.State == "open" {
			return validation("A pull request already exists for " + repo.Owner + ":" + head + ".")
		}
	}
	if repo.Head(head) == repo.Head(*body.Base) {
		return validation("No commits between " + *body.Base + " and " + head)
	}
	repo.nextNum++
	p := &Pull{Number: repo.nextNum, Title: *body.Title, Head: head, Base: *body.Base, State: "open", Author: s.actor(r)}
	if body.Body != nil {
		p.Body = *body.Body
	}
	if body.Draft != nil {
		p.Draft = *body.Draft
	}
	repo.Pulls[p.Number] = p
	repo.Issues[p.Number] = &Issue{ID: s.id(), Number: p.Number, Title: p.Title, Body: p.Body, State: "open", Author: p.Author, IsPull: true}
	return http.StatusCreated, s.pullJSON(repo, p)
}

func (s *Server) pullOf(r *http.Request) (*Repo, *Pull, bool) {
	repo, ok := s.lookup(r)
	if !ok {
		return nil, nil, false
	}
	n, err := pathInt(r, "number")
	if err != nil {
		return nil, nil, false
	}
	p, ok := repo.Pulls[n]
	return repo, p, ok
}

func (s *Server) getPull(r *http.Request) (int, any) {
	repo, p, ok := s.pullOf(r)
	if !ok {
		return notFound()
	}
	return http.StatusOK, s.pullJSON(repo, p)
}

func (s *Server) editPull(r *http.Request) (int, any) {
	repo, p, ok := s.pullOf(r)
	if !ok {
		return notFound()
	}
	var body struct {
		Title               *string `json:"title"`
		Body                *string `json:"body"`
		State               *string `json:"state"`
		Base                *string `json:"base"`
		MaintainerCanModify *bool   `json:"maintainer_can_modify"`
	}
	if !s.decode(r, &body) {
		return validation("malformed body")
	}
	if body.Title != nil {
		p.Title = *body.Title
	}
	if body.Body != nil {
		p.Body = *body.Body
	}
	if body.State != nil {
		p.State = *body.State
	}
	if body.Base != nil {
		p.Base = *body.Base
	}
	return http.StatusOK, s.pullJSON(repo, p)
}

func (s *Server) requestReviewers(r *http.Request) (int, any) {
	repo, p, ok := s.pullOf(r)
	if !ok {
		return notFound()
	}
	var body struct {
		Reviewers     []string `json:"reviewers"`
		TeamReviewers []string `json:"team_reviewers"`
	}
	if !s.decode(r, &body) {
		return validation("malformed body")
	}
	for _, rv := range body.Reviewers {
		if rv == p.Author {
			return validation("Review cannot be requested from pull request author.")
		}
		if !contains(p.Reviewers, rv) {
			p.Reviewers = append(p.Reviewers, rv)
		}
	}
	return http.StatusCreated, s.pullJSON(repo, p)
}
