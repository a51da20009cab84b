// Command intake measures webhook intake on loopback, side by side in one
// run: signed deliveries posted to the real webhook handler backed by
//
//   - an in-memory store (a map behind a mutex; not durable), the
//     baseline: the same handler, so the difference is storage;
//   - serve's durable queue on SQLite (outbox with group commit,
//     dispatcher and River workers running a no-op job);
//   - the same on PostgreSQL, when a DATABASE_URL is given;
//
// at several concurrency levels. Each level's bodies are written and
// signed before its clock starts (that is GitHub's work), so the senders
// cost only their HTTP requests. It prints one table of deliveries per
// second, p50/p99 acknowledgement latency and the ratio to the baseline,
// and before it the disk's measured flush latency and the throughput
// bound it implies: a durable acknowledgement waits for at least one
// flush, so c senders cannot get more than c / flush latency per second.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/devops-lead/devops-lead/internal/jobs"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

const secret = "bench-secret"

// The queue's settings; the defaults are serve's (config.Server: 4
// workers, River polling every second).
var (
	workers = flag.Int("workers", 4, "queue workers (serve's default: 4)")
	poll    = flag.Duration("poll", time.Second, "how often the queue's workers look for jobs (serve's default: 1s)")
)

func main() {
	n := flag.Int("n", 3000, "deliveries per store, concurrency level and round")
	levels := flag.String("c", "1,16,64", "concurrency levels")
	size := flag.Int("size", 13800, "payload bytes")
	rounds := flag.Int("rounds", 1, "rounds; each round measures every store in turn, and the table pools them")
	dbURL := flag.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL (when empty, PostgreSQL is not measured)")
	padded := flag.Bool("padded", false, "send payloads padded with one repeated byte, which compress to almost nothing, instead of GitHub-shaped ones (which compress as real ones do)")
	only := flag.String("stores", "memory,sqlite,postgres", "stores to measure: memory, sqlite, postgres, and sqlite-outbox and postgres-outbox (intake alone, the queue stopped)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "intake:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "intake:", err)
			os.Exit(1)
		}
	}
	if *padded {
		makePayload = payload
	}
	err := run(*n, *levels, *size, *rounds, *dbURL, *only, !*padded)
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "intake:", err)
		os.Exit(1)
	}
}

// target is one store behind the webhook handler, served on loopback.
type target struct {
	name      string
	url       string
	client    *http.Client
	processed func() int64 // jobs run so far; nil without a queue
	// serverCPU is the CPU time a local PostgreSQL server has used so
	// far; nil when the store is not PostgreSQL or the server is not on
	// this machine.
	serverCPU func() time.Duration
	baseline  bool
	sent      int64
	close     func()
	// lat and wall pool the rounds, per concurrency level.
	lat  map[int][]time.Duration
	wall map[int]time.Duration
	cpu  map[int]time.Duration
	srv  map[int]time.Duration // the server's CPU, with serverCPU
	n    map[int]int
	errs map[int]int64
}

