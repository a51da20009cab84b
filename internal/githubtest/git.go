package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

func (s *Server) gitRoutes(mux *router) {
	s.handle(mux, "POST /repos/{owner}/{repo}/git/blobs", authInstallation, s.createBlob)
	s.handle(mux, "GET /repos/{owner}/{repo}/git/blobs/{sha}", authInstallation, s.getBlob)
	s.handle(mux, "POST /repos/{owner}/{repo}/git/trees", authInstallation, s.createTree)
	s.handle(mux, "GET /repos/{owner}/{repo}/git/trees/{sha}", authInstallation, s.getTree)
	s.handle(mux, "POST /repos/{owner}/{repo}/git/commits", authInstallation, s.createCommit)
	s.handle(mux, "GET /repos/{owner}/{repo}/git/commits/{sha}", authInstallation, s.getCommit)
	s.handle(mux, "GET /repos/{owner}/{repo}/git/ref/{ref...}", authInstallation, s.getRef)
	s.handle(mux, "GET /repos/{owner}/{repo}/git/matching-refs/{ref...}", authInstallation, s.matchingRefs)
	s.handle(mux, "POST /repos/{owner}/{repo}/git/refs", authInstallation, s.createRef)
	s.handle(mux, "PATCH /repos/{owner}/{repo}/git/refs/{ref...}", authInstallation, s.updateRef)
	s.handle(mux, "DELETE /repos/{owner}/{repo}/git/refs/{ref...}", authInstallation, s.deleteRef)
	s.handle(mux, "GET /repos/{owner}/{repo}/contents/{path...}", authInstallation, s.getContents)
}

// Objects are hashed the way git hashes them, so SHAs look and behave
// like real ones (a blob's SHA equals `git hash-object`).
func gitHash(kind string, data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", kind, len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

func (r *Repo) putBlob(data []byte) string {
	sha := gitHash("blob", data)
	r.blobs[sha] = append([]byte(nil), data...)
	return sha
}

// putTree stores a flat tree (path → file). Its SHA hashes a canonical
// listing; it is stable for equal trees, which is what the API promises.
func (r *Repo) putTree(files map[string]treeFile) string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&b, "%s %s\x00%s\n", files[p].Mode, p, files[p].SHA)
	}
	sha := gitHash("tree", []byte(b.String()))
	r.trees[sha] = files
	return sha
}

func (r *Repo) putCommit(c *Commit) string {
	data := fmt.Sprintf("tree %s\nparents %s\nauthor %s\n\n%s", c.Tree, strings.Join(c.Parents, " "), c.Author, c.Message)
	c.SHA = gitHash("commit", []byte(data))
	r.commits[c.SHA] = c
	return c.SHA
}

func (s *Server) createBlob(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	var body struct {
		Content  *string `json:"content"`
		Encoding *string `json:"encoding"`
		SHA      *string `json:"sha"`
		Size     *int    `json:"size"`
		URL      *string `json:"url"`
		NodeID   *string `json:"node_id"`
	}
	if !s.decode(r, &body) || body.Content == nil {
		return validation("content is missing")
	}
	data := []byte(*body.Content)
	if body.Encoding != nil && *body.Encoding == "base64" {
		d, err := base64.StdEncoding.DecodeString(*body.Content)
		if err != nil {
			s.t.Errorf("githubtest: blob content is not valid base64: %v", err)
			return validation("content is not valid base64")
		}
		data = d
	}
	sha := repo.putBlob(data)
	return http.StatusCreated, map[string]any{"sha": sha, "url": s.URL + "/repos/" + repo.Owner + "/" + repo.Name + "/git/blobs/" + sha}
}

func (s *Server) getBlob(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	data, ok := repo.blobs[r.PathValue("sha")]
	if !ok {
		return notFound()
	}
	return http.StatusOK, map[string]any{"sha": r.PathValue("sha"), "size": len(data), "encoding": "base64",
		"content": base64.StdEncoding.EncodeToString(data)}
}

type treeEntryReq struct {
	Path    *string `json:"path"`
	Mode    *string `json:"mode"`
	Type    *string `json:"type"`
	SHA     *string `json:"sha"`
	Content *string `json:"content"`
	shaNull bool
}

