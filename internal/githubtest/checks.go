package githubtest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// The Checks API (check runs with annotations) and the files of a pull
// request. Strict as the rest of the server: more than 50 annotations in
// one request, an unknown status, conclusion or annotation level, a
// conclusion without status completed, an annotation without path, lines,
// level or message, or an unknown field fails the test.

func (s *Server) checkRoutes(mux *router) {
	s.handle(mux, "POST /repos/{owner}/{repo}/check-runs", authInstallation, s.createCheckRun)
	s.handle(mux, "PATCH /repos/{owner}/{repo}/check-runs/{id}", authInstallation, s.updateCheckRun)
	s.handle(mux, "GET /repos/{owner}/{repo}/pulls/{number}/files", authInstallation, s.listPullFiles)
}

// CheckRun is a check run as posted, with every annotation it got.
type CheckRun struct {
	ID          int64
	Repo        string // owner/name
	Name        string
	HeadSHA     string
	Status      string
	Conclusion  string
	Title       string
	Summary     string
	Text        string
	Author      string
	Annotations []Annotation
	// Requests counts the create and update calls that carried it.
	Requests int
}

// Annotation is one annotation of a check run.
type Annotation struct {
	Path      string
	StartLine int
	EndLine   int
	Level     string // notice, warning or failure
	Message   string
	Title     string
}

// checkState holds the check runs in posting order.
type checkState struct {
	runs []*CheckRun
}

// CheckRuns returns the check runs posted on a repository ("owner/name"),
// in posting order.
func (s *Server) CheckRuns(full string) []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CheckRun
	for _, cr := range s.checks.runs {
		if cr.Repo == full {
			c := *cr
			c.Annotations = append([]Annotation(nil), cr.Annotations...)
			out = append(out, c)
		}
	}
	return out
}

// ChecksForbidden is the 403 GitHub answers a token without the Checks
// permission; queue it with Fail on "POST /repos/{owner}/{repo}/check-runs".
func ChecksForbidden() Fault {
	return Fault{Status: http.StatusForbidden,
		Body: `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/checks/runs#create-a-check-run"}`}
}

// OpenPull opens a pull request from head to base as author (someone
// else's pull request, not the App's) and returns it.
func (s *Server) OpenPull(full, head, base, author, title string) *Pull {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repoLocked(full)
	if repo.Head(head) == "" || repo.Head(base) == "" {
		s.t.Fatalf("githubtest: OpenPull %s: branch %s or %s does not exist", full, head, base)
	}
	repo.nextNum++
	p := &Pull{Number: repo.nextNum, Title: title, Head: head, Base: base, State: "open", Author: author}
	repo.Pulls[p.Number] = p
	repo.Issues[p.Number] = &Issue{ID: s.id(), Number: p.Number, Title: title, State: "open", Author: author, IsPull: true}
	return p
}

// Branch creates a branch at another branch's head (for a pull request's
// head, before Push).
func (r *Repo) Branch(name, from string) {
	r.refs["refs/heads/"+name] = r.Head(from)
}

// PullJSON is a pull request as a webhook payload carries it.
func (s *Server) PullJSON(full string, number int) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repoLocked(full)
	p := repo.Pulls[number]
	if p == nil {
		s.t.Fatalf("githubtest: PullJSON %s#%d: no such pull request", full, number)
	}
	m := s.pullJSON(repo, p)
	m["updated_at"] = time.Now().UTC().Format(time.RFC3339Nano)
	return m
}

type annotationReq struct {
	Path            *string `json:"path"`
	StartLine       *int    `json:"start_line"`
	EndLine         *int    `json:"end_line"`
	StartColumn     *int    `json:"start_column"`
	EndColumn       *int    `json:"end_column"`
	AnnotationLevel *string `json:"annotation_level"`
	Message         *string `json:"message"`
	Title           *string `json:"title"`
	RawDetails      *string `json:"raw_details"`
}

type checkOutputReq struct {
	Title       *string         `json:"title"`
	Summary     *string         `json:"summary"`
	Text        *string         `json:"text"`
	Annotations []annotationReq `json:"annotations"`
	Images      []any           `json:"images"`
}

type checkRunReq struct {
	Name        *string         `json:"name"`
	HeadSHA     *string         `json:"head_sha"`
	DetailsURL  *string         `json:"details_url"`
	ExternalID  *string         `json:"external_id"`
	Status      *string         `json:"status"`
	Conclusion  *string         `json:"conclusion"`
	StartedAt   *string         `json:"started_at"`
	CompletedAt *string         `json:"completed_at"`
	Output      *checkOutputReq `json:"output"`
	Actions     []any           `json:"actions"`
}

