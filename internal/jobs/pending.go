package jobs

// The pending table (docs/reliability.md, "Third pass").
//
// The dispatcher used to find undispatched deliveries by a NULL
// dispatched_at and mark them by setting it. That mark rewrote each
// delivery's whole row (13.8 KB and its overflow pages on SQLite; a new
// tuple and an entry in every index on PostgreSQL, since the column is in
// an index's predicate). Now intake writes, beside each new delivery and
// in the same transaction, a small row in devops_lead_pending: its id,
// the issue key its job serialises on, its payload's size and when it
// came. The dispatcher reads that table and marks a delivery dispatched
// by deleting its row there. Deliveries stored from now on carry
// dispatched_at = 0, "tracked by the pending table".

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// migratePending creates the pending table. It has no index but its key,
// seq, a sequence in the order rows were written (on SQLite the rowid):
// the dispatcher reads it in that order and deletes by it, and the table
// stays small, so nothing else needs one. On a database an older
// version wrote, the deliveries it left undispatched (dispatched_at NULL)
// move into it, and get dispatched_at = 0 in the same transaction, so
// that a second start (or a replica starting beside this one) moves none
// twice (adoptUndispatched).
func (db *DB) migratePending(ctx context.Context) error {
	if _, err := db.Outbox.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS devops_lead_pending (
			seq `+db.serial()+` PRIMARY KEY,
			id TEXT NOT NULL,
			key TEXT NOT NULL,
			size BIGINT NOT NULL,
			received_at BIGINT NOT NULL
		)`); err != nil {
		return fmt.Errorf("outbox migration: %w", err)
	}
	if _, err := db.adoptUndispatched(ctx); err != nil {
		return fmt.Errorf("outbox migration: %w", err)
	}
	return nil
}

// adoptUndispatched moves deliveries with a NULL dispatched_at, which only
// a version before the pending table writes, into the pending table, and
// reports how many. It runs at every open, and on PostgreSQL on every
// heartbeat too: during a rolling upgrade an older replica may store a
// delivery and stop before it dispatches it, after this version's
// replicas started.
func (db *DB) adoptUndispatched(ctx context.Context) (int, error) {
	tx, err := db.Outbox.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	lock := `SELECT id, repo, number, event, payload, received_at FROM devops_lead_deliveries WHERE dispatched_at IS NULL`
	if db.Postgres {
		lock += ` FOR UPDATE`
	}
	rows, err := tx.QueryContext(ctx, lock)
	if err != nil {
		return 0, err
	}
	var moved []pending
	for rows.Next() {
		var p pending
		var repo, event string
		var number int
		var stored []byte
		if err := rows.Scan(&p.id, &repo, &number, &event, &stored, &p.received); err != nil {
			rows.Close()
			return 0, err
		}
		// A payload that does not decode still moves: its own job reports
		// it, and it serialises on its own issue meanwhile.
		payload, err := decodePayload(stored)
		if err != nil {
			payload = nil
		}
		p.size = int64(len(stored))
		if len(payload) > 0 {
			p.size = int64(len(payload))
		}
		p.key = dispatchKey(repo, number, event, payload)
		moved = append(moved, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, p := range moved {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO devops_lead_pending (id, key, size, received_at) VALUES (?, ?, ?, ?)`),
			p.id, p.key, p.size, p.received); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE devops_lead_deliveries SET dispatched_at = 0 WHERE id = ?`), p.id); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return len(moved), nil
}

// serial is the type of an integer key the database numbers itself.
func (db *DB) serial() string {
	if db.Postgres {
		return "BIGSERIAL"
	}
	return "INTEGER" // an alias of the rowid
}

// nextPending returns up to n pending deliveries, oldest first.
func (db *DB) nextPending(ctx context.Context, n int) ([]pending, error) {
	rows, err := db.Outbox.QueryContext(ctx, `SELECT seq, id, key, size FROM devops_lead_pending ORDER BY seq LIMIT `+strconv.Itoa(n))
	if err != nil {
		return nil, fmt.Errorf("read pending deliveries: %w", err)
	}
	defer rows.Close()
	var out []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.seq, &p.id, &p.key, &p.size); err != nil {
			return nil, fmt.Errorf("read pending deliveries: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read pending deliveries: %w", err)
	}
	return out, nil
}

// markDispatched takes deliveries off the pending table.
func (db *DB) markDispatched(ctx context.Context, round []pending) error {
	seqs := make([]int64, len(round))
	for i, p := range round {
		seqs[i] = p.seq
	}
	cond, args := among(db, "seq", seqs)
	if _, err := db.Outbox.ExecContext(ctx, db.q(`DELETE FROM devops_lead_pending WHERE `+cond), args...); err != nil {
		return fmt.Errorf("mark dispatched: %w", err)
	}
	return nil
}

// pendingLevel counts the pending deliveries and gives the age of the
// oldest.
func (db *DB) pendingLevel(ctx context.Context, now time.Time) (int64, time.Duration, error) {
	var n int64
	var oldest sql.NullInt64
	err := db.Outbox.QueryRowContext(ctx, `SELECT COUNT(*), MIN(received_at) FROM devops_lead_pending`).Scan(&n, &oldest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("outbox depth: %w", err)
	}
	var age time.Duration
	if oldest.Valid {
		age = max(0, now.Sub(time.Unix(0, oldest.Int64)))
	}
	return n, age, nil
}
