package githubtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// AppManifest is a GitHub App manifest as the registration page takes it
// (https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest).
// The page decodes it strictly: an unknown field fails the test.
type AppManifest struct {
	Name           string `json:"name,omitempty"`
	URL            string `json:"url"`
	HookAttributes *struct {
		URL    string `json:"url"`
		Active *bool  `json:"active,omitempty"`
	} `json:"hook_attributes,omitempty"`
	RedirectURL           string            `json:"redirect_url,omitempty"`
	CallbackURLs          []string          `json:"callback_urls,omitempty"`
	SetupURL              string            `json:"setup_url,omitempty"`
	Description           string            `json:"description,omitempty"`
	Public                *bool             `json:"public,omitempty"`
	DefaultEvents         []string          `json:"default_events,omitempty"`
	DefaultPermissions    map[string]string `json:"default_permissions,omitempty"`
	RequestOAuthOnInstall *bool             `json:"request_oauth_on_install,omitempty"`
	SetupOnUpdate         *bool             `json:"setup_on_update,omitempty"`
}

// ManifestRegistration is one manifest posted to the registration page:
// the organisation ("" for a personal account), the state it carried and
// the manifest.
type ManifestRegistration struct {
	Org      string
	State    string
	Manifest AppManifest
}

// manifestCode is a temporary code the registration page handed out.
type manifestCode struct {
	reg  ManifestRegistration
	used bool
}

// Webhook events a manifest may subscribe to (the ones a repository App
// can get; GitHub knows more, the fake only those worth a test).
var manifestEvents = map[string]bool{
	"issues": true, "issue_comment": true, "pull_request": true, "pull_request_review": true,
	"pull_request_review_comment": true, "push": true, "check_run": true, "check_suite": true,
	"workflow_run": true, "label": true, "create": true, "delete": true, "release": true,
}

// manifestRoutes registers the manifest flow: the web pages where a
// person registers an App from a manifest (github.com/settings/apps/new
// and its organisation variant), served by the same server as the API,
// and the API call that turns the code into the App's credentials.
func (s *Server) manifestRoutes(mux *router) {
	s.handleWeb(mux, "POST /settings/apps/new", s.registerManifest)
	s.handleWeb(mux, "POST /organizations/{org}/settings/apps/new", s.registerManifest)
	s.handleWeb(mux, "POST /app-manifests/{code}/conversions", s.convertManifest)
}

// handleWeb registers an endpoint that needs no credentials (a web page,
// or the conversion, which the code itself authorises), with counting,
// faults and the lock.
func (s *Server) handleWeb(mux *router, pattern string, h http.HandlerFunc) {
	mux.add(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls[pattern]++
		if s.queuedFault(w, pattern) {
			return
		}
		h(w, r)
	})
}

