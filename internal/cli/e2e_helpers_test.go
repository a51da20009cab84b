package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/githubtest"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

// Helpers shared by the end-to-end tests of the GitHub front doors
// (serve and action) against the in-memory GitHub.

// repoFiles reads a sample repository under testdata/repos (path →
// content), to commit into the in-memory GitHub.
func repoFiles(t *testing.T, name string) map[string]string {
	t.Helper()
	files := map[string]string{}
	root := filepath.Join("testdata", "repos", name)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// eventPayload builds an event payload from the shared webhook fixtures,
// pointed at the issue and sent by sender. For a comment fixture the
// comment (with body) is posted on the issue first, as GitHub would have.
func eventPayload(t *testing.T, gh *githubtest.Server, issue *githubtest.Issue, fixture, sender, body string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "webhook", "testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	is := m["issue"].(map[string]any)
	is["number"], is["id"], is["title"], is["body"] = issue.Number, issue.ID, issue.Title, issue.Body
	// Each payload is a new event, as GitHub's are: the event time is part
	// of the identity serve deduplicates replays by.
	now := time.Now().UTC().Format(time.RFC3339Nano)
	is["updated_at"] = now
	typ := "User"
	if strings.HasSuffix(sender, "[bot]") {
		typ = "Bot"
	}
	m["sender"] = map[string]any{"login": sender, "id": 99, "type": typ}
	if c, ok := m["comment"].(map[string]any); ok {
		cm := gh.AddComment("acme/api", issue.Number, sender, body)
		c["id"], c["body"], c["user"], c["created_at"], c["updated_at"] = cm.ID, body, m["sender"], now, now
	}
	out, _ := json.Marshal(m)
	return out
}

// commentsBy returns the comments login wrote on an issue.
func commentsBy(r *githubtest.Repo, number int, login string) []*githubtest.Comment {
	var out []*githubtest.Comment
	for _, c := range r.CommentsOn(number) {
		if c.Author == login {
			out = append(out, c)
		}
	}
	return out
}

// hasCommentBy reports whether login wrote a comment containing substr.
func hasCommentBy(r *githubtest.Repo, number int, login, substr string) bool {
	for _, c := range commentsBy(r, number, login) {
		if strings.Contains(c.Body, substr) {
			return true
		}
	}
	return false
}

func openPRs(r *githubtest.Repo) []*githubtest.Pull {
	var out []*githubtest.Pull
	for _, p := range r.Pulls {
		if p.State == "open" {
			out = append(out, p)
		}
	}
	return out
}

// newAppGitHub starts the in-memory GitHub for App 77 with its key, an
// installation (42) on acme/api holding the go sample, and alice as a
// writer: the world the serve tests start from.
func newAppGitHub(t *testing.T) (*githubtest.Server, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	gh := githubtest.New(t, 77, &key.PublicKey)
	gh.AddInstallation(42, "acme/api")
	repo := gh.Repo("acme/api")
	repo.SetFiles(repoFiles(t, "go"))
	repo.Permissions["alice"] = "write"
	return gh, key
}

// postLabeled posts a signed issues.labeled delivery for issue to a
// webhook URL and fails the test unless it is stored (202).
func postLabeled(t *testing.T, gh *githubtest.Server, issue *githubtest.Issue, url string) {
	t.Helper()
	body := eventPayload(t, gh, issue, "issues-labeled.json", "alice", "")
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("X-GitHub-Event", "issues")
	req.Header.Set("X-GitHub-Delivery", nextDelivery())
	req.Header.Set("X-Hub-Signature-256", webhook.Sign(hookSecret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("label delivery: %d", resp.StatusCode)
	}
}

// pullEvent is a pull_request event (opened, synchronize...) for pull
// request number of acme/api as it is now (head sha included), sent by
// sender.
func pullEvent(t *testing.T, gh *githubtest.Server, number int, action, sender string) []byte {
	t.Helper()
	pr := gh.PullJSON("acme/api", number)
	typ := "User"
	if strings.HasSuffix(sender, "[bot]") {
		typ = "Bot"
	}
	m := map[string]any{"action": action, "number": number, "pull_request": pr, "repository": pr["base"].(map[string]any)["repo"],
		"sender": map[string]any{"login": sender, "id": 98, "type": typ}, "installation": map[string]any{"id": 42}}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkRunsOn returns the check runs posted on a commit of acme/api.
func checkRunsOn(gh *githubtest.Server, sha string) []githubtest.CheckRun {
	var out []githubtest.CheckRun
	for _, cr := range gh.CheckRuns("acme/api") {
		if cr.HeadSHA == sha {
			out = append(out, cr)
		}
	}
	return out
}

// testServerConfig is serve's configuration in the tests: App 77 with
// key, GitHub at apiURL, SQLite in a temporary directory, two workers and
// short queue waits.
func testServerConfig(t *testing.T, apiURL string, key *rsa.PrivateKey) *config.Server {
	return &config.Server{
		AppID: 77, AppSlug: "devops-lead", WebhookSecret: hookSecret, APIURL: apiURL,
		PrivateKey:    pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		DBPath:        filepath.Join(t.TempDir(), "queue.db"),
		Workers:       2,
		ShutdownGrace: 20 * time.Second,
		QueuePoll:     50 * time.Millisecond,
		RetryDelay:    100 * time.Millisecond,
		MaxAttempts:   3,
	}
}

// serveUntilRefused runs Serve on a loopback listener for at most 30 s
// and returns its error: for configurations serve must refuse at start.
func serveUntilRefused(t *testing.T, cfg *config.Server) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Serve(ctx, cfg, ln, slog.New(slog.DiscardHandler))
}
