package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/devops-lead/devops-lead/internal/webhook"
)

// maxBatch bounds how many deliveries share one transaction.
const maxBatch = 256

// Outbox stores webhook deliveries durably with group commit: the
// requests that arrive while a transaction is being written wait for the
// next one and share it, and a lone request is written at once. It
// implements webhook.Store.
type Outbox struct {
	db      *DB
	reqs    chan *saveReq
	stored  chan struct{} // nudges the dispatcher after each commit
	done    chan struct{}
	closeMu sync.Mutex
	closed  bool
}

type saveReq struct {
	d   *webhook.Delivery
	res chan saveRes
}

type saveRes struct {
	isNew bool
	err   error
}

// ErrClosed is returned by Save after Close.
var ErrClosed = errors.New("the queue is shutting down")

// NewOutbox starts the outbox writer.
func NewOutbox(db *DB) *Outbox {
	o := &Outbox{db: db, reqs: make(chan *saveReq, maxBatch), stored: make(chan struct{}, 1), done: make(chan struct{})}
	go o.writer()
	return o
}

// Save stores a delivery; it reports false for an ID already stored, and
// for an event identity (d.Identity) already stored under another ID: a
// signed body replayed under a new X-GitHub-Delivery.
func (o *Outbox) Save(ctx context.Context, d *webhook.Delivery) (bool, error) {
	req := &saveReq{d: d, res: make(chan saveRes, 1)}
	o.closeMu.Lock()
	if o.closed {
		o.closeMu.Unlock()
		return false, ErrClosed
	}
	o.reqs <- req
	o.closeMu.Unlock()
	select {
	case r := <-req.res:
		return r.isNew, r.err
	case <-ctx.Done():
		// The write may still land; a redelivery is then a duplicate.
		return false, ctx.Err()
	}
}

// Close stops taking deliveries and waits for the writer to finish what
// it has.
func (o *Outbox) Close() {
	o.closeMu.Lock()
	if !o.closed {
		o.closed = true
		close(o.reqs)
	}
	o.closeMu.Unlock()
	<-o.done
}

func (o *Outbox) writer() {
	defer close(o.done)
	for first := range o.reqs {
		batch := []*saveReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-o.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		results, err := o.write(batch)
		for i, r := range batch {
			if err != nil {
				r.res <- saveRes{err: err}
			} else {
				r.res <- results[i]
			}
		}
		if err == nil {
			select {
			case o.stored <- struct{}{}:
			default:
			}
		}
	}
}

func (o *Outbox) write(batch []*saveReq) ([]saveRes, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := o.db.Outbox.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store deliveries: %w", err)
	}
	defer tx.Rollback()
	// No conflict target: a delivery id or an event identity already
	// stored both make the delivery a duplicate.
	stmt, err := tx.PrepareContext(ctx, o.db.q(`INSERT INTO devops_lead_deliveries
		(id, event, action, installation, repo, number, sender, sender_is_bot, payload, received_at, identity)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`))
	if err != nil {
		return nil, fmt.Errorf("store deliveries: %w", err)
	}
	defer stmt.Close()
	out := make([]saveRes, len(batch))
	for i, r := range batch {
		d := r.d
		res, err := stmt.ExecContext(ctx, d.ID, d.Event, d.Action, d.Installation, d.Repo, d.Number, d.Sender,
			d.SenderIsBot, d.Payload, d.ReceivedAt.UnixNano(), nullable(d.Identity))
		if err != nil {
			return nil, fmt.Errorf("store delivery %s: %w", d.ID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("store delivery %s: %w", d.ID, err)
		}
		out[i] = saveRes{isNew: n == 1}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit deliveries: %w", err)
	}
	return out, nil
}

// Delivery loads a stored delivery.
func (db *DB) Delivery(ctx context.Context, id string) (*webhook.Delivery, error) {
	d := &webhook.Delivery{ID: id}
	var received int64
	err := db.Outbox.QueryRowContext(ctx, db.q(`SELECT event, action, installation, repo, number, sender, sender_is_bot, payload, received_at
		FROM devops_lead_deliveries WHERE id = ?`), id).
		Scan(&d.Event, &d.Action, &d.Installation, &d.Repo, &d.Number, &d.Sender, &d.SenderIsBot, &d.Payload, &received)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("delivery %s is not stored", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load delivery %s: %w", id, err)
	}
	if len(d.Payload) == 0 {
		return nil, fmt.Errorf("delivery %s is older than the retention window: its payload was pruned", id)
	}
	d.ReceivedAt = time.Unix(0, received).UTC()
	return d, nil
}

// nullable stores an empty identity as NULL, which the unique index does
// not compare: deliveries without one are deduplicated by ID alone.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// migrateIdentity adds the event identity to the deliveries, unique, and
// an index by age for retention. Run at every open: each step is a no-op
// once done.
func (db *DB) migrateIdentity(ctx context.Context) error {
	add := `ALTER TABLE devops_lead_deliveries ADD COLUMN IF NOT EXISTS identity TEXT`
	if !db.Postgres {
		// SQLite has no ADD COLUMN IF NOT EXISTS.
		var n int
		if err := db.Outbox.QueryRowContext(ctx,
			`SELECT COUNT(*) FROM pragma_table_info('devops_lead_deliveries') WHERE name = 'identity'`).Scan(&n); err != nil {
			return fmt.Errorf("outbox migration: %w", err)
		}
		add = ""
		if n == 0 {
			add = `ALTER TABLE devops_lead_deliveries ADD COLUMN identity TEXT`
		}
	}
	for _, stmt := range []string{
		add,
		`CREATE UNIQUE INDEX IF NOT EXISTS devops_lead_deliveries_identity ON devops_lead_deliveries (identity)`,
		`CREATE INDEX IF NOT EXISTS devops_lead_deliveries_received ON devops_lead_deliveries (received_at)`,
	} {
		if stmt == "" {
			continue
		}
		if _, err := db.Outbox.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("outbox migration: %w", err)
		}
	}
	return nil
}