var (
	checkStatuses    = map[string]bool{"queued": true, "in_progress": true, "completed": true}
	checkConclusions = map[string]bool{"action_required": true, "cancelled": true, "failure": true, "neutral": true,
		"success": true, "skipped": true, "stale": true, "timed_out": true}
	annotationLevels = map[string]bool{"notice": true, "warning": true, "failure": true}
)

// checkBody validates a create or update body; it returns a message for
// the 422 (and fails the test) when the body is wrong.
func (s *Server) checkBody(r *http.Request, b *checkRunReq, create bool) string {
	bad := func(msg string) string {
		s.t.Errorf("githubtest: %s %s: %s", r.Method, r.URL.Path, msg)
		return msg
	}
	if create && (b.Name == nil || *b.Name == "" || b.HeadSHA == nil || *b.HeadSHA == "") {
		return bad("name and head_sha are required")
	}
	if b.Status != nil && !checkStatuses[*b.Status] {
		return bad(fmt.Sprintf("status %q is not queued, in_progress or completed", *b.Status))
	}
	if b.Conclusion != nil {
		if !checkConclusions[*b.Conclusion] {
			return bad(fmt.Sprintf("conclusion %q is not one of GitHub's", *b.Conclusion))
		}
		if create && (b.Status == nil || *b.Status != "completed") {
			return bad("a conclusion needs status completed")
		}
	}
	if create && b.Status != nil && *b.Status == "completed" && b.Conclusion == nil {
		return bad("status completed needs a conclusion")
	}
	if b.CompletedAt != nil {
		if _, err := time.Parse(time.RFC3339, *b.CompletedAt); err != nil {
			return bad(fmt.Sprintf("completed_at %q is not ISO 8601", *b.CompletedAt))
		}
	}
	if o := b.Output; o != nil {
		if o.Title == nil || o.Summary == nil {
			return bad("output needs title and summary")
		}
		if len(*o.Summary) > 65535 || (o.Text != nil && len(*o.Text) > 65535) {
			return bad("output summary or text is over 65535 characters")
		}
		if len(o.Annotations) > 50 {
			return bad(fmt.Sprintf("%d annotations in one request; GitHub takes at most 50", len(o.Annotations)))
		}
		for i, a := range o.Annotations {
			switch {
			case a.Path == nil || *a.Path == "" || a.StartLine == nil || a.EndLine == nil || a.AnnotationLevel == nil || a.Message == nil:
				return bad(fmt.Sprintf("annotation %d needs path, start_line, end_line, annotation_level and message", i))
			case *a.StartLine < 1 || *a.EndLine < *a.StartLine:
				return bad(fmt.Sprintf("annotation %d: lines %d-%d", i, *a.StartLine, *a.EndLine))
			case !annotationLevels[*a.AnnotationLevel]:
				return bad(fmt.Sprintf("annotation %d: level %q is not notice, warning or failure", i, *a.AnnotationLevel))
			case (a.StartColumn != nil || a.EndColumn != nil) && *a.StartLine != *a.EndLine:
				return bad(fmt.Sprintf("annotation %d: columns on a multi-line annotation", i))
			case len(*a.Message) > 64<<10:
				return bad(fmt.Sprintf("annotation %d: message over 64 KB", i))
			}
		}
	}
	return ""
}

func (cr *CheckRun) apply(b *checkRunReq) {
	cr.Requests++
	if b.Name != nil {
		cr.Name = *b.Name
	}
	if b.Status != nil {
		cr.Status = *b.Status
	}
	if b.Conclusion != nil {
		cr.Conclusion, cr.Status = *b.Conclusion, "completed"
	}
	if o := b.Output; o != nil {
		cr.Title, cr.Summary = *o.Title, *o.Summary
		if o.Text != nil {
			cr.Text = *o.Text
		}
		for _, a := range o.Annotations {
			an := Annotation{Path: *a.Path, StartLine: *a.StartLine, EndLine: *a.EndLine, Level: *a.AnnotationLevel, Message: *a.Message}
			if a.Title != nil {
				an.Title = *a.Title
			}
			cr.Annotations = append(cr.Annotations, an)
		}
	}
}