func (s *Server) createTree(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	var body struct {
		BaseTree *string    `json:"base_tree"`
		Tree     []rawEntry `json:"tree"`
	}
	if !s.decode(r, &body) {
		return validation("malformed body")
	}
	files := map[string]treeFile{}
	if body.BaseTree != nil && *body.BaseTree != "" {
		base, ok := repo.trees[*body.BaseTree]
		if !ok {
			return validation("base_tree " + *body.BaseTree + " is not a tree of this repository")
		}
		for p, f := range base {
			files[p] = f
		}
	}
	for i, raw := range body.Tree {
		e, err := raw.entry()
		if err != nil {
			s.t.Errorf("githubtest: tree entry %d: %v", i, err)
			return validation(err.Error())
		}
		p := *e.Path
		if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p {
			s.t.Errorf("githubtest: tree entry %d: bad path %q", i, p)
			return validation("tree.path contains a malformed path component")
		}
		switch {
		case e.shaNull:
			// sha: null deletes the path (a file, or everything under a
			// directory).
			delete(files, p)
			for q := range files {
				if strings.HasPrefix(q, p+"/") {
					delete(files, q)
				}
			}
		case e.Content != nil:
			files[p] = treeFile{Mode: *e.Mode, SHA: repo.putBlob([]byte(*e.Content))}
		default:
			if _, ok := repo.blobs[*e.SHA]; !ok {
				return validation("tree.sha " + *e.SHA + " is not a valid blob")
			}
			files[p] = treeFile{Mode: *e.Mode, SHA: *e.SHA}
		}
	}
	sha := repo.putTree(files)
	return http.StatusCreated, s.treeJSON(repo, sha, false)
}

// rawEntry keeps the raw JSON of a tree entry, so "sha": null can
// be told from a missing sha.
type rawEntry map[string]any

func (m rawEntry) entry() (*treeEntryReq, error) {
	e := &treeEntryReq{}
	str := func(k string) (*string, error) {
		v, ok := m[k]
		if !ok || v == nil {
			return nil, nil
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s is not a string", k)
		}
		return &s, nil
	}
	for k := range m {
		switch k {
		case "path", "mode", "type", "sha", "content":
		default:
			return nil, fmt.Errorf("unknown field %q", k)
		}
	}
	var err error
	if e.Path, err = str("path"); err != nil || e.Path == nil {
		return nil, fmt.Errorf("path is missing")
	}
	if e.Mode, err = str("mode"); err != nil || e.Mode == nil {
		return nil, fmt.Errorf("%s: mode is missing", *e.Path)
	}
	switch *e.Mode {
	case "100644", "100755", "040000", "160000", "120000":
	default:
		return nil, fmt.Errorf("%s: mode %q is not a git file mode", *e.Path, *e.Mode)
	}
	if e.Type, err = str("type"); err != nil || e.Type == nil {
		return nil, fmt.Errorf("%s: type is missing", *e.Path)
	}
	if e.SHA, err = str("sha"); err != nil {
		return nil, err
	}
	if e.Content, err = str("content"); err != nil {
		return nil, err
	}
	v, hasSHA := m["sha"]
	e.shaNull = hasSHA && v == nil
	switch {
	case e.SHA != nil && e.Content != nil:
		return nil, fmt.Errorf("%s: sha and content are both set", *e.Path)
	case e.SHA == nil && e.Content == nil && !e.shaNull:
		return nil, fmt.Errorf("%s: one of sha, content or sha: null is needed", *e.Path)
	}
	return e, nil
}

func (s *Server) treeJSON(repo *Repo, sha string, recursive bool) map[string]any {
	files := repo.trees[sha]
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	entries := []map[string]any{}
	dirs := map[string]bool{}
	for _, p := range paths {
		if !recursive && strings.Contains(p, "/") {
			d := p[:strings.Index(p, "/")]
			if !dirs[d] {
				dirs[d] = true
				entries = append(entries, map[string]any{"path": d, "mode": "040000", "type": "tree", "sha": gitHash("tree", []byte(sha+d))})
			}
			continue
		}
		f := files[p]
		entries = append(entries, map[string]any{"path": p, "mode": f.Mode, "type": "blob", "sha": f.SHA, "size": len(repo.blobs[f.SHA])})
	}
	return map[string]any{"sha": sha, "tree": entries, "truncated": false}
}

