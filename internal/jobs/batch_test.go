package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/devops-lead/devops-lead/internal/jobs/jobstest"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

// saveBurst stores deliveries with the queue not started and dispatches
// them in one round, which must become one burst job.
func saveBurst(t *testing.T, q *Queue, ds []*webhook.Delivery) {
	t.Helper()
	ctx := context.Background()
	for _, d := range ds {
		if _, err := q.Outbox.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := q.DispatchOnce(ctx); err != nil || n != len(ds) {
		t.Fatalf("dispatch: %d %v, want %d", n, err, len(ds))
	}
	res, err := q.client.JobList(ctx, river.NewJobListParams().First(100))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Jobs) != 1 || res.Jobs[0].Kind != (DeliveriesArgs{}).Kind() {
		var kinds []string
		for _, j := range res.Jobs {
			kinds = append(kinds, j.Kind)
		}
		t.Fatalf("a round of %d deliveries made jobs %v, want one burst", len(ds), kinds)
	}
	var args DeliveriesArgs
	if err := json.Unmarshal(res.Jobs[0].EncodedArgs, &args); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, d := range ds {
		want = append(want, d.ID)
	}
	if !slices.Equal(args.IDs, want) {
		t.Fatalf("burst holds %v, want %v in the order received", args.IDs, want)
	}
}

// burstOf makes n deliveries over issues 1..issues, in turn.
func burstOf(prefix string, n, issues int) []*webhook.Delivery {
	var ds []*webhook.Delivery
	start := time.Now()
	for i := range n {
		d := delivery(fmt.Sprintf("%s-%02d", prefix, i), "acme/api", 1+i%issues)
		d.ReceivedAt = start.Add(time.Duration(i) * time.Millisecond)
		ds = append(ds, d)
	}
	return ds
}

func settledStates(t *testing.T, db *DB) map[string]string {
	t.Helper()
	rows, err := db.Outbox.Query(`SELECT id, state FROM devops_lead_settled`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, state string
		if err := rows.Scan(&id, &state); err != nil {
			t.Fatal(err)
		}
		out[id] = state
	}
	return out
}

// checkRuns requires each delivery of ds to have run as often as want
// says (rec.mu held by the caller).
func checkRuns(t *testing.T, rec *recorder, ds []*webhook.Delivery, want func(id string) int) {
	t.Helper()
	for _, d := range ds {
		if got, w := rec.done[d.ID], want(d.ID); got != w {
			t.Errorf("%s ran %d times, want %d", d.ID, got, w)
		}
	}
}

// once is checkRuns' want for "every delivery once".
func once(string) int { return 1 }

// orderRecorder records the order deliveries ran in.
type orderRecorder struct {
	*recorder
	mu    sync.Mutex
	order []string
}

func (o *orderRecorder) Process(ctx context.Context, d *webhook.Delivery) error {
	err := o.recorder.Process(ctx, d)
	o.mu.Lock()
	o.order = append(o.order, d.ID)
	o.mu.Unlock()
	return err
}

// TestBurstRunsEachDeliveryOnceInIssueOrder: a round of many deliveries
// is one job; each delivery runs once, one issue's in the order they came,
// never two of one issue at once; all end settled and no lock is left.
func TestBurstRunsEachDeliveryOnceInIssueOrder(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		rec := &orderRecorder{recorder: newRecorder()}
		rec.hold = 5 * time.Millisecond
		q, err := New(db, rec, Options{Workers: 4, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ds := burstOf("b", 24, 5)
		saveBurst(t, q, ds)
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, rec.recorder, len(ds))
		time.Sleep(200 * time.Millisecond)
		if err := q.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		checkRuns(t, rec.recorder, ds, once)
		if rec.overlap {
			t.Error("two deliveries of one issue ran at the same time")
		}
		last := map[int]int{}
		for _, id := range rec.order {
			var i int
			fmt.Sscanf(id, "b-%d", &i)
			issue := 1 + i%5
			if prev, ok := last[issue]; ok && prev > i {
				t.Errorf("issue %d ran b-%02d after b-%02d", issue, i, prev)
			}
			last[issue] = i
		}
		states := settledStates(t, db)
		for _, d := range ds {
			if states[d.ID] != settledDone {
				t.Errorf("%s settled %q, want done", d.ID, states[d.ID])
			}
		}
		var locks int
		if err := db.Outbox.QueryRow(`SELECT COUNT(*) FROM devops_lead_locks`).Scan(&locks); err != nil || locks != 0 {
			t.Errorf("%d locks left (%v)", locks, err)
		}
	})
}

