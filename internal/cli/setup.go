package cli

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	gh "github.com/google/go-github/v62/github"

	"github.com/devops-lead/devops-lead/internal/config"
)

const setupSynopsis = `setup --webhook-url URL [flags]

Creates the devops-lead GitHub App from a manifest (GitHub's "register a
GitHub App from a manifest" flow): it serves a page on this machine (open
the URL it prints), which sends you to GitHub with the App's name,
webhook URL and exactly the permissions and events the App uses. You
name the App and confirm; GitHub sends you back here, the temporary code
is exchanged for the App's id, slug, client id and secret, webhook secret
and private key (POST /app-manifests/{code}/conversions), and these are
written to --out with mode 0600. Nothing secret is printed. Then install
the App on your repositories and run

  devops-lead serve --env-file devops-lead-app.env

GitHub Enterprise Server: --github-url https://HOST and
--api-url https://HOST/api/v3.`

const (
	defaultGitHubURL = "https://github.com"
	defaultHomepage  = "https://github.com/devops-lead/devops-lead"
	defaultEnvFile   = "devops-lead-app.env"
)

func init() {
	register(&command{name: "setup", summary: "create the GitHub App from a manifest and write its credentials", run: cmdSetup})
}

// setupOptions are setup's flags.
type setupOptions struct {
	webhookURL string
	org        string
	name       string
	homepage   string
	listen     string
	out        string
	githubURL  string
	apiURL     string
	force      bool
	public     bool
	timeout    time.Duration
}

func cmdSetup(env *Env, args []string) int {
	o := setupOptions{}
	fs := newFlags(env, "setup", setupSynopsis)
	fs.StringVar(&o.webhookURL, "webhook-url", "", "where GitHub sends the App's webhooks: serve's public address + /webhook (required)")
	fs.StringVar(&o.org, "org", "", "create the App in this organisation (default: your personal account)")
	fs.StringVar(&o.name, "name", "devops-lead", "the App's name (unique on GitHub; you can change it on GitHub's page)")
	fs.StringVar(&o.homepage, "homepage", defaultHomepage, "the App's homepage URL")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "where the local page listens (loopback; port 0 picks a free one)")
	fs.StringVar(&o.out, "out", defaultEnvFile, "file to write the App's credentials to (mode 0600)")
	fs.StringVar(&o.githubURL, "github-url", defaultGitHubURL, "GitHub's web address (https://HOST for GitHub Enterprise Server)")
	fs.StringVar(&o.apiURL, "api-url", "", "GitHub's REST API (default $GITHUB_API_URL or https://api.github.com)")
	fs.BoolVar(&o.force, "force", false, "replace --out if it exists")
	fs.BoolVar(&o.public, "public", false, "let any account install the App (default: only the owner)")
	fs.DurationVar(&o.timeout, "timeout", time.Hour, "give up waiting for GitHub after this long (the code GitHub sends back lives an hour)")
	if code, done := parseFlags(env, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageErr(env, fs, "takes no arguments")
	}
	if o.apiURL == "" {
		o.apiURL = env.Getenv("GITHUB_API_URL")
	}
	if err := o.check(); err != nil {
		return usageErr(env, fs, "%v", err)
	}
	if !o.force {
		if _, err := os.Lstat(o.out); err == nil {
			fmt.Fprintf(env.Stderr, "devops-lead setup: %s exists; pass --force to replace it, or --out another file\n", o.out)
			return exitFail
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead setup: %v\n", err)
		return exitFail
	}
	if err := runSetup(ctx, &o, ln, env.Stdout, env.Stderr); err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead setup: %v\n", err)
		return exitFail
	}
	return exitOK
}