func (s *Server) getTree(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	sha := r.PathValue("sha")
	if c, ok := repo.commits[sha]; ok {
		sha = c.Tree
	}
	if _, ok := repo.trees[sha]; !ok {
		return notFound()
	}
	return http.StatusOK, s.treeJSON(repo, sha, r.URL.Query().Get("recursive") != "")
}

type commitAuthor struct {
	Name  *string    `json:"name"`
	Email *string    `json:"email"`
	Date  *time.Time `json:"date"`
	Login *string    `json:"username"`
}

func (s *Server) createCommit(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	var body struct {
		Message   *string       `json:"message"`
		Tree      *string       `json:"tree"`
		Parents   []string      `json:"parents"`
		Author    *commitAuthor `json:"author"`
		Committer *commitAuthor `json:"committer"`
		Signature *string       `json:"signature"`
	}
	if !s.decode(r, &body) {
		return validation("malformed body")
	}
	if body.Message == nil || body.Tree == nil {
		return validation("message and tree are required")
	}
	if _, ok := repo.trees[*body.Tree]; !ok {
		return validation("tree " + *body.Tree + " is not a tree of this repository")
	}
	for _, p := range body.Parents {
		if _, ok := repo.commits[p]; !ok {
			return validation("parent " + p + " is not a commit of this repository")
		}
	}
	author := s.actor(r)
	if body.Author != nil && body.Author.Name != nil {
		author = *body.Author.Name
	}
	c := &Commit{Tree: *body.Tree, Parents: body.Parents, Message: *body.Message, Author: author}
	sha := repo.putCommit(c)
	return http.StatusCreated, s.commitJSON(repo, repo.commits[sha])
}

func (s *Server) commitJSON(repo *Repo, c *Commit) map[string]any {
	parents := []map[string]any{}
	for _, p := range c.Parents {
		parents = append(parents, map[string]any{"sha": p})
	}
	return map[string]any{"sha": c.SHA, "message": c.Message, "tree": map[string]any{"sha": c.Tree},
		"parents": parents, "author": map[string]any{"name": c.Author, "email": "bot@example.com", "date": "2026-01-01T00:00:00Z"}}
}

func (s *Server) getCommit(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	c, ok := repo.commits[r.PathValue("sha")]
	if !ok {
		return notFound()
	}
	return http.StatusOK, s.commitJSON(repo, c)
}

func (s *Server) refJSON(repo *Repo, ref string) map[string]any {
	return map[string]any{"ref": ref, "url": s.URL + "/repos/" + repo.Owner + "/" + repo.Name + "/git/" + ref,
		"object": map[string]any{"type": "commit", "sha": repo.refs[ref]}}
}

func (s *Server) getRef(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	ref := "refs/" + strings.TrimPrefix(r.PathValue("ref"), "refs/")
	if _, ok := repo.refs[ref]; !ok {
		return notFound()
	}
	return http.StatusOK, s.refJSON(repo, ref)
}

func (s *Server) matchingRefs(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	prefix := "refs/" + strings.TrimPrefix(r.PathValue("ref"), "refs/")
	var refs []string
	for ref := range repo.refs {
		if strings.HasPrefix(ref, prefix) {
			refs = append(refs, ref)
		}
	}
	sort.Strings(refs)
	out := []map[string]any{}
	for _, ref := range refs {
		out = append(out, s.refJSON(repo, ref))
	}
	return http.StatusOK, out
}

