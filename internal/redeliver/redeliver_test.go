package redeliver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	gh "github.com/google/go-github/v62/github"
)

// fakeApps lists deliveries newest first, pageSize at a time with a
// cursor, and records the asks.
type fakeApps struct {
	list     []*gh.HookDelivery // newest first
	pageSize int
	asked    []int64
	failAsk  bool
	listed   int
}

func (f *fakeApps) ListHookDeliveries(_ context.Context, opts *gh.ListCursorOptions) ([]*gh.HookDelivery, *gh.Response, error) {
	f.listed++
	start := 0
	if opts.Cursor != "" {
		fmt.Sscan(opts.Cursor, &start)
	}
	end := min(start+f.pageSize, len(f.list))
	resp := &gh.Response{}
	if end < len(f.list) {
		resp.Cursor = fmt.Sprint(end)
	}
	return f.list[start:end], resp, nil
}

func (f *fakeApps) RedeliverHookDelivery(_ context.Context, id int64) (*gh.HookDelivery, *gh.Response, error) {
	if f.failAsk {
		return nil, nil, errors.New("502 from GitHub")
	}
	f.asked = append(f.asked, id)
	// As go-github returns GitHub's 202 Accepted.
	return nil, nil, &gh.AcceptedError{}
}

type fakeStore map[string]bool

func (s fakeStore) HasDelivery(_ context.Context, guid string) (bool, error) { return s[guid], nil }

func delivery(id int64, guid string, code int, at time.Time) *gh.HookDelivery {
	return &gh.HookDelivery{ID: gh.Int64(id), GUID: gh.String(guid), StatusCode: gh.Int(code), DeliveredAt: &gh.Timestamp{Time: at}}
}

func TestSweep(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	apps := &fakeApps{pageSize: 2}
	// Newest first: pages of two, so the sweep must follow the cursor.
	apps.list = []*gh.HookDelivery{
		delivery(9, "healed", 202, now.Add(-1*time.Minute)),
		delivery(8, "twice", 500, now.Add(-2*time.Minute)), // the newest failure of "twice"
		delivery(7, "stored", 0, now.Add(-3*time.Minute)),
		delivery(6, "healed", 502, now.Add(-4*time.Minute)),
		delivery(5, "twice", 500, now.Add(-5*time.Minute)),
		delivery(4, "lost", 503, now.Add(-6*time.Minute)),
		delivery(3, "old", 500, now.Add(-100*time.Hour)),
		delivery(2, "older", 500, now.Add(-101*time.Hour)),
	}
	s := &Sweeper{Apps: apps, Store: fakeStore{"stored": true}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		now: func() time.Time { return now }}
	res, err := s.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(apps.asked) != "[4 8]" {
		t.Errorf("asked %v, want [4 8]: lost (oldest first), then the newest failure of twice", apps.asked)
	}
	if res.Failed != 3 || res.Stored != 1 || len(res.Requested) != 2 || res.Seen != 6 {
		t.Errorf("result %+v", res)
	}
	if apps.listed != 4 {
		t.Errorf("listed %d pages, want 4 (the fourth holds the first delivery past the window)", apps.listed)
	}

	// Again: nothing new failed since the asks, so nothing is asked.
	apps.asked = nil
	if _, err := s.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(apps.asked) != 0 {
		t.Errorf("second sweep asked %v, want nothing", apps.asked)
	}

	// The redelivery of "lost" failed too: asked again, up to MaxPerDelivery.
	for i := 0; i < 5; i++ {
		now = now.Add(time.Minute)
		apps.list = append([]*gh.HookDelivery{delivery(int64(100+i), "lost", 500, now)}, apps.list...)
		now = now.Add(time.Second)
		apps.asked = nil
		if _, err := s.Once(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := "[]"
		if i < 2 {
			want = fmt.Sprintf("[%d]", 100+i)
		}
		if fmt.Sprint(apps.asked) != want {
			t.Errorf("round %d asked %v, want %s", i, apps.asked, want)
		}
	}
}

func TestSweepBounds(t *testing.T) {
	now := time.Now()
	apps := &fakeApps{pageSize: 100}
	for i := 0; i < 300; i++ {
		apps.list = append(apps.list, delivery(int64(1000-i), fmt.Sprint("g", i), 500, now.Add(-time.Duration(i)*time.Second)))
	}
	var counted []string
	s := &Sweeper{Apps: apps, Store: fakeStore{}, MaxPages: 2, MaxAsks: 5, Counted: func(o string) { counted = append(counted, o) }}
	res, err := s.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if apps.listed != 2 || res.Seen != 200 {
		t.Errorf("listed %d pages, saw %d; want 2 pages, 200", apps.listed, res.Seen)
	}
	if len(apps.asked) != 5 || res.Skipped != 195 || len(counted) != 5 {
		t.Errorf("asked %d (skipped %d, counted %d), want 5 (195, 5)", len(apps.asked), res.Skipped, len(counted))
	}

	apps.failAsk = true
	counted = nil
	s2 := &Sweeper{Apps: apps, Store: fakeStore{}, MaxPages: 1, MaxAsks: 2, Counted: func(o string) { counted = append(counted, o) },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := s2.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(counted) == 0 || counted[0] != "failed" {
		t.Errorf("a refused ask is counted %v, want failed", counted)
	}
}