// check validates the options before anything listens.
func (o *setupOptions) check() error {
	if o.webhookURL == "" {
		return errors.New("--webhook-url is required: the public https address GitHub will send webhooks to, serve's /webhook (e.g. https://devops-lead.example.com/webhook)")
	}
	for _, u := range []struct{ flag, val string }{{"--webhook-url", o.webhookURL}, {"--homepage", o.homepage}, {"--github-url", o.githubURL}, {"--api-url", o.apiURL}} {
		if u.val == "" && u.flag == "--api-url" {
			continue
		}
		p, err := url.Parse(u.val)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return fmt.Errorf("%s %q is not an absolute http(s) URL", u.flag, u.val)
		}
	}
	if o.org != "" && strings.ContainsAny(o.org, "/?#% ") {
		return fmt.Errorf("--org %q is not an organisation login", o.org)
	}
	if strings.TrimSpace(o.name) == "" {
		return errors.New("--name is empty")
	}
	return nil
}

// appManifest is the GitHub App manifest setup posts.
type appManifest struct {
	Name           string            `json:"name"`
	URL            string            `json:"url"`
	HookAttributes hookAttributes    `json:"hook_attributes"`
	RedirectURL    string            `json:"redirect_url"`
	Description    string            `json:"description"`
	Public         bool              `json:"public"`
	Events         []string          `json:"default_events"`
	Permissions    map[string]string `json:"default_permissions"`
}

type hookAttributes struct {
	URL    string `json:"url"`
	Active bool   `json:"active"`
}

// setupFlow is one run of the manifest flow.
type setupFlow struct {
	o        *setupOptions
	state    string
	base     string // the local page, http://127.0.0.1:PORT
	manifest []byte
	done     chan setupResult
	stderr   io.Writer
}

type setupResult struct {
	app *gh.AppConfig
	err error
}