func run(n int, levels string, size, rounds int, dbURL, only string, realistic bool) error {
	var cs []int
	for _, l := range strings.Split(levels, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || c < 1 {
			return fmt.Errorf("bad concurrency level %q", l)
		}
		cs = append(cs, c)
	}
	dir, err := os.MkdirTemp("", "intake")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	flush, err := measureFlush(dir, size)
	if err != nil {
		return err
	}
	var targets []*target
	defer func() {
		for _, t := range targets {
			t.close()
		}
	}()
	want := func(name string) bool { return strings.Contains(","+only+",", ","+name+",") }
	if want("memory") {
		t, err := serveTarget("in-memory baseline (not durable)", &memStore{}, quiet, nil, func() {})
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	if want("sqlite") {
		t, err := queueTarget(ctx, "serve, SQLite", filepath.Join(dir, "queue.db"), "", quiet)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	if want("sqlite-outbox") {
		// The outbox alone, no dispatcher or jobs: what the queue running
		// beside intake costs.
		db, err := jobs.Open(ctx, filepath.Join(dir, "outbox-only.db"), "")
		if err != nil {
			return err
		}
		o := jobs.NewOutbox(db)
		t, err := serveTarget("SQLite outbox only, queue stopped", o, quiet, nil, func() { o.Close(); db.Close() })
		if err != nil {
			return err
		}
		t.baseline = false
		targets = append(targets, t)
	}
	pgNote := ""
	if want("postgres") && dbURL != "" {
		pgNote, err = postgresSettings(ctx, dbURL)
		if err != nil {
			return err
		}
		t, err := queueTarget(ctx, "serve, PostgreSQL", "", dbURL, quiet)
		if err != nil {
			return err
		}
		t.serverCPU = localServerCPU(dbURL)
		targets = append(targets, t)
	}
	if want("postgres-outbox") && dbURL != "" {
		// Tables of its own (a schema), so the queue measured beside it
		// does not run its deliveries.
		url, err := schemaURL(ctx, dbURL, "intake_outbox_only")
		if err != nil {
			return err
		}
		db, err := jobs.Open(ctx, "", url)
		if err != nil {
			return err
		}
		o := jobs.NewOutbox(db)
		t, err := serveTarget("PostgreSQL outbox only, queue stopped", o, quiet, nil, func() { o.Close(); db.Close() })
		if err != nil {
			return err
		}
		t.baseline = false
		t.serverCPU = localServerCPU(dbURL)
		targets = append(targets, t)
	}

	body := makePayload(size, 0)
	seq := 0
	for range rounds {
		for _, t := range targets {
			for _, c := range cs {
				var srv0 time.Duration
				if t.serverCPU != nil {
					srv0 = t.serverCPU()
				}
				lat, wall, cpu, errs := measure(t, c, n, size, seq)
				t.cpu[c] += cpu
				if t.serverCPU != nil {
					t.srv[c] += t.serverCPU() - srv0
				}
				seq += n
				t.sent += int64(n)
				t.lat[c] = append(t.lat[c], lat...)
				t.wall[c] += wall
				t.n[c] += n
				t.errs[c] += errs
			}
			if t.processed != nil {
				// Let the queue drain before the next store is measured,
				// so its jobs do not take the next one's CPU.
				deadline := time.Now().Add(2 * time.Minute)
				for t.processed() < t.sent && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}
	}

	kind := "padded with one repeated byte (-padded)"
	if realistic {
		kind = "GitHub-shaped"
	}
	fmt.Printf("webhook intake on loopback: %d-byte issues.labeled payloads, %s, each delivery a distinct event, %d per store, level and round, %d round(s)\n\n",
		len(body), kind, n, rounds)
	fmt.Printf("disk flush (write %d bytes + fdatasync, %d samples, in %s): median %s, p99 %s\n",
		size, len(flush), dir, ms(pct(flush, 50)), ms(pct(flush, 99)))
	for _, c := range cs {
		fmt.Printf("  -> durable bound at %d sender(s): %d / median flush = %.0f deliveries/s (each sender waits for at least one flush)\n",
			c, c, float64(c)/pct(flush, 50).Seconds())
	}
	if pgNote != "" {
		fmt.Printf("PostgreSQL: %s\n", pgNote)
	}
	fmt.Printf("\n| store | senders | deliveries/s | p50 ack | p99 ack | slowest ack | vs baseline | CPU/delivery | server CPU/delivery | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	base := map[int]float64{}
	for _, t := range targets {
		for _, c := range cs {
			rate := float64(t.n[c]) / t.wall[c].Seconds()
			ratio := "—"
			if t.baseline && base[c] == 0 {
				base[c] = rate
			} else if base[c] > 0 {
				ratio = fmt.Sprintf("%.0f%%", 100*rate/base[c])
			}
			cpu := float64(t.cpu[c].Microseconds()) / float64(t.n[c])
			srv := "—"
			if t.serverCPU != nil {
				srv = fmt.Sprintf("%.0f µs", float64(t.srv[c].Microseconds())/float64(t.n[c]))
			}
			fmt.Printf("| %s | %d | %.0f | %s | %s | %s | %s | %.0f µs | %s | %d |\n", t.name, c, rate, ms(pct(t.lat[c], 50)), ms(pct(t.lat[c], 99)), ms(pct(t.lat[c], 100)), ratio, cpu, srv, t.errs[c])
		}
	}
	fmt.Println()
	for _, t := range targets {
		if t.processed != nil {
			fmt.Printf("%s: jobs run after intake: %d of %d deliveries\n", t.name, t.processed(), t.sent)
		}
	}
	return nil
}

// queueTarget serves the handler over serve's durable queue.
func queueTarget(ctx context.Context, name, path, url string, quiet *slog.Logger) (*target, error) {
	db, err := jobs.Open(ctx, path, url)
	if err != nil {
		return nil, err
	}
	var processed atomic.Int64
	q, err := jobs.New(db, jobs.ProcessorFunc(func(context.Context, *webhook.Delivery) error {
		processed.Add(1)
		return nil
	}), jobs.Options{Workers: *workers, Logger: quiet, PollInterval: *poll})
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := q.Start(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return serveTarget(name, q.Outbox, quiet, processed.Load, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(sctx)
		db.Close()
	})
}

func serveTarget(name string, store webhook.Store, quiet *slog.Logger, processed func() int64, stop func()) (*target, error) {
	h, err := webhook.New(secret, store, quiet)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	return &target{
		name: name, url: "http://" + ln.Addr().String() + "/webhook", client: client, processed: processed,
		close: func() { srv.Close(); stop() }, baseline: processed == nil,
		lat: map[int][]time.Duration{}, wall: map[int]time.Duration{}, cpu: map[int]time.Duration{}, srv: map[int]time.Duration{}, n: map[int]int{}, errs: map[int]int64{},
	}, nil
}

// delivery is one request's body and headers, made before the clock
// starts: writing and signing the payload is GitHub's work, not the
// server's, and would otherwise take a share of the same 2 cores.
type delivery struct {
	body     []byte
	id, sign string
}

// measure posts n distinct deliveries from c senders and returns every
// acknowledgement's latency, the wall time and the count of answers other
// than 202, and the process's CPU time over the same span.
func measure(t *target, c, n, size, base int) ([]time.Duration, time.Duration, time.Duration, int64) {
	ds := make([]delivery, n+1)
	for i := 1; i <= n; i++ {
		// Each delivery is a distinct event (its own issue), so none is a
		// replay of another.
		b := makePayload(size, base+i)
		ds[i] = delivery{body: b, id: deliveryID(), sign: webhook.Sign(secret, b)}
	}
	var next, errs atomic.Int64
	lats := make([][]time.Duration, c)
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	start := time.Now()
	for w := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				dl := ds[i]
				ds[i] = delivery{} // sent: its memory can go
				req, _ := http.NewRequest("POST", t.url, bytes.NewReader(dl.body))
				req.Header.Set("X-GitHub-Event", "issues")
				req.Header.Set("X-GitHub-Delivery", dl.id)
				req.Header.Set("X-Hub-Signature-256", dl.sign)
				t0 := time.Now()
				resp, err := t.client.Do(req)
				d := time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusAccepted {
					errs.Add(1)
				}
				if resp != nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				lats[w] = append(lats[w], d)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	return all, wall, cpu, errs.Load()
}

// memStore is the baseline: deduplication by id and event identity in a
// map behind a mutex, nothing on disk.
type memStore struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

func (m *memStore) Save(_ context.Context, d *webhook.Delivery) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]struct{}{}
	}
	_, dupID := m.seen["i"+d.ID]
	_, dupEvent := m.seen["e"+d.Identity]
	if dupID || (d.Identity != "" && dupEvent) {
		return false, nil
	}
	m.seen["i"+d.ID] = struct{}{}
	if d.Identity != "" {
		m.seen["e"+d.Identity] = struct{}{}
	}
	return true, nil
}

// measureFlush times writing size bytes and fdatasync on a file in dir,
// the disk the SQLite files live on, overwriting a few MB in turn as a
// write-ahead log does once it is recycled.
func measureFlush(dir string, size int) ([]time.Duration, error) {
	f, err := os.CreateTemp(dir, "flush")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := bytes.Repeat([]byte{'w'}, size)
	const span = 4 << 20
	for off := int64(0); off < span; off += int64(len(buf)) {
		if _, err := f.WriteAt(buf, off); err != nil {
			return nil, err
		}
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	var lat []time.Duration
	var off int64
	for range 300 {
		t0 := time.Now()
		if _, err := f.WriteAt(buf, off); err != nil {
			return nil, err
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t0))
		if off += int64(len(buf)); off+int64(len(buf)) > span {
			off = 0
		}
	}
	return lat, nil
}

// postgresSettings reports whether the server makes commits durable.
func postgresSettings(ctx context.Context, url string) (string, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var fsync, syncCommit, version string
	if err := db.QueryRowContext(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit'), current_setting('server_version')`).
		Scan(&fsync, &syncCommit, &version); err != nil {
		return "", fmt.Errorf("read PostgreSQL's settings: %w", err)
	}
	note := fmt.Sprintf("server %s, fsync=%s, synchronous_commit=%s", version, fsync, syncCommit)
	if fsync != "on" || syncCommit == "off" {
		return note, errors.New(note + ": commits are not durable on this server, so its figures would not be comparable; turn fsync on (bench/run-intake.sh does)")
	}
	return note, nil
}

// schemaURL creates a schema and returns dbURL with it as the search
// path.
func schemaURL(ctx context.Context, dbURL, schema string) (string, error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
		return "", fmt.Errorf("create schema %s: %w", schema, err)
	}
	sep := "?"
	if strings.Contains(dbURL, "?") {
		sep = "&"
	}
	return dbURL + sep + "search_path=" + schema, nil
}

// localServerCPU returns, for a PostgreSQL server on this machine (a
// loopback URL, Linux's /proc), a function that sums the CPU time of
// every process named postgres: the backends serving this run, the
// server's background processes, and, through the postmaster's
// children's time, the backends that have exited. Other PostgreSQL
// servers on the machine are counted too; idle, they add little.
func localServerCPU(dbURL string) func() time.Duration {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
		return nil
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return nil
	}
	return func() time.Duration {
		var ticks int64
		dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, path := range dirs {
			b, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			// pid (comm) state ppid … utime stime cutime cstime: fields
			// 14 to 17, counted after the comm's closing parenthesis.
			open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
			if open < 0 || end < open || string(b[open+1:end]) != "postgres" {
				continue
			}
			f := strings.Fields(string(b[end+1:]))
			if len(f) < 15 {
				continue
			}
			for _, v := range f[11:15] {
				n, _ := strconv.ParseInt(v, 10, 64)
				ticks += n
			}
		}
		return time.Duration(ticks) * time.Second / clockTicks
	}
}

// clockTicks is Linux's USER_HZ, the unit of /proc's CPU times, which is
// 100 on every architecture Go supports there.
const clockTicks = 100

// cpuTime is the CPU time (user and system) the process has used: the
// senders', the handler's and the store's, PostgreSQL's server excepted.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := len(s) * p / 100
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

// eventTime is the issues' updated_at: the time the bench started, which
// with the issue makes the event identity.
var eventTime = time.Now().UTC().Format(time.RFC3339)

// deliveryID is an X-GitHub-Delivery value shaped as GitHub's are, a
// GUID: random, so that, as in production, consecutive deliveries land
// on unrelated leaves of the outbox's id index (ids counting up would
// all land on its last leaf and flatter both stores), and new to any
// database an earlier run left.
func deliveryID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// makePayload is the payload the run sends: realPayload, or payload with
// -padded.
var makePayload = realPayload

// payload is an issues.labeled document of one issue, padded to size
// bytes with one repeated byte.
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
