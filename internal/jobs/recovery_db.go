package jobs

import (
	"context"
	"fmt"
	"time"
)

// migrateRecovery adds the table of running processes and their
// heartbeats (recovery.go), beside the locks.
func (db *DB) migrateRecovery(ctx context.Context) error {
	if _, err := db.Outbox.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS devops_lead_processes (
			id TEXT PRIMARY KEY,
			started_at BIGINT NOT NULL,
			heartbeat_at BIGINT NOT NULL
		)`); err != nil {
		return fmt.Errorf("recovery migration: %w", err)
	}
	return nil
}

// registerProcess records that process id is alive at now.
func (db *DB) registerProcess(ctx context.Context, id string, now time.Time) error {
	_, err := db.Outbox.ExecContext(ctx, db.q(`INSERT INTO devops_lead_processes (id, started_at, heartbeat_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`), id, now.UnixNano(), now.UnixNano())
	if err != nil {
		return fmt.Errorf("record heartbeat: %w", err)
	}
	return nil
}

// deleteProcess removes process id's row.
func (db *DB) deleteProcess(ctx context.Context, id string) error {
	_, err := db.Outbox.ExecContext(ctx, db.q(`DELETE FROM devops_lead_processes WHERE id = ?`), id)
	return err
}

// deleteStaleProcesses removes the rows of processes other than self whose
// last heartbeat is before horizon.
func (db *DB) deleteStaleProcesses(ctx context.Context, self string, horizon time.Time) error {
	_, err := db.Outbox.ExecContext(ctx, db.q(`DELETE FROM devops_lead_processes WHERE id <> ? AND heartbeat_at < ?`), self, horizon.UnixNano())
	if err != nil {
		return fmt.Errorf("remove dead processes: %w", err)
	}
	return nil
}

// processes returns every registered process with its last heartbeat.
func (db *DB) processes(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.Outbox.QueryContext(ctx, `SELECT id, heartbeat_at FROM devops_lead_processes`)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var beat int64
		if err := rows.Scan(&id, &beat); err != nil {
			return nil, fmt.Errorf("list processes: %w", err)
		}
		out[id] = time.Unix(0, beat)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	return out, nil
}

type lockRow struct{ key, holder string }

// locks returns every issue lock held.
func (db *DB) locks(ctx context.Context) ([]lockRow, error) {
	rows, err := db.Outbox.QueryContext(ctx, `SELECT key, holder FROM devops_lead_locks`)
	if err != nil {
		return nil, fmt.Errorf("list locks: %w", err)
	}
	defer rows.Close()
	var out []lockRow
	for rows.Next() {
		var l lockRow
		if err := rows.Scan(&l.key, &l.holder); err != nil {
			return nil, fmt.Errorf("list locks: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list locks: %w", err)
	}
	return out, nil
}

// renewLock extends holder's lock on key by ttl from now; it reports false
// when holder no longer has the lock (it was released as a dead process's,
// or expired and was taken). It never takes a lock anew.
func (db *DB) renewLock(ctx context.Context, key, holder string, ttl time.Duration) (bool, error) {
	res, err := db.Outbox.ExecContext(ctx, db.q(`UPDATE devops_lead_locks SET expires_at = ? WHERE key = ? AND holder = ?`),
		time.Now().Add(ttl).UnixNano(), key, holder)
	if err != nil {
		return false, fmt.Errorf("renew lock %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("renew lock %s: %w", key, err)
	}
	return n == 1, nil
}

// releaseJob puts a running job of a dead process back to available, if
// it is still running the same attempt. Its attempt stays counted, as
// River's rescuer counts it; a job that was on its last attempt gets one
// more, since the kill was not its failure.
func (db *DB) releaseJob(ctx context.Context, id int64, attempt int) (bool, error) {
	res, err := db.SQL.ExecContext(ctx, db.q(`UPDATE river_job SET state = 'available',
		max_attempts = CASE WHEN attempt >= max_attempts THEN attempt + 1 ELSE max_attempts END
		WHERE id = ? AND state = 'running' AND attempt = ?`), id, attempt)
	if err != nil {
		return false, fmt.Errorf("put back job %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("put back job %d: %w", id, err)
	}
	return n == 1, nil
}
