package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devops-lead/devops-lead/internal/webhook"
)

// maxBatch bounds how many deliveries share one transaction.
const maxBatch = 256

// Outbox stores webhook deliveries durably with group commit: its writer
// takes every request queued when it becomes free (at least one, at most
// maxBatch) and stores them in one multi-row INSERT, so the requests that
// arrive while a commit is on its way to disk share the next one, and a
// lone request is written at once. No request is answered before the
// commit that holds it is durable: on PostgreSQL when the statement
// returns; on SQLite when a sync of the WAL that began after the commit
// has returned (see syncer and DB.syncOutbox). It implements
// webhook.Store.
//
// One goroutine writes, on SQLite and on PostgreSQL. SQLite takes one
// writer at a time anyway. PostgreSQL would commit several writers'
// transactions together, but what a delivery costs its server is mostly
// per statement (a commit and its WAL flush, the protocol): with four
// writers at 16 senders most statements carried one delivery, and the
// server's CPU, on the same cores as intake, was the limit. One writer
// makes the batches larger (docs/reliability.md, "Fifth pass").
type Outbox struct {
	db      *DB
	reqs    chan *saveReq
	stored  chan struct{} // nudges the dispatcher after each commit
	done    chan struct{}
	closeMu sync.Mutex
	closed  bool
	queries sync.Map // n -> the INSERT of n deliveries; -n -> SQLite's INSERT of n pending rows
	// committed carries, on SQLite, the batches committed but not yet
	// synced from the writer to the syncer. It is unbuffered: the writer
	// hands a batch over only when the syncer takes it, at the start of a
	// sync, so it commits one batch while the syncer syncs the one
	// before, and whatever arrives meanwhile joins one batch: one commit
	// a sync (docs/reliability.md, "Fifth pass"). Several commits waiting
	// for the same sync measured 8–10% more CPU a delivery, each writing
	// its index pages to the WAL again.
	committed chan committedBatch
	// unchecked counts the payload bytes committed since the last
	// checkpoint, as stored; stopCheckpoint ends the checkpointer.
	unchecked      atomic.Int64
	stopCheckpoint chan struct{}
	// recent keeps what was stored lately for the bursts that run it
	// (batch.go).
	recent recent
}

// committedBatch is a batch whose transaction committed, with its
// answers, which wait for the WAL to be synced.
type committedBatch struct {
	reqs    []*saveReq
	results []saveRes
}

type saveReq struct {
	d      *webhook.Delivery
	key    string // the issue lock its job serialises on (dispatchKey)
	stored []byte // the payload as stored (encodePayload)
	res    chan saveRes
}

// newSaveReq is the request to store d. The issue key is read from the
// payload, and the payload compressed, here, in the request's goroutine,
// not on the writer's one path.
func newSaveReq(d *webhook.Delivery) *saveReq {
	return &saveReq{d: d, key: dispatchKey(d.Repo, d.Number, d.Event, d.Payload), stored: encodePayload(d.Payload), res: make(chan saveRes, 1)}
}

type saveRes struct {
	isNew bool
	err   error
}

// ErrClosed is returned by Save after Close.
var ErrClosed = errors.New("the queue is shutting down")

// NewOutbox starts the outbox's writer.
func NewOutbox(db *DB) *Outbox {
	o := &Outbox{db: db, reqs: make(chan *saveReq, maxBatch), stored: make(chan struct{}, 1), done: make(chan struct{})}
	written := make(chan struct{})
	go func() {
		defer close(written)
		o.writer()
	}()
	checkpointed := make(chan struct{})
	if db.checkpointer != nil {
		o.stopCheckpoint = make(chan struct{})
		go func() {
			defer close(checkpointed)
			o.checkpointer()
		}()
	} else {
		close(checkpointed)
	}
	synced := make(chan struct{})
	if db.outboxWAL != "" {
		o.committed = make(chan committedBatch)
		go func() {
			defer close(synced)
			o.syncer()
		}()
	} else {
		close(synced)
	}
	go func() {
		<-written
		if o.committed != nil {
			close(o.committed)
		}
		<-synced
		if o.stopCheckpoint != nil {
			close(o.stopCheckpoint)
		}
		<-checkpointed
		close(o.done)
	}()
	return o
}