// TestBurstHandsOffWhatItCannotRun: an issue another job holds, and a
// delivery that failed on a transient error, go to jobs of their own and
// run once there; a permanent failure is not retried.
func TestBurstHandsOffWhatItCannotRun(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		rec := newRecorder()
		ds := burstOf("h", 12, 4)
		rec.failOnce["h-00"] = true // issue 1
		rec.perm["h-05"] = true     // issue 2
		q, err := New(db, rec, Options{Workers: 4, PollInterval: 50 * time.Millisecond, RetryDelay: 50 * time.Millisecond, MaxAttempts: 3})
		if err != nil {
			t.Fatal(err)
		}
		// Issue 3 (h-02, h-06, h-10) is held by another job of this
		// process (so the start sweep leaves it) for a while.
		if ok, err := db.lock(context.Background(), "acme/api#3", q.ClientID()+"/job-999999", 700*time.Millisecond); !ok || err != nil {
			t.Fatal("lock", ok, err)
		}
		saveBurst(t, q, ds)
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, rec, len(ds))
		time.Sleep(300 * time.Millisecond)
		if err := q.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		checkRuns(t, rec, ds, func(id string) int {
			if id == "h-05" {
				return 0
			}
			return 1
		})
		states := settledStates(t, db)
		for id, want := range map[string]string{"h-00": settledHanded, "h-02": settledHanded, "h-06": settledHanded,
			"h-10": settledHanded, "h-05": settledDone, "h-01": settledDone, "h-11": settledDone} {
			if states[id] != want {
				t.Errorf("%s settled %q, want %q", id, states[id], want)
			}
		}
		res, err := q.client.JobList(context.Background(), river.NewJobListParams().Kinds(DeliveryArgs{}.Kind()).First(100))
		if err != nil {
			t.Fatal(err)
		}
		var own []string
		for _, j := range res.Jobs {
			var a DeliveryArgs
			if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
				t.Fatal(err)
			}
			own = append(own, a.DeliveryID)
			if a.DeliveryID == "h-00" && j.MaxAttempts != 2 {
				t.Errorf("the retried delivery's own job has %d attempts, want 2 (the burst was the first)", j.MaxAttempts)
			}
		}
		slices.Sort(own)
		if want := []string{"h-00", "h-02", "h-06", "h-10"}; !slices.Equal(own, want) {
			t.Errorf("jobs of their own for %v, want %v", own, want)
		}
	})
}

// TestBurstRunAgainSkipsWhatItFinished: a delivery a burst already
// settled is not run again, by the burst run again or by a job of its own
// that an overlapping dispatch queued.
func TestBurstRunAgainSkipsWhatItFinished(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		rec := newRecorder()
		q, err := New(db, rec, Options{Workers: 4, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ds := burstOf("s", 10, 3)
		saveBurst(t, q, ds)
		ctx := context.Background()
		// An earlier run finished s-00 and s-01 and handed s-02 off.
		if err := db.markSettled(ctx, []string{"s-00", "s-01", "s-02"}, []string{settledDone, settledDone, settledHanded}); err != nil {
			t.Fatal(err)
		}
		// A dispatch that overlapped the burst's queued s-01 alone.
		if _, err := q.client.Insert(ctx, DeliveryArgs{DeliveryID: "s-01", Key: "acme/api#2"}, nil); err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		waitFor(t, rec, 7)
		time.Sleep(300 * time.Millisecond)
		if err := q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		checkRuns(t, rec, ds, func(id string) int {
			if id <= "s-02" {
				return 0
			}
			return 1
		})
	})
}

// cutProcessor blocks on one delivery until its context ends and runs
// the others at once.
type cutProcessor struct {
	*recorder
	slow    string
	started chan struct{}
	once    sync.Once
}

func (c *cutProcessor) Process(ctx context.Context, d *webhook.Delivery) error {
	if d.ID == c.slow {
		c.once.Do(func() { close(c.started) })
		<-ctx.Done()
		return fmt.Errorf("calling GitHub: %w", ctx.Err())
	}
	return c.recorder.Process(ctx, d)
}

