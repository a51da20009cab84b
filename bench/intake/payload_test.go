package main

import (
	"bytes"
	"compress/flate"
	"testing"

	"github.com/devops-lead/devops-lead/internal/webhook"
)

// TestRealPayload: the GitHub-shaped payload is the size asked, reads as
// an issues.labeled delivery of its issue, and compresses like a real
// one (several times, not to almost nothing as the padded one does).
func TestRealPayload(t *testing.T) {
	for _, issue := range []int{1, 4242} {
		b := realPayload(13800, issue)
		if len(b) < 13800 || len(b) > 14200 {
			t.Errorf("issue %d: %d bytes, want about 13,800", issue, len(b))
		}
		d, err := webhook.FromPayload("d-1", "issues", b)
		if err != nil {
			t.Fatal(err)
		}
		if d.Action != "labeled" || d.Number != issue || d.Repo != "acme/api" || d.Installation != 42 || d.Sender != "alice" {
			t.Errorf("read as %+v", d)
		}
		ratio := float64(len(b)) / float64(deflated(t, b))
		t.Logf("issue %d: %d bytes, deflate ratio %.1f", issue, len(b), ratio)
		if ratio < 2 || ratio > 10 {
			t.Errorf("issue %d compresses %.1f times; a real payload does about 3 to 6", issue, ratio)
		}
	}
	if ratio := float64(13800) / float64(deflated(t, payload(13800, 1))); ratio < 20 {
		t.Errorf("the padded payload compresses only %.1f times", ratio)
	}
}

func deflated(t *testing.T, b []byte) int {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Len()
}