// registerManifest plays the person on GitHub's "Create GitHub App from
// manifest" page who names the App and confirms: the manifest (form field
// "manifest", the state in the query) is checked like GitHub checks it,
// a code is kept for it, and the browser is sent to redirect_url with
// code and state.
func (s *Server) registerManifest(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.t.Errorf("githubtest: %s %s: form: %v", r.Method, r.URL.Path, err)
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	for k := range r.PostForm {
		if k != "manifest" {
			s.t.Errorf("githubtest: %s: unknown form field %q (GitHub reads only \"manifest\")", r.URL.Path, k)
		}
	}
	dec := json.NewDecoder(strings.NewReader(r.PostForm.Get("manifest")))
	dec.DisallowUnknownFields()
	var m AppManifest
	if err := dec.Decode(&m); err != nil {
		s.t.Errorf("githubtest: %s: malformed manifest: %v", r.URL.Path, err)
		http.Error(w, "malformed manifest", http.StatusUnprocessableEntity)
		return
	}
	if msg := checkManifest(&m); msg != "" {
		s.t.Errorf("githubtest: %s: %s", r.URL.Path, msg)
		http.Error(w, msg, http.StatusUnprocessableEntity)
		return
	}
	redirect, err := url.Parse(m.RedirectURL)
	if err != nil {
		http.Error(w, "bad redirect_url", http.StatusUnprocessableEntity)
		return
	}
	code := randomHex(10)
	if s.manifestCodes == nil {
		s.manifestCodes = map[string]*manifestCode{}
	}
	reg := ManifestRegistration{Org: r.PathValue("org"), State: r.URL.Query().Get("state"), Manifest: m}
	s.manifestCodes[code] = &manifestCode{reg: reg}
	s.registrations = append(s.registrations, reg)
	q := redirect.Query()
	q.Set("code", code)
	if reg.State != "" {
		q.Set("state", reg.State)
	}
	redirect.RawQuery = q.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// checkManifest returns what GitHub would refuse in m, or "".
func checkManifest(m *AppManifest) string {
	if m.URL == "" {
		return "the manifest has no url (the App's homepage), which GitHub requires"
	}
	if m.HookAttributes == nil || m.HookAttributes.URL == "" {
		return "the manifest has no hook_attributes.url, so the App would get no webhooks"
	}
	for _, u := range []string{m.URL, m.HookAttributes.URL, m.RedirectURL} {
		if p, err := url.Parse(u); u != "" && (err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "") {
			return fmt.Sprintf("%q is not an absolute http(s) URL", u)
		}
	}
	if m.RedirectURL == "" {
		return "the manifest has no redirect_url: the code would not come back"
	}
	for p, a := range m.DefaultPermissions {
		if a != "read" && a != "write" {
			return fmt.Sprintf("permission %s: %q, want read or write", p, a)
		}
	}
	for _, e := range m.DefaultEvents {
		if !manifestEvents[e] {
			return fmt.Sprintf("unknown event %q", e)
		}
	}
	return ""
}

// convertManifest answers POST /app-manifests/{code}/conversions
// (https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest):
// the App is created with a new key pair and webhook secret, and becomes
// the App this server authenticates (its id, key and slug replace the
// ones given to New). A code works once; an unknown or used one is 404.
func (s *Server) convertManifest(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		s.t.Errorf("githubtest: %s: the conversion needs no credentials, got an Authorization header", r.URL.Path)
	}
	mc := s.manifestCodes[r.PathValue("code")]
	if mc == nil || mc.used {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found",
			"documentation_url": "https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest"})
		return
	}
	mc.used = true
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		s.t.Errorf("githubtest: generate the App key: %v", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Server Error"})
		return
	}
	m := mc.reg.Manifest
	id := s.id()
	s.appID, s.appKey = id, &key.PublicKey
	s.AppName = m.Name
	if s.AppName == "" {
		s.AppName = "app-" + strconv.FormatInt(id, 10)
	}
	s.AppSlug = slugify(s.AppName)
	owner := mc.reg.Org
	ownerType := "Organization"
	if owner == "" {
		owner, ownerType = "octocat", "User"
	}
	now := s.now().UTC().Format(time.RFC3339)
	writeJSON(w, http.StatusCreated, map[string]any{
		"id":             id,
		"slug":           s.AppSlug,
		"node_id":        "A_" + strconv.FormatInt(id, 10),
		"owner":          map[string]any{"login": owner, "id": 1, "type": ownerType},
		"name":           s.AppName,
		"description":    m.Description,
		"external_url":   m.URL,
		"html_url":       s.URL + "/apps/" + s.AppSlug,
		"created_at":     now,
		"updated_at":     now,
		"permissions":    m.DefaultPermissions,
		"events":         m.DefaultEvents,
		"client_id":      "Iv1." + randomHex(8),
		"client_secret":  randomHex(20),
		"webhook_secret": randomHex(20),
		"pem":            string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
	})
}

// Registrations returns the manifests posted to the registration page.
func (s *Server) Registrations() []ManifestRegistration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ManifestRegistration(nil), s.registrations...)
}

// AppID returns the id of the App the server authenticates.
func (s *Server) AppID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appID
}

var notSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slugify is GitHub's slug of an App name: lower case, runs of other
// characters as one hyphen.
func slugify(name string) string {
	return strings.Trim(notSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (Go 1.24+ crashes rather than return an error)
	return hex.EncodeToString(b)
}