// TestBurstCutByShutdownRunsTheRestNextStart: a burst cut at the end of
// the shutdown grace is not failed; the next start runs what it had not
// finished, and nothing it had.
func TestBurstCutByShutdownRunsTheRestNextStart(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		cut := &cutProcessor{recorder: newRecorder(), slow: "c-03", started: make(chan struct{})}
		opts := Options{Workers: 4, PollInterval: 50 * time.Millisecond, MaxAttempts: 1}
		q, err := New(db, cut, opts)
		if err != nil {
			t.Fatal(err)
		}
		ds := burstOf("c", 9, 3)
		saveBurst(t, q, ds)
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		select {
		case <-cut.started:
		case <-time.After(20 * time.Second):
			t.Fatal("the slow delivery never started")
		}
		// c-03 is issue 1's second: c-06 waits behind it; the other
		// issues finish.
		waitFor(t, cut.recorder, 7)
		grace, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if err := q.Stop(grace); err != nil {
			t.Fatal(err)
		}
		var state string
		if err := db.SQL.QueryRow(`SELECT state FROM river_job WHERE kind = 'github_deliveries'`).Scan(&state); err != nil || state != "available" {
			t.Fatalf("cut burst is %q (%v), want available", state, err)
		}
		cut.slow = "" // runs at once next time
		q2, err := New(db, cut, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := q2.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, cut.recorder, 2)
		time.Sleep(300 * time.Millisecond)
		if err := q2.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		cut.mu.Lock()
		defer cut.mu.Unlock()
		checkRuns(t, cut.recorder, ds, once)
	})
}

// burstChildEnv makes TestRecoveryChild's binary run TestBurstChild.
const burstChildEnv = "DEVOPS_LEAD_BURST_CHILD"

// burstStuck runs every delivery at once but k-04, in which it blocks
// until the process is killed.
type burstStuck struct{}

func (burstStuck) Process(ctx context.Context, d *webhook.Delivery) error {
	if d.ID == "k-04" {
		fmt.Printf("started %s\n", d.ID)
		<-ctx.Done()
		return ctx.Err()
	}
	fmt.Printf("ran %s\n", d.ID)
	return nil
}

// TestBurstChild is the worker TestKilledBurstResumesAfterRestart kills:
// it queues a burst of ten deliveries over three issues and runs it.
func TestBurstChild(t *testing.T) {
	if os.Getenv(burstChildEnv) == "" {
		t.Skip("run by TestKilledBurstResumesAfterRestart")
	}
	ctx := context.Background()
	db, err := Open(ctx, os.Getenv(childPathEnv), os.Getenv(childURLEnv))
	if err != nil {
		t.Fatal(err)
	}
	q, err := New(db, burstStuck{}, Options{Workers: 4, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	saveBurst(t, q, burstOf("k", 10, 3))
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Minute) // the parent kills this process long before
	t.Fatal("not killed")
}

// TestKilledBurstResumesAfterRestart: a worker process is SIGKILLed while
// a burst runs, one issue's delivery blocked (and the next of that issue
// waiting behind it), the other issues' finished. A new queue on the same
// database runs the two that did not finish, within a minute, and none
// that did.
func TestKilledBurstResumesAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	backends(t, func(t *testing.T, backend string) {
		var path, url string
		switch backend {
		case "sqlite":
			path = filepath.Join(t.TempDir(), "queue.db")
		case "postgres":
			url = jobstest.PostgresURL(t)
		}
		child, lines := startChild(t, "TestBurstChild", burstChildEnv+"=1", childPathEnv+"="+path, childURLEnv+"="+url)
		ran := map[string]bool{}
		started := false
		for !started || len(ran) < 7 {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("the child ended before its burst ran")
				}
				if id, ok := strings.CutPrefix(l, "ran "); ok {
					ran[id] = true
				}
				if l == "started k-04" {
					started = true
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("the child's burst never got there: ran %v, k-04 started %v", ran, started)
			}
		}
		db := openAt(t, path, url)
		// The issues that finished are recorded settled before the kill.
		deadline := time.Now().Add(10 * time.Second)
		for len(settledStates(t, db)) < 7 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if err := child.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		child.Wait()

		rec := newRecorder()
		begin := time.Now()
		q, err := New(db, rec, Options{Workers: 4, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())
		waitFor(t, rec, 2)
		t.Logf("%s: the rest of the burst ran %v after the restart", backend, time.Since(begin).Round(time.Millisecond))
		time.Sleep(300 * time.Millisecond) // let a wrong second run show itself
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for i := range 10 {
			id := fmt.Sprintf("k-%02d", i)
			want := 0
			if id == "k-04" || id == "k-07" {
				want = 1
			}
			if rec.done[id] != want {
				t.Errorf("after the restart %s ran %d times, want %d (the child ran %v)", id, rec.done[id], want, ran)
			}
		}
	})
}

