package jobs

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/webhook"
)

func TestPayloadEncoding(t *testing.T) {
	noise := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	noise[0] = '{'
	marked := append([]byte{payloadS2}, noise[1:]...)
	for _, c := range []struct {
		name       string
		p          []byte
		compressed bool
	}{
		{"empty, as a pruned payload", nil, false},
		{"small JSON is kept as it is", []byte(`{"action":"labeled"}`), false},
		{"a GitHub-sized JSON document is compressed", testPayload, true},
		{"bytes that do not shrink are kept as they are", noise, false},
		{"a short payload that starts with the marker", []byte{payloadS2, 'x'}, true},
		{"a long one that does not shrink", marked, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			stored := encodePayload(c.p)
			if got := len(stored) > 0 && stored[0] == payloadS2; got != c.compressed {
				t.Fatalf("stored compressed = %v, want %v (%d bytes from %d)", got, c.compressed, len(stored), len(c.p))
			}
			if c.compressed && c.p[0] != payloadS2 && len(stored) >= len(c.p) {
				t.Fatalf("compressed to %d bytes from %d", len(stored), len(c.p))
			}
			back, err := decodePayload(stored)
			if err != nil || !bytes.Equal(back, c.p) {
				t.Fatalf("read back %q, %v; want %q", back, err, c.p)
			}
		})
	}
	if _, err := decodePayload([]byte{payloadS2, 0xff, 0xff, 0xff, 0xff}); !errors.Is(err, errCorruptPayload) {
		t.Fatalf("corrupt payload: %v, want errCorruptPayload", err)
	}
}

// TestStoredPayloads: intake stores a payload compressed and every reader
// gets it back as sent; a row an older release stored uncompressed reads
// back unchanged; a corrupt one is a clear error, not a wrong payload.
func TestStoredPayloads(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openTestDB(t, backend)
		o := NewOutbox(db)
		defer o.Close()
		if _, err := o.Save(ctx, delivery("new", "acme/api", 7)); err != nil {
			t.Fatal(err)
		}
		var stored []byte
		if err := db.Outbox.QueryRow(`SELECT payload FROM devops_lead_deliveries WHERE id = 'new'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if len(stored) == 0 || stored[0] != payloadS2 || len(stored) >= len(testPayload)/2 {
			t.Fatalf("stored %d bytes (first %x) for a %d-byte payload, want it compressed", len(stored), stored[:1], len(testPayload))
		}
		old := strings.Replace(string(testPayload), "labeled", "opened", 1)
		if _, err := db.Outbox.Exec(db.q(`INSERT INTO devops_lead_deliveries
			(id, event, action, installation, repo, number, sender, sender_is_bot, payload, received_at, dispatched_at)
			VALUES ('old', 'issues', 'opened', 42, 'acme/api', 8, 'alice', false, ?, 1, 0), ('bad', 'issues', 'opened', 42, 'acme/api', 9, 'alice', false, ?, 1, 0)`),
			[]byte(old), []byte{payloadS2, 0xff, 0xff, 0xff, 0xff}); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]string{"new": string(testPayload), "old": old} {
			d, err := db.Delivery(ctx, id)
			if err != nil || string(d.Payload) != want {
				t.Fatalf("Delivery(%s): %v, payload %.40q, want %.40q", id, err, d.Payload, want)
			}
		}
		byID := map[string]*webhook.Delivery{}
		unreadable, err := db.loadDeliveries(ctx, []string{"new", "old", "bad"}, byID)
		if err != nil {
			t.Fatal(err)
		}
		if string(byID["new"].Payload) != string(testPayload) || string(byID["old"].Payload) != old {
			t.Fatalf("a burst's load changed a payload")
		}
		if byID["bad"] != nil || !errors.Is(unreadable["bad"], errCorruptPayload) {
			t.Fatalf("a burst's load of a corrupt payload: %v, %v", byID["bad"], unreadable)
		}
		if _, err := db.Delivery(ctx, "bad"); err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Fatalf("Delivery(bad): %v, want an error that names the corrupt payload", err)
		}
	})
}