// runSetup serves the local page on ln until the App is created (or ctx
// ends), then writes the credentials and prints the next steps.
func runSetup(ctx context.Context, o *setupOptions, ln net.Listener, stdout, stderr io.Writer) error {
	defer ln.Close()
	f := &setupFlow{o: o, state: randomState(), done: make(chan setupResult, 1), stderr: stderr}
	f.base = "http://" + loopbackAddr(ln.Addr())
	var err error
	f.manifest, err = json.Marshal(appManifest{
		Name:           o.name,
		URL:            o.homepage,
		HookAttributes: hookAttributes{URL: o.webhookURL, Active: true},
		RedirectURL:    f.base + "/callback",
		Description:    "A DevOps lead: plans CI/CD, container and deployment work from an issue and opens validated pull requests.",
		Public:         o.public,
		Events:         manifestEvents(),
		Permissions:    manifestPermissions(),
	})
	if err != nil {
		return fmt.Errorf("the manifest: %w", err)
	}
	if p, _ := url.Parse(o.webhookURL); p != nil && !strings.HasSuffix(p.Path, "/webhook") {
		fmt.Fprintf(stderr, "warning: serve takes deliveries at /webhook; --webhook-url %s does not end with it\n", o.webhookURL)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", f.page)
	mux.HandleFunc("GET /callback", f.callback)
	host := strings.TrimPrefix(f.base, "http://")
	// Only the address printed is served: a page elsewhere that points
	// its own host name at 127.0.0.1 (DNS rebinding) cannot read the
	// state or play the callback.
	guard := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != host {
			http.Error(w, "open "+f.base+"/", http.StatusMisdirectedRequest)
			return
		}
		mux.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: guard, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	fmt.Fprintf(stdout, "Open %s/ in your browser to create the GitHub App %q on %s.\n", f.base, o.name, f.target())
	fmt.Fprintln(stdout, "Waiting for GitHub to send you back (Ctrl-C to give up)...")
	var res setupResult
	select {
	case res = <-f.done:
	case <-ctx.Done():
		return fmt.Errorf("no App was created: %w", context.Cause(ctx))
	}
	// Let the browser get its answer before the server goes.
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if res.err != nil {
		return res.err
	}
	return f.report(res.app, stdout)
}

// target is where the form posts: GitHub's "new App" page of the
// account or the organisation.
func (f *setupFlow) target() string {
	base := strings.TrimRight(f.o.githubURL, "/")
	if f.o.org != "" {
		return base + "/organizations/" + url.PathEscape(f.o.org) + "/settings/apps/new"
	}
	return base + "/settings/apps/new"
}

var setupPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Create the devops-lead GitHub App</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">
<h1>Create the devops-lead GitHub App</h1>
<p>GitHub will ask you to name the App ({{.Name}}) and confirm. It gets these repository permissions:
{{range .Permissions}}<code>{{.Name}}: {{.Access}}</code> {{end}}and these events: {{range .Events}}<code>{{.Name}}</code> {{end}}.
Its webhooks go to <code>{{.Webhook}}</code>.</p>
<form action="{{.Action}}" method="post">
<input type="hidden" name="manifest" value="{{.Manifest}}">
<button type="submit">Create the App on GitHub</button>
</form>
</body></html>
`))

// page serves the form that posts the manifest to GitHub.
func (f *setupFlow) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	setupPage.Execute(w, map[string]any{
		"Name": f.o.name, "Permissions": appPermissions, "Events": appEvents, "Webhook": f.o.webhookURL,
		"Action":   f.target() + "?state=" + url.QueryEscape(f.state),
		"Manifest": string(f.manifest),
	})
}

// callback takes GitHub's redirect: it checks the state, exchanges the
// code for the App's configuration and ends the flow. A wrong state is
// refused and the flow keeps waiting.
func (f *setupFlow) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state, code := q.Get("state"), q.Get("code")
	if subtle.ConstantTimeCompare([]byte(state), []byte(f.state)) != 1 {
		http.Error(w, "This link does not come from the page devops-lead setup served (wrong state); start again from "+f.base+"/", http.StatusBadRequest)
		return
	}
	if code == "" || strings.ContainsAny(code, "/?#%") {
		http.Error(w, "GitHub sent no usable code back", http.StatusBadRequest)
		return
	}
	app, err := f.convert(r.Context(), code)
	if err != nil {
		http.Error(w, "Could not get the App's credentials from GitHub; see the terminal.", http.StatusBadGateway)
		f.finish(setupResult{err: err})
		return
	}
	if err := writeAppEnv(f.o, app); err != nil {
		http.Error(w, "The App was created but its credentials could not be saved; see the terminal.", http.StatusInternalServerError)
		f.finish(setupResult{err: fmt.Errorf("the App %s (id %d) was created on GitHub, but: %w; delete it in its settings (%s) and run setup again",
			app.GetSlug(), app.GetID(), err, app.GetHTMLURL())})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	template.Must(template.New("done").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>App created</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto"><h1>The App {{.Name}} is created</h1>
<p>Its credentials are saved in <code>{{.Out}}</code>. Next, <a href="{{.Install}}">install it on your repositories</a>; the terminal says how to start the server. You can close this page.</p></body></html>
`)).Execute(w, map[string]string{"Name": app.GetName(), "Out": f.o.out, "Install": installURL(app)})
	f.finish(setupResult{app: app})
}

func (f *setupFlow) finish(r setupResult) {
	select {
	case f.done <- r:
	default: // the flow already ended
	}
}

// convert exchanges the temporary code (POST /app-manifests/{code}/conversions).
func (f *setupFlow) convert(ctx context.Context, code string) (*gh.AppConfig, error) {
	c := gh.NewClient(&http.Client{Timeout: 30 * time.Second})
	if f.o.apiURL != "" {
		u, err := url.Parse(strings.TrimRight(f.o.apiURL, "/") + "/")
		if err != nil {
			return nil, fmt.Errorf("--api-url: %w", err)
		}
		c.BaseURL = u
	}
	app, _, err := c.Apps.CompleteAppManifest(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("exchange the code GitHub sent back for the App's credentials (POST /app-manifests/{code}/conversions): %w", err)
	}
	var missing []string
	if app.GetID() == 0 {
		missing = append(missing, "id")
	}
	if app.GetSlug() == "" {
		missing = append(missing, "slug")
	}
	if app.GetWebhookSecret() == "" {
		missing = append(missing, "webhook_secret")
	}
	if !strings.Contains(app.GetPEM(), "PRIVATE KEY-----") {
		missing = append(missing, "pem")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("GitHub's answer for the new App lacks %s", strings.Join(missing, ", "))
	}
	return app, nil
}