// workflowChange reports a workflow file the new commit adds or changes
// relative to the old one ("" when none).
func (repo *Repo) workflowChange(oldCommit, newCommit string) string {
	var oldFiles map[string]treeFile
	if c, ok := repo.commits[oldCommit]; ok {
		oldFiles = repo.trees[c.Tree]
	}
	c, ok := repo.commits[newCommit]
	if !ok {
		return ""
	}
	var paths []string
	for p, f := range repo.trees[c.Tree] {
		if strings.HasPrefix(p, ".github/workflows/") && oldFiles[p] != f {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		return ""
	}
	return paths[0]
}

func workflowRefusal(p string) (int, any) {
	return validation("refusing to allow a GitHub App to create or update workflow `" + p + "` without `workflows` permission")
}

func (s *Server) createRef(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	var body struct {
		Ref *string `json:"ref"`
		SHA *string `json:"sha"`
	}
	if !s.decode(r, &body) || body.Ref == nil || body.SHA == nil {
		return validation("ref and sha are required")
	}
	if !strings.HasPrefix(*body.Ref, "refs/") || strings.Count(*body.Ref, "/") < 2 {
		return validation("Reference name is invalid: it must start with refs/ and have at least two slashes")
	}
	if _, exists := repo.refs[*body.Ref]; exists {
		return validation("Reference already exists")
	}
	if _, ok := repo.commits[*body.SHA]; !ok {
		return validation("Object does not exist")
	}
	if repo.BlockWorkflows {
		if p := repo.workflowChange(repo.Head(repo.DefaultBranch), *body.SHA); p != "" {
			return workflowRefusal(p)
		}
	}
	repo.refs[*body.Ref] = *body.SHA
	return http.StatusCreated, s.refJSON(repo, *body.Ref)
}

func (repo *Repo) isAncestor(old, sha string) bool {
	seen := map[string]bool{}
	stack := []string{sha}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c == old {
			return true
		}
		if seen[c] {
			continue
		}
		seen[c] = true
		if cm, ok := repo.commits[c]; ok {
			stack = append(stack, cm.Parents...)
		}
	}
	return false
}

func (s *Server) updateRef(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	ref := "refs/" + strings.TrimPrefix(r.PathValue("ref"), "refs/")
	var body struct {
		SHA   *string `json:"sha"`
		Force *bool   `json:"force"`
	}
	if !s.decode(r, &body) || body.SHA == nil {
		return validation("sha is required")
	}
	old, exists := repo.refs[ref]
	if !exists {
		return validation("Reference does not exist")
	}
	if _, ok := repo.commits[*body.SHA]; !ok {
		return validation("Object does not exist")
	}
	if (body.Force == nil || !*body.Force) && !repo.isAncestor(old, *body.SHA) {
		return validation("Update is not a fast forward")
	}
	if repo.BlockWorkflows {
		if p := repo.workflowChange(old, *body.SHA); p != "" {
			return workflowRefusal(p)
		}
	}
	repo.refs[ref] = *body.SHA
	return http.StatusOK, s.refJSON(repo, ref)
}

func (s *Server) deleteRef(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	ref := "refs/" + strings.TrimPrefix(r.PathValue("ref"), "refs/")
	if _, ok := repo.refs[ref]; !ok {
		return validation("Reference does not exist")
	}
	delete(repo.refs, ref)
	return http.StatusNoContent, nil
}

func (s *Server) getContents(r *http.Request) (int, any) {
	repo, ok := s.lookup(r)
	if !ok {
		return notFound()
	}
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		ref = repo.DefaultBranch
	}
	sha, ok := repo.refs["refs/heads/"+ref]
	if !ok {
		if _, isCommit := repo.commits[ref]; !isCommit {
			return apiError(http.StatusNotFound, "No commit found for the ref "+ref)
		}
		sha = ref
	}
	files := repo.trees[repo.commits[sha].Tree]
	p := strings.Trim(r.PathValue("path"), "/")
	if f, ok := files[p]; ok {
		data := repo.blobs[f.SHA]
		return http.StatusOK, map[string]any{"type": "file", "encoding": "base64", "size": len(data),
			"name": path.Base(p), "path": p, "sha": f.SHA, "content": base64.StdEncoding.EncodeToString(data)}
	}
	var out []map[string]any
	seen := map[string]bool{}
	for q, f := range files {
		if !strings.HasPrefix(q, p+"/") && p != "" {
			continue
		}
		rest := strings.TrimPrefix(q, p+"/")
		if p == "" {
			rest = q
		}
		name, _, isDir := strings.Cut(rest, "/")
		full := strings.TrimPrefix(p+"/"+name, "/")
		if seen[full] {
			continue
		}
		seen[full] = true
		if isDir {
			out = append(out, map[string]any{"type": "dir", "name": name, "path": full, "sha": gitHash("tree", []byte(full))})
		} else {
			out = append(out, map[string]any{"type": "file", "name": name, "path": full, "sha": f.SHA, "size": len(repo.blobs[f.SHA])})
		}
	}
	if len(out) == 0 {
		return notFound()
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["path"].(string) < out[j]["path"].(string) })
	return http.StatusOK, out
}