// Save stores a delivery; it reports false for an ID already stored, and
// for an event identity (d.Identity) already stored under another ID: a
// signed body replayed under a new X-GitHub-Delivery.
func (o *Outbox) Save(ctx context.Context, d *webhook.Delivery) (bool, error) {
	req := newSaveReq(d)
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
	for first := range o.reqs {
		batch := make([]*saveReq, 1, 16)
		batch[0] = first
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
		if err != nil && o.db.Postgres {
			// Two replicas' batches holding the same two deliveries in
			// opposite orders can deadlock; the statement rolled back, so
			// it is safe to run again once.
			results, err = o.write(batch)
		}
		if err == nil && o.stopCheckpoint != nil {
			for _, r := range batch {
				o.unchecked.Add(int64(len(r.stored)))
			}
		}
		if err == nil && o.committed != nil {
			// Committed, not yet durable: the syncer answers once the WAL
			// is on disk, while this writer commits the next batch.
			o.committed <- committedBatch{reqs: batch, results: results}
			continue
		}
		o.answer(batch, results, err)
	}
}

// syncer is SQLite's second stage of group commit: it takes every batch
// committed since its last sync, syncs the outbox's WAL once, and only
// then answers their requests. A sync covers every commit before it
// began, so the writer goes on committing the next batch meanwhile, and
// throughput is bounded by the slower of the two stages, not their sum.
func (o *Outbox) syncer() {
	var group []committedBatch
	for first := range o.committed {
		group = append(group[:0], first)
	more:
		for {
			select {
			case b, ok := <-o.committed:
				if !ok {
					break more
				}
				group = append(group, b)
			default:
				break more
			}
		}
		err := o.db.syncOutbox()
		if err != nil {
			err = fmt.Errorf("commit deliveries: %w", err)
		}
		for _, b := range group {
			o.answer(b.reqs, b.results, err)
		}
	}
}

// Checkpointing: SQLite copies the WAL back into the database file (and
// syncs that file) in the commit that takes the WAL past
// wal_autocheckpoint pages, which would put that work, and a flush, on one
// batch of intake every few hundred deliveries. Instead this goroutine
// runs a passive checkpoint on a connection of its own, beside the writer,
// whenever checkpointBytes of payloads were committed or a second passed
// with some: a passive checkpoint never blocks the writer, and the
// database file is synced after each pass. Under load the writer's own
// checkpoint, at 1,000 pages, still runs (it must, for the WAL to start
// over; see Open), and finds the pages copied and synced.
//
// checkpointBytes counts payloads as stored, compressed: 512 KB of them
// (about 100 GitHub-sized deliveries) take the WAL about a quarter of the
// way to 1,000 pages. At 2 MB, set when payloads were stored whole, the
// passes came about when the writer's own checkpoint was due, and the
// writer did most of the copying on intake's path (docs/reliability.md,
// "Sixth pass").
const (
	checkpointBytes = 512 << 10
	checkpointEvery = time.Second
)

func (o *Outbox) checkpointer() {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-o.stopCheckpoint:
			return
		case <-tick.C:
		}
		n := o.unchecked.Load()
		if n < checkpointBytes && (n == 0 || time.Since(last) < checkpointEvery) {
			continue
		}
		o.unchecked.Add(-n)
		last = time.Now()
		// A failed checkpoint is retried at the next; the writer's own
		// bounds the WAL meanwhile.
		_, _ = o.db.checkpointer.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		// A pass that does not copy the whole WAL (the writer went on
		// meanwhile) leaves the pages it wrote unsynced: SQLite syncs the
		// database file only when a checkpoint completes. The one that
		// completes, in the writer's commit, would then flush every page
		// since the last, tens of milliseconds with intake waiting; synced
		// here, beside intake, it has little left to flush.
		_ = o.db.held.sync(o.db.outboxFile)
	}
}

// answer tells each request of a batch its result, or err, and nudges
// the dispatcher after a durable batch.
func (o *Outbox) answer(batch []*saveReq, results []saveRes, err error) {
	for i, r := range batch {
		if err != nil {
			r.res <- saveRes{err: err}
			continue
		}
		if results[i].isNew {
			o.recent.put(r.d)
		}
		r.res <- results[i]
	}
	if err == nil {
		select {
		case o.stored <- struct{}{}:
		default:
		}
	}
}

