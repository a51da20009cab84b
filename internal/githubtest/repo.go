package githubtest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Repo is one repository's state.
type Repo struct {
	ID            int64
	Owner, Name   string
	DefaultBranch string
	Installation  int64
	// Permissions maps a login to admin, maintain, write, triage, read or
	// none; unknown logins are "none".
	Permissions map[string]string
	// BlockWorkflows makes ref writes that add or change files under
	// .github/workflows fail, as for an App without the workflows
	// permission.
	BlockWorkflows bool

	Issues   map[int]*Issue
	Comments map[int64]*Comment
	Labels   map[string]*Label
	Pulls    map[int]*Pull
	Reviews  map[int64]*Review
	nextNum  int

	blobs   map[string][]byte
	trees   map[string]map[string]treeFile // sha → path → file (flat, recursive)
	commits map[string]*Commit
	refs    map[string]string // "refs/heads/main" → commit sha
}

// Issue is an issue (or the issue side of a pull request).
type Issue struct {
	ID        int64
	Number    int
	Title     string
	Body      string
	State     string
	Author    string
	Labels    []string
	Assignees []string
	SubIssues []int64 // sub-issue ids
	Parent    int64
	Reactions []Reaction
	IsPull    bool
}

// Comment is an issue comment.
type Comment struct {
	ID        int64
	Issue     int
	Body      string
	Author    string
	Reactions []Reaction
	Created   time.Time
	Updated   time.Time
}

// Reaction is one emoji reaction.
type Reaction struct {
	ID      int64
	Content string
	User    string
}

// Label is a repository label.
type Label struct {
	ID          int64
	Name, Color string
	Description string
}

// Pull is a pull request.
type Pull struct {
	Number    int
	Title     string
	Body      string
	Head      string // branch name in the same repository
	Base      string
	State     string
	Draft     bool
	Reviewers []string
	Author    string
}

// Commit is a git commit.
type Commit struct {
	SHA     string
	Tree    string
	Parents []string
	Message string
	Author  string
}

type treeFile struct {
	Mode string
	SHA  string
}

// AddInstallation registers an installation of the App on the repos
// ("owner/name"), creating each repo with an initial commit on main that
// holds files (path → content).
func (s *Server) AddInstallation(id int64, repos ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, full := range repos {
		r := s.repoLocked(full)
		r.Installation = id
	}
}

// Repo returns the repository "owner/name", creating an empty one (one
// commit on main with no files) if needed. Tests may read and change its
// fields; take Lock/Unlock around changes made while requests run.
func (s *Server) Repo(full string) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repoLocked(full)
}

// ReposUnlocked returns a repository while the caller holds Lock.
func (s *Server) ReposUnlocked(full string) *Repo { return s.repos[full] }

// Lock and Unlock guard direct changes to repositories while the server
// is serving.
func (s *Server) Lock()   { s.mu.Lock() }
func (s *Server) Unlock() { s.mu.Unlock() }

func (s *Server) repoLocked(full string) *Repo {
	if r, ok := s.repos[full]; ok {
		return r
	}
	owner, name := splitFull(full)
	r := &Repo{ID: s.id(), Owner: owner, Name: name, DefaultBranch: "main",
		Permissions: map[string]string{}, Issues: map[int]*Issue{}, Comments: map[int64]*Comment{},
		Labels: map[string]*Label{}, Pulls: map[int]*Pull{}, Reviews: map[int64]*Review{},
		blobs: map[string][]byte{}, trees: map[string]map[string]treeFile{}, commits: map[string]*Commit{},
		refs: map[string]string{}}
	empty := r.putTree(map[string]treeFile{})
	c := r.putCommit(&Commit{Tree: empty, Message: "Initial commit", Author: owner})
	r.refs["refs/heads/main"] = c
	s.repos[full] = r
	return r
}

func splitFull(full string) (string, string) {
	for i := 0; i < len(full); i++ {
		if full[i] == '/' {
			return full[:i], full[i+1:]
		}
	}
	return full, full
}

