package githubtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawCall makes one call with a static token and returns the status and
// the Retry-After header.
func rawCall(t *testing.T, srv *Server, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "token faults-test")
	client := &http.Client{Timeout: 200 * time.Millisecond}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "" // timed out
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

func faultServer(t *testing.T) (*Server, *Issue) {
	k, _ := testKey(t)
	srv := New(t, 1, &k.PublicKey)
	srv.AddToken("faults-test", "alice", "acme/api")
	return srv, srv.AddIssue("acme/api", "alice", "t", "b")
}

func TestFailNextKinds(t *testing.T) {
	srv, is := faultServer(t)
	comments := fmt.Sprintf("/repos/acme/api/issues/%d/comments", is.Number)
	pattern := "POST /repos/{owner}/{repo}/issues/{number}/comments"
	srv.FailNext(pattern, FaultBefore, FaultAfter, FaultSecondary, FaultSecondaryBare)
	repo := srv.Repo("acme/api")
	if st, _ := rawCall(t, srv, "POST", comments, `{"body":"a"}`); st != 500 || len(repo.CommentsOn(is.Number)) != 0 {
		t.Fatalf("500-before: status %d, %d comments; want 500 and none", st, len(repo.CommentsOn(is.Number)))
	}
	if st, _ := rawCall(t, srv, "POST", comments, `{"body":"b"}`); st != 500 || len(repo.CommentsOn(is.Number)) != 1 {
		t.Fatalf("500-after: status %d, %d comments; want 500 and the comment posted", st, len(repo.CommentsOn(is.Number)))
	}
	if st, ra := rawCall(t, srv, "POST", comments, `{"body":"c"}`); st != 403 || ra != "1" {
		t.Fatalf("secondary limit: status %d, Retry-After %q", st, ra)
	}
	if st, ra := rawCall(t, srv, "POST", comments, `{"body":"d"}`); st != 403 || ra != "" {
		t.Fatalf("bare secondary limit: status %d, Retry-After %q", st, ra)
	}
	if st, _ := rawCall(t, srv, "POST", comments, `{"body":"e"}`); st != 201 || len(repo.CommentsOn(is.Number)) != 2 {
		t.Fatalf("after the schedule: status %d, %d comments", st, len(repo.CommentsOn(is.Number)))
	}
	srv.FailNext("GET /repos/{owner}/{repo}/issues/{number}", FaultSlow)
	srv.InjectFaults(Faults{SlowDelay: time.Second})
	start := time.Now()
	if st, _ := rawCall(t, srv, "GET", fmt.Sprintf("/repos/acme/api/issues/%d", is.Number), ""); st != 0 {
		t.Fatalf("slow: status %d, want a client timeout", st)
	}
	if time.Since(start) > 900*time.Millisecond {
		t.Error("the client did not time out")
	}
	if got := srv.FaultsInjected(); got[FaultAfter] != 1 || got[FaultSlow] != 1 || got[FaultBefore] != 1 {
		t.Errorf("injected %v", got)
	}
}

// The same seed and calls give the same faults; the rates are about right.
func TestInjectFaultsIsSeededAndProportionate(t *testing.T) {
	run := func(seed int64) []int {
		srv, is := faultServer(t)
		srv.InjectFaults(Faults{Seed: seed, Before: 0.2, After: 0.1, Secondary: 0.05, SecondaryBare: 0.05})
		var out []int
		for i := 0; i < 400; i++ {
			st, _ := rawCall(t, srv, "GET", fmt.Sprintf("/repos/acme/api/issues/%d", is.Number), "")
			out = append(out, st)
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("the same seed gave different faults")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatal("another seed gave the same faults")
	}
	n := map[int]int{}
	for _, st := range a {
		n[st]++
	}
	if n[500] < 80 || n[500] > 160 || n[403] < 20 || n[403] > 60 || n[200] < 180 {
		t.Errorf("statuses %v; want about 120 500s, 40 403s, 240 200s", n)
	}
}
