package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

func TestStmtCacheReusesAndStaysCorrect(t *testing.T) {
	ctx := context.Background()
	db, err := openSQLite(filepath.Join(t.TempDir(), "c.db"), "NORMAL", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stats := func() (hits, misses, kept int) {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.Raw(func(c any) error {
			sc, ok := c.(*stmtCacheConn)
			if !ok {
				return fmt.Errorf("connection is a %T, not a statement-caching one", c)
			}
			hits, misses, kept = sc.hits, sc.misses, sc.lru.Len()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT, b BLOB)`); err != nil {
		t.Fatal(err)
	}
	h0, m0, _ := stats()
	for i := range 50 {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (k, v, b) VALUES (?, ?, ?)`, i, fmt.Sprint("v", i), []byte{byte(i), 0, 1}); err != nil {
			t.Fatal(err)
		}
	}
	h1, m1, _ := stats()
	if m1-m0 != 1 || h1-h0 != 49 {
		t.Fatalf("50 inserts of one text: %d compiled, %d reused; want 1 and 49", m1-m0, h1-h0)
	}
	// Values bound to a kept statement do not leak into the next run.
	for i := range 50 {
		var v string
		var b []byte
		if err := db.QueryRowContext(ctx, `SELECT v, b FROM t WHERE k = ?`, i).Scan(&v, &b); err != nil {
			t.Fatal(err)
		}
		if v != fmt.Sprint("v", i) || len(b) != 3 || b[0] != byte(i) {
			t.Fatalf("row %d read back as %q %v", i, v, b)
		}
	}
	// The same text while the first query's rows are open (a kept
	// statement steps one query at a time): each gets its own rows.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := `SELECT k FROM t WHERE k < ? ORDER BY k`
	outer, err := tx.QueryContext(ctx, q, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for outer.Next() {
		var k int
		if err := outer.Scan(&k); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.QueryContext(ctx, q, 2)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for inner.Next() {
			n++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		got = append(got, k*10+n)
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if fmt.Sprint(got) != "[2 12 22]" {
		t.Fatalf("nested queries of one text read %v, want [2 12 22]", got)
	}
	// A rolled-back write through a kept statement is rolled back.
	if _, err := tx.ExecContext(ctx, `DELETE FROM t WHERE k = ?`, 7); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 50 {
		t.Fatalf("after a rolled-back delete: %d rows (err %v), want 50", n, err)
	}
	// Texts beyond the bound evict the least recently used; all still run.
	for i := range stmtCacheSize + 20 {
		if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + COUNT(*) FROM t`, i)).Scan(&n); err != nil || n != i+50 {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if _, _, kept := stats(); kept != stmtCacheSize {
		t.Fatalf("%d statements kept, want the bound %d", kept, stmtCacheSize)
	}
	// An error from a kept statement leaves it usable.
	if _, err := db.ExecContext(ctx, `INSERT INTO t (k, v, b) VALUES (?, ?, ?)`, 1, "dup", nil); err == nil {
		t.Fatal("a duplicate primary key was inserted")
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO t (k, v, b) VALUES (?, ?, ?)`, 100, "new", nil); err != nil {
		t.Fatalf("the statement after a failed run: %v", err)
	}
}