// maxPrepared is the largest batch whose INSERT is kept prepared.
const maxPrepared = 32

// outboxColumns is the number of values one delivery's row takes.
const outboxColumns = 11

// insertQuery is the INSERT of n deliveries, built once per n. No
// conflict target: a delivery id or an event identity already stored
// both make the delivery a duplicate, and RETURNING names the rows that
// were new. Each new delivery also gets its row in devops_lead_pending,
// which the dispatcher reads (pending.go): on PostgreSQL in the same
// statement; on SQLite by pendingQuery, in the same transaction.
// dispatched_at is 0 for every delivery the pending table tracks.
func (o *Outbox) insertQuery(n int) string {
	if q, ok := o.queries.Load(n); ok {
		return q.(string)
	}
	var b strings.Builder
	if o.db.Postgres {
		b.WriteString(`WITH ins AS (`)
	}
	b.WriteString(`INSERT INTO devops_lead_deliveries
		(id, event, action, installation, repo, number, sender, sender_is_bot, payload, received_at, identity, dispatched_at) VALUES `)
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", outboxColumns), ", ") + ", 0)"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(` ON CONFLICT DO NOTHING RETURNING id`)
	if o.db.Postgres {
		b.WriteString(`) INSERT INTO devops_lead_pending (id, key, size, received_at)
		SELECT v.id, v.key, v.size, v.received_at FROM ins JOIN (VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?::text, ?::text, ?::bigint, ?::bigint)")
		}
		b.WriteString(`) AS v(id, key, size, received_at) ON v.id = ins.id RETURNING id`)
	}
	q := o.db.q(b.String())
	o.queries.Store(n, q)
	return q
}

// pendingQuery is SQLite's INSERT of n rows into devops_lead_pending.
func (o *Outbox) pendingQuery(n int) string {
	if q, ok := o.queries.Load(-n); ok {
		return q.(string)
	}
	q := `INSERT INTO devops_lead_pending (id, key, size, received_at) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", n), ", ")
	o.queries.Store(-n, q)
	return q
}

// write stores a batch with one statement and reports, per request,
// whether its delivery was new. Duplicates within the batch (same id or
// same identity) are settled here, first come first stored, so the
// statement never meets the same key twice.
func (o *Outbox) write(batch []*saveReq) ([]saveRes, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := make([]saveRes, len(batch))
	// keep[i] is true for the requests whose rows go into the statement.
	keep := make([]bool, len(batch))
	seen := make(map[string]struct{}, 2*len(batch))
	args := make([]any, 0, outboxColumns*len(batch))
	var pend []pending
	rows := 0
	for i, r := range batch {
		d := r.d
		if _, dup := seen["i"+d.ID]; dup {
			continue
		}
		if d.Identity != "" {
			if _, dup := seen["e"+d.Identity]; dup {
				continue
			}
			seen["e"+d.Identity] = struct{}{}
		}
		seen["i"+d.ID] = struct{}{}
		keep[i] = true
		rows++
		args = append(args, d.ID, d.Event, d.Action, d.Installation, d.Repo, d.Number, d.Sender,
			d.SenderIsBot, r.stored, d.ReceivedAt.UnixNano(), nullable(d.Identity))
		pend = append(pend, pending{id: d.ID, key: r.key, size: int64(len(d.Payload)), received: d.ReceivedAt.UnixNano()})
	}
	if o.db.Postgres {
		for _, p := range pend {
			args = append(args, p.id, p.key, p.size, p.received)
		}
	}
	inserted, err := o.insert(ctx, o.insertQuery(rows), args, pend)
	if err != nil {
		return nil, err
	}
	for i, r := range batch {
		if keep[i] {
			out[i] = saveRes{isNew: inserted[r.d.ID]}
		}
	}
	return out, nil
}

