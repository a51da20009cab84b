package githubtest

import (
	"encoding/binary"
	"hash/fnv"
	"io"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// FaultKind is a way a GitHub call goes wrong.
type FaultKind string

// The fault kinds InjectFaults and FailNext produce.
const (
	// FaultBefore answers 500 without doing anything.
	FaultBefore FaultKind = "500-before"
	// FaultAfter does the call's work (a comment is posted, a PR opened)
	// and then answers 500, as GitHub sometimes does.
	FaultAfter FaultKind = "500-after"
	// FaultSecondary is a 403 secondary rate limit with Retry-After: 1.
	FaultSecondary FaultKind = "secondary-limit"
	// FaultSecondaryBare is a 403 secondary rate limit without
	// Retry-After (clients should wait at least a minute).
	FaultSecondaryBare FaultKind = "secondary-limit-bare"
	// FaultSlow does the call's work at once and answers only after
	// Faults.SlowDelay: a client with a shorter timeout gives up on a call
	// that took effect (later calls are not overtaken by it).
	FaultSlow FaultKind = "slow"
)

// Faults makes a share of the calls fail, decided per call from a hash of
// the seed, the endpoint, the path and how often that path was called: a
// run that makes the same calls in the same order meets the same faults,
// and a retried call gets a fresh draw. The rates are fractions of all
// calls (0.1 is 10%); their sum must not exceed 1.
type Faults struct {
	Seed          int64
	Before, After float64 // 500 before / after the call took effect
	Secondary     float64 // 403 secondary limit with Retry-After
	SecondaryBare float64 // 403 secondary limit without Retry-After
	Slow          float64 // answers after SlowDelay
	SlowDelay     time.Duration
	// Skip, when set, exempts the endpoint patterns it accepts (e.g.
	// "GET /app") from faults.
	Skip func(pattern string) bool
}

// injector is the server's fault state; the server holds it (s.inj) and
// calls it from handle, with s.mu held except in delay.
type injector struct {
	rates    Faults
	on       bool
	seen     map[string]int         // method+path → calls so far
	next     map[string][]FaultKind // pattern → scheduled faults (FailNext)
	injected map[FaultKind]int
}

// InjectFaults turns random faults on for every endpoint (Skip aside),
// replacing an earlier setting; a zero Faults turns them off.
func (s *Server) InjectFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.injectorLocked()
	in.rates = f
	in.on = f.Before+f.After+f.Secondary+f.SecondaryBare+f.Slow > 0
	if f.Before+f.After+f.Secondary+f.SecondaryBare+f.Slow > 1 {
		s.t.Errorf("githubtest: fault rates add up to more than 1")
	}
}

// FailNext schedules faults of the given kinds for the next calls of an
// endpoint pattern, one per call, before any random ones.
func (s *Server) FailNext(pattern string, kinds ...FaultKind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.injectorLocked()
	in.next[pattern] = append(in.next[pattern], kinds...)
}

// FaultsInjected returns how many faults of each kind were injected.
func (s *Server) FaultsInjected() map[FaultKind]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[FaultKind]int{}
	if s.inj != nil {
		for k, v := range s.inj.injected {
			out[k] = v
		}
	}
	return out
}

// FaultSummary formats FaultsInjected, one "kind: n" per line, sorted.
func (s *Server) FaultSummary() string {
	m := s.FaultsInjected()
	var keys []string
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	out := ""
	for _, k := range keys {
		out += k + ": " + strconv.Itoa(m[FaultKind(k)]) + "\n"
	}
	return out
}

func (s *Server) injectorLocked() *injector {
	if s.inj == nil {
		s.inj = &injector{seen: map[string]int{}, next: map[string][]FaultKind{}, injected: map[FaultKind]int{}}
	}
	return s.inj
}

// drawFault picks the fault for one call (or ""). It takes s.mu itself.
func (s *Server) drawFault(pattern string, r *http.Request) FaultKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drawLocked(pattern, r)
}

func (s *Server) drawLocked(pattern string, r *http.Request) FaultKind {
	in := s.inj
	if in == nil {
		return ""
	}
	if q := in.next[pattern]; len(q) > 0 {
		in.next[pattern] = q[1:]
		in.injected[q[0]]++
		return q[0]
	}
	if !in.on || (in.rates.Skip != nil && in.rates.Skip(pattern)) {
		return ""
	}
	key := r.Method + " " + r.URL.Path
	in.seen[key]++
	h := fnv.New64a()
	var buf [16]byte
	binary.LittleEndian.PutUint64(buf[:8], uint64(in.rates.Seed))
	binary.LittleEndian.PutUint64(buf[8:], uint64(in.seen[key]))
	h.Write(buf[:])
	io.WriteString(h, pattern+"\x00"+key)
	x := float64(mix(h.Sum64())>>11) / float64(1<<53)
	f := in.rates
	var kind FaultKind
	for _, c := range []struct {
		k    FaultKind
		rate float64
	}{{FaultBefore, f.Before}, {FaultAfter, f.After}, {FaultSecondary, f.Secondary}, {FaultSecondaryBare, f.SecondaryBare}, {FaultSlow, f.Slow}} {
		if x < c.rate {
			kind = c.k
			break
		}
		x -= c.rate
	}
	if kind != "" {
		in.injected[kind]++
	}
	return kind
}

// faultBefore answers a fault that comes before the call's work and
// reports whether it did.
func faultBefore(w http.ResponseWriter, kind FaultKind) bool {
	var f Fault
	switch kind {
	case FaultBefore:
		f = ServerError()
	case FaultSecondary:
		f = SecondaryRateLimit(time.Second)
	case FaultSecondaryBare:
		f = SecondaryRateLimit(time.Second)
		delete(f.Headers, "Retry-After")
	default:
		return false
	}
	writeFault(w, f)
	return true
}

// faultAfter replaces the answer of a call whose work is done with a 500
// and reports whether it did; for a slow call it waits before the answer
// is written, without holding s.mu (which the caller holds).
func (s *Server) faultAfter(w http.ResponseWriter, kind FaultKind) bool {
	switch kind {
	case FaultAfter:
		writeFault(w, ServerError())
		return true
	case FaultSlow:
		delay := s.inj.rates.SlowDelay
		if delay <= 0 {
			delay = 2 * time.Second
		}
		s.mu.Unlock()
		time.Sleep(delay)
		s.mu.Lock()
	}
	return false
}

func writeFault(w http.ResponseWriter, f Fault) {
	for k, v := range f.Headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	io.WriteString(w, f.Body)
}

// mix is splitmix64's finalizer: FNV alone spreads a change in the call
// count poorly into the high bits the draw uses.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
