// Package githubtest is an in-memory GitHub REST server for tests. It
// speaks the wire format of the endpoints devops-lead uses (installation
// tokens, the App itself (GET /app), issues, labels, comments, reactions, sub-issues, collaborator
// permissions, the Git Data API, contents and pulls), so the real go-github
// and ghinstallation clients talk to it. Calls authenticate as an App
// installation or with a static token registered by AddToken (the
// GITHUB_TOKEN of a workflow run, a personal access token). It is strict:
// an unknown endpoint, a body that does not decode into the documented
// request shape, or a missing or wrong token fails the test. Faults (5xx, rate limits, 422s) can
// be injected per endpoint, and every call is counted.
package githubtest

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// Server is the in-memory GitHub. Create it with New; it closes itself
// when the test ends.
type Server struct {
	*httptest.Server
	t testing.TB

	mu     sync.Mutex
	appID  int64
	appKey *rsa.PublicKey
	// AppSlug is the App's slug; its bot user is AppSlug+"[bot]".
	AppSlug string
	// AppName is the App's name in GET /app (AppSlug when empty).
	AppName string
	tokens  map[string]int64 // installation token → installation id
	static  map[string]*staticToken
	repos   map[string]*Repo // "owner/name"
	calls   map[string]int   // "METHOD pattern" → count
	faults  map[string][]Fault
	hooks   hookState
	inj     *injector  // faults.go
	checks  checkState // check runs (checks.go)
	nextID  int64
	now     func() time.Time

	manifestCodes map[string]*manifestCode // the App manifest flow (apps.go)
	registrations []ManifestRegistration
}

// Fault is an injected answer for one call of an endpoint.
type Fault struct {
	Status  int
	Headers map[string]string
	Body    string
}

// New starts a server for an App with the id and public key (the tests
// sign App JWTs with the matching private key).
func New(t testing.TB, appID int64, appKey *rsa.PublicKey) *Server {
	s := &Server{
		t: t, appID: appID, appKey: appKey, AppSlug: "devops-lead",
		tokens: map[string]int64{}, static: map[string]*staticToken{}, repos: map[string]*Repo{}, calls: map[string]int{},
		faults: map[string][]Fault{}, nextID: 1000, now: time.Now,
	}
	mux := &router{}
	s.routes(mux)
	s.manifestRoutes(mux)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := mux.match(r); h != nil {
			h(w, r)
			return
		}
		s.t.Errorf("githubtest: unknown endpoint %s %s", r.Method, r.URL.Path)
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}))
	t.Cleanup(s.Close)
	return s
}

// headed is a handler's body with response headers (a Link header for
// the next page).
type headed struct {
	headers map[string]string
	body    any
}

// handler is an endpoint implementation; it runs with s.mu held.
type handler func(r *http.Request) (status int, body any)

// queuedFault answers with the next fault queued for the endpoint (by
// Fail), if any; it runs with s.mu held.
func (s *Server) queuedFault(w http.ResponseWriter, pattern string) bool {
	q := s.faults[pattern]
	if len(q) == 0 {
		return false
	}
	f := q[0]
	s.faults[pattern] = q[1:]
	for k, v := range f.Headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	io.WriteString(w, f.Body)
	return true
}

// handle registers an endpoint with counting, fault injection, auth and
// the lock around the handler.
func (s *Server) handle(mux *router, pattern string, auth authKind, h handler) {
	mux.add(pattern, func(w http.ResponseWriter, r *http.Request) {
		fault := s.drawFault(pattern, r)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls[pattern]++
		if s.queuedFault(w, pattern) {
			return
		}
		if err := s.authorize(r, auth); err != nil {
			if auth == authAppCheck && errors.Is(err, errBadJWT) {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "A JSON web token could not be decoded",
					"documentation_url": "https://docs.github.com/rest"})
				return
			}
			s.t.Errorf("githubtest: %s %s: %v", r.Method, r.URL.Path, err)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
			return
		}
		if faultBefore(w, fault) {
			return
		}
		status, body := h(r)
		if s.faultAfter(w, fault) {
			return
		}
		if hb, ok := body.(headed); ok {
			for k, v := range hb.headers {
				w.Header().Set(k, v)
			}
			body = hb.body
		}
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, body)
	})
}

type authKind int

const (
	authInstallation authKind = iota // an installation token
	authApp                          // an App JWT
	authAppCheck                     // an App JWT; one that does not verify is answered 401
)

