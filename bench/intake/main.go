// Command intake measures webhook intake on loopback: signed deliveries
// posted to the real handler backed by the durable queue (outbox with
// group commit, dispatcher and River workers running a no-op job), at
// several concurrency levels. It prints deliveries per second and the
// p50/p99 acknowledgement latency.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devops-lead/devops-lead/internal/jobs"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

func main() {
	n := flag.Int("n", 3000, "deliveries per concurrency level")
	levels := flag.String("c", "1,16,64", "concurrency levels")
	size := flag.Int("size", 13800, "payload bytes")
	dbURL := flag.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL (default: SQLite in a temp dir)")
	flag.Parse()
	if err := run(*n, *levels, *size, *dbURL); err != nil {
		fmt.Fprintln(os.Stderr, "intake:", err)
		os.Exit(1)
	}
}

func run(n int, levels string, size int, dbURL string) error {
	dir, err := os.MkdirTemp("", "intake")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := jobs.Open(ctx, filepath.Join(dir, "queue.db"), dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var processed atomic.Int64
	q, err := jobs.New(db, jobs.ProcessorFunc(func(context.Context, *webhook.Delivery) error {
		processed.Add(1)
		return nil
	}), jobs.Options{Workers: 16, Logger: quiet, PollInterval: 20 * time.Millisecond})
	if err != nil {
		return err
	}
	if err := q.Start(ctx); err != nil {
		return err
	}
	defer q.Stop(ctx)
	const secret = "bench-secret"
	h, err := webhook.New(secret, q.Outbox, quiet)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/webhook"
	// Each delivery is a distinct event (its own issue), so the jobs run
	// in parallel and none is a replay of another: the body is built and
	// signed per request.
	body := payload(size, 1)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}

	backend := "sqlite (WAL, group commit)"
	if dbURL != "" {
		backend = "postgres (group commit)"
	}
	fmt.Printf("webhook intake on loopback, %d-byte payload, %s, %d deliveries per level\n\n", len(body), backend, n)
	fmt.Printf("| senders | deliveries/s | p50 ack | p99 ack | errors |\n|---:|---:|---:|---:|---:|\n")
	seq := 0
	for _, l := range strings.Split(levels, ",") {
		var c int
		fmt.Sscan(l, &c)
		lat := make([]time.Duration, 0, n)
		var mu sync.Mutex
		var errs atomic.Int64
		var next atomic.Int64
		start := time.Now()
		var wg sync.WaitGroup
		base := seq
		for w := 0; w < c; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1))
					if i > n {
						return
					}
					b := payload(size, base+i)
					req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
					req.Header.Set("X-GitHub-Event", "issues")
					req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d", base+i))
					req.Header.Set("X-Hub-Signature-256", webhook.Sign(secret, b))
					t0 := time.Now()
					resp, err := client.Do(req)
					d := time.Since(t0)
					if err != nil || resp.StatusCode != http.StatusAccepted {
						errs.Add(1)
					}
					if resp != nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		wall := time.Since(start)
		seq += n
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		fmt.Printf("| %d | %.0f | %s | %s | %d |\n", c, float64(n)/wall.Seconds(), round(lat[len(lat)/2]), round(lat[len(lat)*99/100]), errs.Load())
	}
	// Wait for the queue to drain, to show nothing was lost.
	deadline := time.Now().Add(2 * time.Minute)
	for processed.Load() < int64(seq) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("\njobs run after intake: %d of %d deliveries\n", processed.Load(), seq)
	return nil
}

func round(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

// eventTime is the issues' updated_at: the time the bench started.
var eventTime = time.Now().UTC().Format(time.RFC3339)

// payload is an issues.labeled document of one issue, padded to size
// bytes.
func payload(size, issue int) []byte {
	head := `{"action":"labeled","installation":{"id":42},"repository":{"full_name":"acme/api","default_branch":"main"},` +
		`"sender":{"login":"alice","type":"User"},"label":{"name":"devops"},"issue":{"id":` + fmt.Sprint(1000000+issue) +
		`,"number":` + fmt.Sprint(issue) + `,"updated_at":"` + eventTime + `","title":"Add CI","body":"`
	tail := `"}}`
	pad := size - len(head) - len(tail)
	if pad < 0 {
		pad = 0
	}
	return []byte(head + strings.Repeat("x", pad) + tail)
}
