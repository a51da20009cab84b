// Package redeliver asks GitHub to deliver again the App's webhook
// deliveries that failed and were never stored: while serve was down,
// restarting, or answering 503 over its intake budget. At start and every
// few minutes it lists the App's recent deliveries (GET
// /app/hook/deliveries), and for each delivery id (GUID) with no
// successful attempt that the outbox does not hold, it asks for one more
// attempt (POST /app/hook/deliveries/{id}/attempts). It is bounded (pages
// read, attempts asked per sweep, attempts per delivery) and idempotent: a
// delivery stored or already asked for is left alone, and the outbox
// dedupes whatever arrives twice.
package redeliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	gh "github.com/google/go-github/v62/github"
)

// Apps is the part of go-github's AppsService the sweep uses, with an App
// (JWT) client.
type Apps interface {
	ListHookDeliveries(ctx context.Context, opts *gh.ListCursorOptions) ([]*gh.HookDelivery, *gh.Response, error)
	RedeliverHookDelivery(ctx context.Context, deliveryID int64) (*gh.HookDelivery, *gh.Response, error)
}

// Store says whether a delivery (by its X-GitHub-Delivery GUID) is held.
type Store interface {
	HasDelivery(ctx context.Context, guid string) (bool, error)
}

// Sweeper runs sweeps. The zero values of the limits take the defaults.
type Sweeper struct {
	Apps  Apps
	Store Store
	Log   *slog.Logger
	// Window is how far back deliveries are considered (default 72h, the
	// time GitHub keeps them for redelivery).
	Window time.Duration
	// MaxPages bounds the pages of 100 deliveries read per sweep (default 10).
	MaxPages int
	// MaxAsks bounds the attempts asked per sweep (default 50).
	MaxAsks int
	// MaxPerDelivery bounds the attempts asked for one GUID over the
	// window (default 3): a delivery that keeps failing is not asked
	// for forever.
	MaxPerDelivery int
	// Counted, when set, is told the outcome of each failed delivery
	// handled: requested, stored (held already) or failed (the ask).
	Counted func(outcome string)

	mu    sync.Mutex
	asked map[string][]time.Time // GUID → when attempts were asked
	now   func() time.Time
}

// Result is what one sweep did.
type Result struct {
	Seen      int      // deliveries listed within the window
	Failed    int      // GUIDs with no successful attempt
	Stored    int      // of those, held by the outbox already
	Requested []string // GUIDs asked for again
	Skipped   int      // asked for enough already, or over MaxAsks
}

func (s *Sweeper) defaults() {
	if s.Window <= 0 {
		s.Window = 72 * time.Hour
	}
	if s.MaxPages <= 0 {
		s.MaxPages = 10
	}
	if s.MaxAsks <= 0 {
		s.MaxAsks = 50
	}
	if s.MaxPerDelivery <= 0 {
		s.MaxPerDelivery = 3
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.asked == nil {
		s.asked = map[string][]time.Time{}
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
}

func (s *Sweeper) count(outcome string) {
	if s.Counted != nil {
		s.Counted(outcome)
	}
}

// Run sweeps now and then every interval until ctx ends. A sweep that
// fails is logged; the next one tries again.
func (s *Sweeper) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if res, err := s.Once(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.Log.Warn("redelivery sweep", "err", err)
		} else if len(res.Requested) > 0 || res.Failed > 0 {
			s.Log.Info("redelivery sweep", "seen", res.Seen, "failed", res.Failed, "stored", res.Stored,
				"requested", len(res.Requested), "skipped", res.Skipped)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// failure is the newest failed attempt of one GUID.
type failure struct {
	id   int64
	when time.Time
}

// Once runs one sweep.
func (s *Sweeper) Once(ctx context.Context) (*Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.defaults()
	now := s.now()
	since := now.Add(-s.Window)
	for guid, times := range s.asked {
		if times[len(times)-1].Before(since) {
			delete(s.asked, guid)
		}
	}
	ok := map[string]bool{}
	failed := map[string]failure{}
	res := &Result{}
	opts := &gh.ListCursorOptions{PerPage: 100}
	for page := 0; page < s.MaxPages; page++ {
		list, resp, err := s.Apps.ListHookDeliveries(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list the App's webhook deliveries: %w", err)
		}
		old := false
		for _, d := range list {
			when := d.GetDeliveredAt().Time
			if !when.IsZero() && when.Before(since) {
				old = true
				continue
			}
			res.Seen++
			guid := d.GetGUID()
			if guid == "" {
				continue
			}
			if code := d.GetStatusCode(); code >= 200 && code < 300 {
				ok[guid] = true
				continue
			}
			if f, seen := failed[guid]; !seen || when.After(f.when) {
				failed[guid] = failure{id: d.GetID(), when: when}
			}
		}
		if old || resp == nil || resp.Cursor == "" || len(list) == 0 {
			break
		}
		opts.Cursor = resp.Cursor
	}
	guids := make([]string, 0, len(failed))
	for guid := range failed {
		if !ok[guid] {
			guids = append(guids, guid)
		}
	}
	// Oldest first: they are closest to leaving GitHub's window.
	sort.Slice(guids, func(i, j int) bool { return failed[guids[i]].when.Before(failed[guids[j]].when) })
	res.Failed = len(guids)
	for _, guid := range guids {
		held, err := s.Store.HasDelivery(ctx, guid)
		if err != nil {
			return res, fmt.Errorf("look up delivery %s: %w", guid, err)
		}
		if held {
			res.Stored++
			s.count("stored")
			continue
		}
		asked := s.asked[guid]
		if len(asked) >= s.MaxPerDelivery || len(res.Requested) >= s.MaxAsks {
			res.Skipped++
			continue
		}
		// An attempt asked since this failure is still on its way (or
		// its result is not listed yet): do not ask twice.
		if len(asked) > 0 && asked[len(asked)-1].After(failed[guid].when) {
			res.Skipped++
			continue
		}
		// GitHub answers 202 Accepted, which go-github returns as an
		// *AcceptedError: the ask was taken.
		var accepted *gh.AcceptedError
		if _, _, err := s.Apps.RedeliverHookDelivery(ctx, failed[guid].id); err != nil && !errors.As(err, &accepted) {
			s.count("failed")
			s.Log.Warn("ask GitHub to redeliver", "delivery", guid, "err", err)
			continue
		}
		s.asked[guid] = append(asked, now)
		res.Requested = append(res.Requested, guid)
		s.count("requested")
	}
	return res, nil
}