func (s *Server) authorize(r *http.Request, kind authKind) error {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	switch kind {
	case authApp, authAppCheck:
		if !strings.EqualFold(scheme, "bearer") {
			return fmt.Errorf("want an App JWT (Authorization: Bearer), got %q", scheme)
		}
		claims := &jwt.RegisteredClaims{}
		_, err := jwt.ParseWithClaims(cred, claims, func(tok *jwt.Token) (any, error) {
			if tok.Method.Alg() != "RS256" {
				return nil, fmt.Errorf("the App JWT is signed with %s, want RS256", tok.Method.Alg())
			}
			return s.appKey, nil
		})
		if err != nil {
			return fmt.Errorf("%w: %w", errBadJWT, err)
		}
		if claims.Issuer != strconv.FormatInt(s.appID, 10) {
			return fmt.Errorf("%w: the issuer is %q, want the App id %d", errBadJWT, claims.Issuer, s.appID)
		}
		return nil
	default:
		if !strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "bearer") {
			return fmt.Errorf("want an installation or static token, got Authorization %q", scheme)
		}
		if _, ok := s.static[cred]; ok {
			return nil
		}
		if _, ok := s.tokens[cred]; !ok {
			return fmt.Errorf("unknown token (neither an installation token nor one added with AddToken)")
		}
		return nil
	}
}

// staticToken is a token that does not come from an installation: it acts
// as one login on a fixed set of repositories.
type staticToken struct {
	login string
	repos map[string]bool
}

// AddToken registers a static token, sent as "Authorization: token X" or
// "Bearer X", that acts as login (e.g. "github-actions[bot]" for a
// workflow's GITHUB_TOKEN) on the repositories ("owner/name"), creating
// them if needed. What it creates (issues, comments, reactions, pull
// requests, commits) is authored by login; other repositories are 404 to
// it, as to a GITHUB_TOKEN.
func (s *Server) AddToken(token, login string, repos ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &staticToken{login: login, repos: map[string]bool{}}
	for _, full := range repos {
		s.repoLocked(full)
		st.repos[full] = true
	}
	s.static[token] = st
}

// actor is the login a request acts as: a static token's login, or the
// App's bot for an installation token.
func (s *Server) actor(r *http.Request) string {
	_, tok, _ := cutAuth(r.Header.Get("Authorization"))
	if st, ok := s.static[tok]; ok {
		return st.login
	}
	return s.AppSlug + "[bot]"
}

// Fail queues faults for the next calls of an endpoint pattern, e.g.
// "POST /repos/{owner}/{repo}/git/refs".
func (s *Server) Fail(pattern string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[pattern] = append(s.faults[pattern], faults...)
}

// ServerError is a 500 fault.
func ServerError() Fault {
	return Fault{Status: http.StatusInternalServerError, Body: `{"message":"Server Error"}`}
}

// SecondaryRateLimit is GitHub's 403 secondary rate limit with Retry-After.
func SecondaryRateLimit(retryAfter time.Duration) Fault {
	return Fault{Status: http.StatusForbidden,
		Headers: map[string]string{"Retry-After": strconv.Itoa(int(retryAfter.Seconds()))},
		Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",` +
			`"documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}
}

// PrimaryRateLimit is GitHub's 403 primary rate limit, resetting at reset.
func PrimaryRateLimit(reset time.Time) Fault {
	return Fault{Status: http.StatusForbidden,
		Headers: map[string]string{"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0",
			"X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)},
		Body: `{"message":"API rate limit exceeded for installation.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}`}
}

// Calls returns how often an endpoint pattern was called.
func (s *Server) Calls(pattern string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[pattern]
}

// AllCalls returns a copy of every endpoint's call count.
func (s *Server) AllCalls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// TotalCalls returns the number of calls to every endpoint.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.calls {
		n += v
	}
	return n
}

// ResetCalls zeroes the call counters.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
}

// CallSummary formats the counters, one "pattern: n" per line, sorted.
func (s *Server) CallSummary() string {
	calls := s.AllCalls()
	keys := make([]string, 0, len(calls))
	for k := range calls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %d\n", k, calls[k])
	}
	return b.String()
}

func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

// decode reads a JSON body strictly into v: unknown fields and trailing
// data are errors that fail the test (a malformed request is our bug).
func (s *Server) decode(r *http.Request, v any) bool {
	data, err := io.ReadAll(io.LimitReader(r.Body, 50<<20))
	if err != nil {
		s.t.Errorf("githubtest: %s %s: read body: %v", r.Method, r.URL.Path, err)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.t.Errorf("githubtest: %s %s: malformed body %s: %v", r.Method, r.URL.Path, truncate(data), err)
		return false
	}
	if dec.More() {
		s.t.Errorf("githubtest: %s %s: trailing data after the JSON body", r.Method, r.URL.Path)
		return false
	}
	return true
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", "4999")
	w.WriteHeader(status)
	if body != nil {
		json.NewEncoder(w).Encode(body)
	}
}

// apiError is GitHub's error document.
func apiError(status int, msg string) (int, any) {
	return status, map[string]any{"message": msg, "documentation_url": "https://docs.github.com/rest"}
}

func validation(msg string) (int, any) {
	return http.StatusUnprocessableEntity, map[string]any{"message": msg,
		"errors": []map[string]string{{"resource": "Request", "code": "custom", "message": msg}}}
}
