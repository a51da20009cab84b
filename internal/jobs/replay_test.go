package jobs

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/jobs/jobstest"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

const replaySecret = "replay-secret"

func commentBody(commentID int64) []byte {
	return []byte(fmt.Sprintf(`{"action":"created","installation":{"id":42},"repository":{"full_name":"acme/api"},`+
		`"sender":{"login":"alice","type":"User"},"issue":{"id":1001,"number":%d},`+
		`"comment":{"id":%d,"updated_at":"2026-12-06T10:00:00Z","body":"/devops help"}}`, commentID, commentID))
}

func postSigned(t *testing.T, h http.Handler, id string, body []byte) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set("X-GitHub-Event", "issue_comment")
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", webhook.Sign(replaySecret, body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestReplayedBodyRunsOnce: a captured signed body posted again under a
// new delivery id is a duplicate; two different comments both run.
func TestReplayedBodyRunsOnce(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		rec := newRecorder()
		q := startQueue(t, db, rec)
		h, err := webhook.New(replaySecret, q.Outbox, nil)
		if err != nil {
			t.Fatal(err)
		}
		first, second := commentBody(5001), commentBody(5002)
		for _, c := range []struct {
			id   string
			body []byte
			code int
			dup  bool
		}{
			{"d-1", first, http.StatusAccepted, false},
			{"d-replay", first, http.StatusOK, true}, // same body, new id
			{"d-1", first, http.StatusOK, true},      // GitHub's own redelivery
			{"d-2", second, http.StatusAccepted, false},
			{"d-replay-2", second, http.StatusOK, true},
		} {
			code, msg := postSigned(t, h, c.id, c.body)
			if code != c.code || strings.Contains(msg, "duplicate") != c.dup {
				t.Fatalf("%s: %d %q, want %d (duplicate %v)", c.id, code, msg, c.code, c.dup)
			}
		}
		waitFor(t, rec, 2)
		time.Sleep(300 * time.Millisecond) // let a wrong third run show itself
		if err := q.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if rec.done["d-1"] != 1 || rec.done["d-2"] != 1 || len(rec.done) != 2 {
			t.Fatalf("ran %v, want d-1 and d-2 once each", rec.done)
		}
		var n int
		if err := db.Outbox.QueryRow("SELECT COUNT(*) FROM devops_lead_deliveries").Scan(&n); err != nil || n != 2 {
			t.Fatalf("stored %d deliveries (%v), want 2", n, err)
		}
	})
}

// TestReplayInOneBatch: the replay arrives in the same group commit as
// the original; one of the two is stored.
func TestReplayInOneBatch(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		o := NewOutbox(db)
		defer o.Close()
		mk := func(id string) *webhook.Delivery {
			d, err := webhook.FromPayload(id, "issue_comment", commentBody(7))
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		res, err := o.write([]*saveReq{newSaveReq(mk("a")), newSaveReq(mk("b")), newSaveReq(mk("a"))})
		if err != nil {
			t.Fatal(err)
		}
		if !res[0].isNew || res[1].isNew || res[2].isNew {
			t.Fatalf("results %+v, want only the first new", res)
		}
	})
}

// TestIdentityMigrationUpgradesAnOldOutbox: an outbox made before the
// identity column gets it, and its old rows (no identity) stay.
func TestIdentityMigrationUpgradesAnOldOutbox(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		var path, url string
		var old *sql.DB
		var err error
		// old-3's payload does not decode (payload.go): opening still
		// moves it, and its own job reports it.
		blob, payload, corrupt := "BLOB", "x'7b7d'", "x'01ffffffff'"
		if backend == "sqlite" {
			path = filepath.Join(t.TempDir(), "queue.db")
			old, err = sql.Open("sqlite", "file:"+path+".outbox")
		} else {
			url = jobstest.PostgresURL(t)
			old, err = sql.Open("pgx", url)
			blob, payload, corrupt = "BYTEA", "'\\x7b7d'", "'\\x01ffffffff'"
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			`CREATE TABLE devops_lead_deliveries (id TEXT PRIMARY KEY, event TEXT NOT NULL, action TEXT NOT NULL,
				installation BIGINT NOT NULL, repo TEXT NOT NULL, number INTEGER NOT NULL, sender TEXT NOT NULL,
				sender_is_bot BOOLEAN NOT NULL, payload ` + blob + ` NOT NULL, received_at BIGINT NOT NULL, dispatched_at BIGINT)`,
			`INSERT INTO devops_lead_deliveries VALUES ('old-1','issues','labeled',42,'acme/api',1,'alice',false,` + payload + `,1,NULL)`,
			`INSERT INTO devops_lead_deliveries VALUES ('old-2','issues','labeled',42,'acme/api',2,'alice',false,` + payload + `,2,NULL)`,
			`INSERT INTO devops_lead_deliveries VALUES ('old-3','issues','labeled',42,'acme/api',3,'alice',false,` + corrupt + `,3,NULL)`,
		} {
			if _, err := old.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
		old.Close()
		for i := 0; i < 2; i++ { // the second open finds the migration done
			db, err := Open(context.Background(), path, url)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.Outbox.QueryRow("SELECT COUNT(*) FROM devops_lead_deliveries WHERE identity IS NULL").Scan(&n); err != nil || n != 3 {
				t.Fatalf("old rows %d %v", n, err)
			}
			d, err := db.Delivery(context.Background(), "old-1")
			if err != nil || string(d.Payload) != "{}" {
				t.Fatalf("old delivery %+v %v", d, err)
			}
			// The first open moves the undispatched deliveries into the
			// pending table; once dispatched, a later open moves none back.
			if _, err := db.Delivery(context.Background(), "old-3"); err == nil || !strings.Contains(err.Error(), "corrupt") {
				t.Fatalf("old-3: %v, want an error that names the corrupt payload", err)
			}
			want := 3
			if i == 1 {
				want = 0
			}
			if err := db.Outbox.QueryRow("SELECT COUNT(*) FROM devops_lead_pending").Scan(&n); err != nil || n != want {
				t.Fatalf("open %d: %d pending %v, want %d", i+1, n, err, want)
			}
			if _, err := db.Outbox.Exec("DELETE FROM devops_lead_pending"); err != nil {
				t.Fatal(err)
			}
			db.Close()
		}
	})
}
