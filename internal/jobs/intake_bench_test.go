package jobs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/devops-lead/devops-lead/internal/jobs/jobstest"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

// BenchmarkIntake posts signed 13.8 KB issues.labeled deliveries, each a
// distinct event, from 16 concurrent senders straight into the webhook
// handler (no network), stored by an in-memory map (the baseline), the
// SQLite outbox and, with DEVOPS_LEAD_TEST_DATABASE_URL, the PostgreSQL
// outbox; each answer is a 202 only once its delivery is durable. It
// reports deliveries/s; bench/intake measures the same over loopback HTTP
// with the queue running, beside the disk's flush latency.
func BenchmarkIntake(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchIntake(b, &memStore{seen: map[string]struct{}{}}) })
	b.Run("sqlite", func(b *testing.B) {
		db, err := Open(context.Background(), filepath.Join(b.TempDir(), "queue.db"), "")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		o := NewOutbox(db)
		defer o.Close()
		benchIntake(b, o)
	})
	b.Run("postgres", func(b *testing.B) {
		db, err := Open(context.Background(), "", jobstest.PostgresURL(b))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		o := NewOutbox(db)
		defer o.Close()
		benchIntake(b, o)
	})
}

var benchSeq atomic.Int64

func benchIntake(b *testing.B, store webhook.Store) {
	const secret, senders = "bench", 16
	h, err := webhook.New(secret, store, discardLogger())
	if err != nil {
		b.Fatal(err)
	}
	at := time.Now().UTC().Format(time.RFC3339)
	run := time.Now().UnixNano()
	b.SetParallelism((senders + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.SetBytes(13800)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := benchSeq.Add(1)
			body := benchPayload(i, at)
			req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
			req.Header.Set("X-GitHub-Event", "issues")
			req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d-%d", run, i))
			req.Header.Set("X-Hub-Signature-256", webhook.Sign(secret, body))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusAccepted {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
	// CPU per delivery (the process's: handler, store and the senders)
	// moves less than throughput on a shared machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/delivery")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPayload is an issues.labeled event of its own issue, 13.8 KB.
func benchPayload(issue int64, at string) []byte {
	head := fmt.Sprintf(`{"action":"labeled","installation":{"id":42},"repository":{"full_name":"acme/api"},`+
		`"sender":{"login":"alice","type":"User"},"label":{"name":"devops"},"issue":{"id":%d,"number":%d,"updated_at":%q,"body":"`,
		1000000+issue, issue, at)
	return []byte(head + strings.Repeat("x", 13800-len(head)-3) + `"}}`)
}

// memStore is the baseline store: a map behind a mutex, not durable.
type memStore struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

func (m *memStore) Save(_ context.Context, d *webhook.Delivery) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.seen["i"+d.ID]; dup {
		return false, nil
	}
	if _, dup := m.seen["e"+d.Identity]; dup && d.Identity != "" {
		return false, nil
	}
	m.seen["i"+d.ID], m.seen["e"+d.Identity] = struct{}{}, struct{}{}
	return true, nil
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