// insert runs the INSERT and returns the ids it stored, once committed:
// on PostgreSQL the statement commits by itself, durably; on SQLite it
// runs in a transaction, and the syncer makes the commit durable before
// any request of the batch is answered.
func (o *Outbox) insert(ctx context.Context, query string, args []any, pend []pending) (map[string]bool, error) {
	n := len(pend)
	if o.db.Postgres {
		rows, err := o.db.Outbox.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("store deliveries: %w", err)
		}
		inserted, err := stringSet(rows)
		if err != nil {
			return nil, fmt.Errorf("store deliveries: %w", err)
		}
		return inserted, nil
	}
	// Batches of up to maxPrepared rows, the common ones, run a statement
	// prepared once, before the transaction takes SQLite's one
	// connection; a larger batch's parse is spread over its rows.
	var st *sql.Stmt
	if n <= maxPrepared {
		var err error
		if st, err = o.db.prepared(ctx, query); err != nil {
			return nil, fmt.Errorf("store deliveries: %w", err)
		}
	}
	tx, err := o.db.Outbox.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store deliveries: %w", err)
	}
	defer tx.Rollback()
	var rows *sql.Rows
	if st != nil {
		txst := tx.StmtContext(ctx, st)
		defer txst.Close()
		rows, err = txst.QueryContext(ctx, args...)
	} else {
		rows, err = tx.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("store deliveries: %w", err)
	}
	inserted, err := stringSet(rows)
	if err != nil {
		return nil, fmt.Errorf("store deliveries: %w", err)
	}
	var pargs []any
	for _, p := range pend {
		if inserted[p.id] {
			pargs = append(pargs, p.id, p.key, p.size, p.received)
		}
	}
	if len(pargs) > 0 {
		if _, err := tx.ExecContext(ctx, o.pendingQuery(len(pargs)/4), pargs...); err != nil {
			return nil, fmt.Errorf("store deliveries: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit deliveries: %w", err)
	}
	return inserted, nil
}

// Delivery loads a stored delivery.
func (db *DB) Delivery(ctx context.Context, id string) (*webhook.Delivery, error) {
	d, _, err := db.loadDelivery(ctx, id)
	return d, err
}

// loadDelivery loads a stored delivery and reports whether a burst
// already ran it (batch.go).
func (db *DB) loadDelivery(ctx context.Context, id string) (*webhook.Delivery, bool, error) {
	d := &webhook.Delivery{ID: id}
	var received int64
	var settled sql.NullString
	st, err := db.prepared(ctx, db.q(`SELECT event, action, installation, repo, number, sender, sender_is_bot, payload, received_at,
		(SELECT state FROM devops_lead_settled s WHERE s.id = d.id)
		FROM devops_lead_deliveries d WHERE id = ?`))
	if err != nil {
		return nil, false, fmt.Errorf("load delivery %s: %w", id, err)
	}
	err = st.QueryRowContext(ctx, id).
		Scan(&d.Event, &d.Action, &d.Installation, &d.Repo, &d.Number, &d.Sender, &d.SenderIsBot, payloadColumn{&d.Payload}, &received, &settled)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("delivery %s is not stored", id)
	}
	if err != nil {
		return nil, false, fmt.Errorf("load delivery %s: %w", id, err)
	}
	if len(d.Payload) == 0 {
		return nil, false, fmt.Errorf("delivery %s is older than the retention window: its payload was pruned", id)
	}
	d.ReceivedAt = time.Unix(0, received).UTC()
	return d, settled.String == settledDone, nil
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
	if db.Postgres {
		db.payloadLZ4(ctx)
	}
	return nil
}

// payloadLZ4 has PostgreSQL compress new payloads with lz4 rather than
// its default pglz, several times cheaper in CPU for the same kind of
// ratio on JSON: a payload over 2 KB is compressed as it is stored, on
// intake's path. Servers before 14 or built without lz4 keep pglz.
func (db *DB) payloadLZ4(ctx context.Context) {
	var method string
	err := db.Outbox.QueryRowContext(ctx, `SELECT attcompression::text FROM pg_attribute
		WHERE attrelid = 'devops_lead_deliveries'::regclass AND attname = 'payload'`).Scan(&method)
	if err != nil || method == "l" {
		return
	}
	// An error means the server has no lz4: pglz stays.
	_, _ = db.Outbox.ExecContext(ctx, `ALTER TABLE devops_lead_deliveries ALTER COLUMN payload SET COMPRESSION lz4`)
}