func (s *Server) checkRunJSON(cr *CheckRun) map[string]any {
	return map[string]any{"id": cr.ID, "name": cr.Name, "head_sha": cr.HeadSHA, "status": cr.Status,
		"conclusion": cr.Conclusion, "html_url": fmt.Sprintf("https://github.com/%s/runs/%d", cr.Repo, cr.ID),
		"output": map[string]any{"title": cr.Title, "summary": cr.Summary, "annotations_count": len(cr.Annotations)}}
}

func (s *Server) createCheckRun(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	var b checkRunReq
	if !s.decode(r, &b) {
		return validation("malformed body")
	}
	if msg := s.checkBody(r, &b, true); msg != "" {
		return validation(msg)
	}
	if _, ok := repo.commits[*b.HeadSHA]; !ok {
		s.t.Errorf("githubtest: check run on %s: no such commit", *b.HeadSHA)
		return validation("No commit found for SHA: " + *b.HeadSHA)
	}
	cr := &CheckRun{ID: s.id(), Repo: repo.Owner + "/" + repo.Name, HeadSHA: *b.HeadSHA, Status: "queued", Author: s.actor(r)}
	cr.apply(&b)
	s.checks.runs = append(s.checks.runs, cr)
	return http.StatusCreated, s.checkRunJSON(cr)
}

func (s *Server) updateCheckRun(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	id, err := pathInt64(r, "id")
	if err != nil {
		return notFound()
	}
	var cr *CheckRun
	for _, c := range s.checks.runs {
		if c.ID == id && c.Repo == repo.Owner+"/"+repo.Name {
			cr = c
		}
	}
	if cr == nil {
		return notFound()
	}
	if cr.Author != s.actor(r) {
		return apiError(http.StatusForbidden, "Resource not accessible by integration")
	}
	var b checkRunReq
	if !s.decode(r, &b) {
		return validation("malformed body")
	}
	if msg := s.checkBody(r, &b, false); msg != "" {
		return validation(msg)
	}
	cr.apply(&b)
	return http.StatusOK, s.checkRunJSON(cr)
}

// listPullFiles lists what a pull request changes between the merge base
// and its head, paginated as GitHub does (per_page up to 100).
func (s *Server) listPullFiles(r *http.Request) (int, any) {
	repo, p, ok := s.pullOf(r)
	if !ok {
		return notFound()
	}
	head := repo.Head(p.Head)
	base := repo.mergeBase(repo.Head(p.Base), head)
	oldFiles, newFiles := repo.trees[repo.commits[base].Tree], repo.trees[repo.commits[head].Tree]
	var paths []string
	seen := map[string]bool{}
	for q := range oldFiles {
		seen[q] = true
		paths = append(paths, q)
	}
	for q := range newFiles {
		if !seen[q] {
			paths = append(paths, q)
		}
	}
	sort.Strings(paths)
	var all []map[string]any
	for _, q := range paths {
		o, inOld := oldFiles[q]
		n, inNew := newFiles[q]
		status := ""
		sha := n.SHA
		switch {
		case !inOld:
			status = "added"
		case !inNew:
			status, sha = "removed", o.SHA
		case o.SHA != n.SHA:
			status = "modified"
		default:
			continue
		}
		all = append(all, map[string]any{"sha": sha, "filename": q, "status": status, "additions": 1, "deletions": 0, "changes": 1,
			"raw_url":      fmt.Sprintf("https://github.com/%s/%s/raw/%s/%s", repo.Owner, repo.Name, head, q),
			"contents_url": fmt.Sprintf("%s/repos/%s/%s/contents/%s?ref=%s", s.URL, repo.Owner, repo.Name, q, head)})
	}
	perPage, page := 30, 1
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		page = v
	}
	start := min((page-1)*perPage, len(all))
	end := min(start+perPage, len(all))
	out := all[start:end]
	if out == nil {
		out = []map[string]any{}
	}
	if end < len(all) {
		next := fmt.Sprintf("<%s%s?per_page=%d&page=%d>; rel=\"next\"", s.URL, r.URL.Path, perPage, page+1)
		return http.StatusOK, headed{headers: map[string]string{"Link": next}, body: out}
	}
	return http.StatusOK, out
}

// mergeBase is the first commit on head's first-parent line that base
// contains.
func (repo *Repo) mergeBase(base, head string) string {
	for c := head; c != ""; {
		if repo.isAncestor(c, base) {
			return c
		}
		cm := repo.commits[c]
		if cm == nil || len(cm.Parents) == 0 {
			break
		}
		c = cm.Parents[0]
	}
	return base
}