// appEnvVars are the variables setup writes, in the names serve reads.
func appEnvVars(o *setupOptions, app *gh.AppConfig) []config.EnvVar {
	vars := []config.EnvVar{
		{Key: "GITHUB_APP_ID", Value: strconv.FormatInt(app.GetID(), 10)},
		{Key: "GITHUB_APP_SLUG", Value: app.GetSlug()},
	}
	if o.apiURL != "" {
		vars = append(vars, config.EnvVar{Key: "GITHUB_API_URL", Value: o.apiURL})
	}
	return append(vars,
		config.EnvVar{Key: "GITHUB_CLIENT_ID", Value: app.GetClientID()},
		config.EnvVar{Key: "GITHUB_CLIENT_SECRET", Value: app.GetClientSecret()},
		config.EnvVar{Key: "GITHUB_WEBHOOK_SECRET", Value: app.GetWebhookSecret()},
		config.EnvVar{Key: "GITHUB_PRIVATE_KEY", Value: strings.TrimRight(app.GetPEM(), "\n") + "\n"},
	)
}

// writeAppEnv writes the App's credentials to o.out with mode 0600:
// created exclusively, or with --force written beside it and renamed
// over it, so the file never exists with looser permissions or half
// written.
func writeAppEnv(o *setupOptions, app *gh.AppConfig) error {
	data, err := config.FormatEnvFile([]string{
		fmt.Sprintf("The GitHub App %q (%s), created by devops-lead setup on %s.", app.GetName(), app.GetHTMLURL(), time.Now().UTC().Format("2006-01-02")),
		"Secrets: keep this file private. Use it with",
		"  devops-lead serve --env-file " + o.out,
		"or load it into a POSIX shell with: set -a; . ./" + filepath.Base(o.out) + "; set +a",
		"GITHUB_APP_SLUG is only a fallback: serve asks GitHub for the App's slug at start.",
	}, appEnvVars(o, app))
	if err != nil {
		return err
	}
	if !o.force {
		fh, err := os.OpenFile(o.out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("write the credentials: %w", err)
		}
		if _, err := fh.Write(data); err != nil {
			fh.Close()
			os.Remove(o.out)
			return fmt.Errorf("write the credentials: %w", err)
		}
		return fh.Close()
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.out), ".devops-lead-app-*")
	if err != nil {
		return fmt.Errorf("write the credentials: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write the credentials: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write the credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write the credentials: %w", err)
	}
	if err := os.Rename(tmp.Name(), o.out); err != nil {
		return fmt.Errorf("write the credentials: %w", err)
	}
	return nil
}

// report prints what was created and what to do next, without secrets.
func (f *setupFlow) report(app *gh.AppConfig, w io.Writer) error {
	out := f.o.out
	if !strings.ContainsRune(out, filepath.Separator) {
		out = "." + string(filepath.Separator) + out
	}
	fmt.Fprintf(w, `
Created the GitHub App %q (id %d, slug %s): %s
Its id, slug, client id and secret, webhook secret and private key are in %s (mode 0600).
Nothing secret was printed; keep that file private.

Next:
  1. Install the App on the repositories it should serve:
       %s
  2. Start the server where %s reaches it:
       devops-lead serve --env-file %s
`, app.GetName(), app.GetID(), app.GetSlug(), app.GetHTMLURL(), f.o.out, installURL(app), f.o.webhookURL, out)
	return nil
}

// installURL is the App's "install" page.
func installURL(app *gh.AppConfig) string {
	return strings.TrimRight(app.GetHTMLURL(), "/") + "/installations/new"
}

// loopbackAddr is ln's address as a browser can reach it: an unspecified
// host (":0", "0.0.0.0") becomes 127.0.0.1.
func loopbackAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// randomState is the manifest flow's state: 128 random bits.
func randomState() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (Go 1.24+ crashes rather than return an error)
	return hex.EncodeToString(b)
}
