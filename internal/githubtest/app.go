package githubtest

import (
	"errors"
	"net/http"
	"strconv"
)

// errBadJWT marks an App JWT that does not verify against the App's
// public key or names another App: GitHub answers such a call with 401.
var errBadJWT = errors.New("the App JWT does not verify")

// appRoutes registers the App's own endpoints.
func (s *Server) appRoutes(mux *router) {
	// GET /app is how a server learns who it is and checks its key, so a
	// JWT that does not verify is an answer (401), not a test failure.
	s.handle(mux, "GET /app", authAppCheck, s.getApp)
}

// getApp answers GET /app: the authenticated App's id, slug and name
// (https://docs.github.com/rest/apps/apps#get-the-authenticated-app).
func (s *Server) getApp(r *http.Request) (int, any) {
	name := s.AppName
	if name == "" {
		name = s.AppSlug
	}
	return http.StatusOK, map[string]any{
		"id":          s.appID,
		"slug":        s.AppSlug,
		"node_id":     "A_" + strconv.FormatInt(s.appID, 10),
		"name":        name,
		"owner":       map[string]any{"login": "acme", "id": 1, "type": "Organization"},
		"description": "",
		"html_url":    "https://github.com/apps/" + s.AppSlug,
		"permissions": map[string]string{"issues": "write", "pull_requests": "write", "contents": "write", "metadata": "read"},
		"events":      []string{"issues", "issue_comment", "pull_request_review"},
	}
}