// TestRecentIsBounded: the deliveries kept in memory for bursts stay
// under recentCap, the oldest going first; a large payload is not kept;
// take hands each out once.
func TestRecentIsBounded(t *testing.T) {
	var r recent
	payload := make([]byte, 1<<20-1) // just under recentMaxPayload
	n := recentCap/len(payload) + 5
	for i := range n {
		r.put(&webhook.Delivery{ID: fmt.Sprint("r-", i), Payload: payload, ReceivedAt: time.Now()})
	}
	r.put(&webhook.Delivery{ID: "huge", Payload: make([]byte, recentMaxPayload+1)})
	if r.bytes > recentCap {
		t.Fatalf("%d bytes kept, over the cap of %d", r.bytes, recentCap)
	}
	got := r.take([]string{"r-0", fmt.Sprint("r-", n-1), "huge"})
	if _, ok := got["r-0"]; ok {
		t.Error("the oldest delivery was not evicted")
	}
	if _, ok := got["huge"]; ok {
		t.Error("a payload over recentMaxPayload was kept")
	}
	if d := got[fmt.Sprint("r-", n-1)]; d == nil || len(d.Payload) != len(payload) {
		t.Fatal("the newest delivery is not kept")
	}
	if again := r.take([]string{fmt.Sprint("r-", n-1)}); len(again) != 0 {
		t.Error("a delivery was handed out twice")
	}
}

// TestBurstSkipsAPrunedDelivery: a delivery of a burst whose payload was
// pruned, or does not decode, is skipped, and the others still run.
func TestBurstSkipsAPrunedDelivery(t *testing.T) {
	for name, stored := range map[string][]byte{"pruned": {}, "corrupt": {payloadS2, 0xff, 0xff, 0xff, 0xff}} {
		t.Run(name, func(t *testing.T) {
			db := openTestDB(t, "sqlite")
			rec := newRecorder()
			q, err := New(db, rec, Options{Workers: 4, PollInterval: 50 * time.Millisecond, MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			ds := burstOf("p", 8, 2)
			saveBurst(t, q, ds)
			q.Outbox.recent.take([]string{"p-03"})
			if _, err := db.Outbox.Exec(`UPDATE devops_lead_deliveries SET payload = ? WHERE id = 'p-03'`, stored); err != nil {
				t.Fatal(err)
			}
			if err := q.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, rec, 7)
			time.Sleep(200 * time.Millisecond)
			if err := q.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			checkRuns(t, rec, ds, func(id string) int {
				if id == "p-03" {
					return 0
				}
				return 1
			})
		})
	}
}

// TestOlderReplicasDeliveriesAreAdopted: on a shared PostgreSQL database,
// a delivery that a replica of an older version stored (dispatched_at
// NULL, no pending row) and never dispatched is run by this version's
// running replica within a few heartbeats.
func TestOlderReplicasDeliveriesAreAdopted(t *testing.T) {
	db := openTestDB(t, "postgres")
	rec := newRecorder()
	q, err := New(db, rec, Options{Workers: 2, PollInterval: 50 * time.Millisecond, Heartbeat: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	if _, err := db.Outbox.Exec(`INSERT INTO devops_lead_deliveries
		(id, event, action, installation, repo, number, sender, sender_is_bot, payload, received_at, dispatched_at)
		VALUES ('old-replica', 'issues', 'labeled', 42, 'acme/api', 7, 'alice', false, '\x7b7d', 1, NULL)`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, rec, 1)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.done["old-replica"] != 1 {
		t.Fatalf("done %v, want the older replica's delivery once", rec.done)
	}
}
