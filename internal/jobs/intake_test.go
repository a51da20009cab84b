package jobs

import (
	"context"
	"testing"
)

// TestOutboxBatchSettlesDuplicatesWithin: one group commit holding the
// same delivery id twice, the same event identity under two ids, and a
// delivery stored by an earlier commit stores each event once, the first
// to come, and reports the rest as duplicates.
func TestOutboxBatchSettlesDuplicatesWithin(t *testing.T) {
	backends(t, func(t *testing.T, backend string) {
		db := openTestDB(t, backend)
		o := NewOutbox(db)
		defer o.Close()
		ctx := context.Background()
		old := delivery("old", "acme/api", 9)
		old.Identity = "issues/labeled/issue:9"
		if isNew, err := o.Save(ctx, old); err != nil || !isNew {
			t.Fatalf("first save: %v %v", isNew, err)
		}
		mk := func(id, identity string) *saveReq {
			d := delivery(id, "acme/api", 1)
			d.Identity = identity
			return newSaveReq(d)
		}
		batch := []*saveReq{
			mk("a", "issues/labeled/issue:1"),
			mk("a", "issues/labeled/issue:2"), // same id
			mk("b", "issues/labeled/issue:1"), // same event, another id
			mk("c", ""),
			mk("c", ""),
			mk("old", "issues/labeled/issue:3"),    // id stored before
			mk("replay", "issues/labeled/issue:9"), // event stored before
			mk("d", "issues/labeled/issue:4"),
		}
		want := []bool{true, false, false, true, false, false, false, true}
		got, err := o.write(batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range got {
			if r.isNew != want[i] {
				t.Errorf("request %d (%s): new = %v, want %v", i, batch[i].d.ID, r.isNew, want[i])
			}
		}
		var n int
		if err := db.Outbox.QueryRow(`SELECT COUNT(*) FROM devops_lead_deliveries`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 4 { // old, a, c, d
			t.Errorf("%d rows stored, want 4", n)
		}
		// The statement for a batch size is built once.
		if q1, q2 := o.insertQuery(3), o.insertQuery(3); q1 != q2 {
			t.Error("insert statement rebuilt")
		}
	})
}

// TestPostgresPayloadsUseLZ4: on PostgreSQL the payload column is
// compressed with lz4, cheaper than pglz on intake's path.
func TestPostgresPayloadsUseLZ4(t *testing.T) {
	db := openTestDB(t, "postgres")
	var method string
	if err := db.Outbox.QueryRow(`SELECT attcompression::text FROM pg_attribute
		WHERE attrelid = 'devops_lead_deliveries'::regclass AND attname = 'payload'`).Scan(&method); err != nil {
		t.Skipf("server without per-column compression: %v", err)
	}
	if method != "l" {
		t.Errorf("payload compression %q, want l (lz4)", method)
	}
}