// SetFiles commits files (path → content) on top of the default branch.
func (r *Repo) SetFiles(files map[string]string) string {
	return r.commitOn(r.DefaultBranch, r.Owner, "Set files", files)
}

// Push commits files (path → content) on top of a branch as author, as
// someone pushing to it would, and returns the new head.
func (r *Repo) Push(branch, author string, files map[string]string) string {
	return r.commitOn(branch, author, "Push", files)
}

// commitOn commits files on top of branch and moves it.
func (r *Repo) commitOn(branch, author, message string, files map[string]string) string {
	head := r.refs["refs/heads/"+branch]
	base := r.trees[r.commits[head].Tree]
	next := map[string]treeFile{}
	for p, f := range base {
		next[p] = f
	}
	for p, c := range files {
		next[p] = treeFile{Mode: "100644", SHA: r.putBlob([]byte(c))}
	}
	sha := r.putCommit(&Commit{Tree: r.putTree(next), Parents: []string{head}, Message: message, Author: author})
	r.refs["refs/heads/"+branch] = sha
	return sha
}

// Commits returns the commits of a branch from its head back to the first
// commit, following first parents.
func (r *Repo) Commits(branch string) []*Commit {
	var out []*Commit
	for sha := r.refs["refs/heads/"+branch]; sha != ""; {
		c := r.commits[sha]
		if c == nil {
			break
		}
		out = append(out, c)
		if len(c.Parents) == 0 {
			break
		}
		sha = c.Parents[0]
	}
	return out
}

// File returns a file's content on a branch, and whether it exists.
func (r *Repo) File(branch, path string) (string, bool) {
	c, ok := r.commits[r.refs["refs/heads/"+branch]]
	if !ok {
		return "", false
	}
	f, ok := r.trees[c.Tree][path]
	if !ok {
		return "", false
	}
	return string(r.blobs[f.SHA]), true
}

// Branches returns the branch names.
func (r *Repo) Branches() []string {
	var out []string
	for ref := range r.refs {
		if len(ref) > len("refs/heads/") && ref[:len("refs/heads/")] == "refs/heads/" {
			out = append(out, ref[len("refs/heads/"):])
		}
	}
	sortStrings(out)
	return out
}

// Head returns the commit sha a branch points at.
func (r *Repo) Head(branch string) string { return r.refs["refs/heads/"+branch] }

// AddIssue opens an issue by author and returns it.
func (s *Server) AddIssue(full, author, title, body string, labels ...string) *Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoLocked(full)
	r.nextNum++
	is := &Issue{ID: s.id(), Number: r.nextNum, Title: title, Body: body, State: "open", Author: author, Labels: labels}
	r.Issues[is.Number] = is
	return is
}

// CommentsOn returns the comments of an issue in creation order.
func (r *Repo) CommentsOn(number int) []*Comment {
	var out []*Comment
	for _, c := range r.Comments {
		if c.Issue == number {
			out = append(out, c)
		}
	}
	sortComments(out)
	return out
}

// lookup finds the repository of a request and checks the installation
// or static token may use it.
func (s *Server) lookup(req *http.Request) (*Repo, bool) {
	full := req.PathValue("owner") + "/" + req.PathValue("repo")
	r, ok := s.repos[full]
	if !ok {
		return nil, false
	}
	_, tok, _ := cutAuth(req.Header.Get("Authorization"))
	if inst, ok := s.tokens[tok]; ok && inst != r.Installation {
		return nil, false
	}
	if st, ok := s.static[tok]; ok && !st.repos[full] {
		return nil, false
	}
	return r, true
}

func cutAuth(h string) (string, string, bool) {
	for i := 0; i < len(h); i++ {
		if h[i] == ' ' {
			return h[:i], h[i+1:], true
		}
	}
	return h, "", false
}

func notFound() (int, any) { return apiError(http.StatusNotFound, "Not Found") }

func pathInt(req *http.Request, name string) (int, error) {
	v, err := strconv.Atoi(req.PathValue(name))
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a number", name, req.PathValue(name))
	}
	return v, nil
}

func pathInt64(req *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(req.PathValue(name), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a number", name, req.PathValue(name))
	}
	return v, nil
}
