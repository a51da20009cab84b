// Package jobs is the durable queue behind `devops-lead serve`: an outbox
// table of webhook deliveries written with group commit (many concurrent
// requests share one transaction), each with a row in a small pending
// table; a dispatcher that turns pending deliveries into River jobs (one
// per delivery, or one per burst of them, batch.go) and then takes them
// off the pending table; and River workers that run one job per issue at
// a time.
// SQLite (modernc, pure Go, WAL) is the default; PostgreSQL through pgx
// when a DATABASE_URL is given. Both go through database/sql, so the same
// code serves both.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"modernc.org/sqlite" // the "sqlite" database/sql driver
)

// DB is the queue's storage: River's tables, and the outbox (deliveries
// and issue locks). On SQLite the outbox is a file of its own beside
// River's, so a webhook is never stored behind River's single connection;
// on PostgreSQL both live in one database.
type DB struct {
	SQL      *sql.DB // River's
	Outbox   *sql.DB // deliveries and locks
	Postgres bool
	driver   riverdriver.Driver[*sql.Tx]
	// outboxWAL and riverWAL are the SQLite files' write-ahead logs,
	// synced after the commits that must be durable (see syncOutbox).
	outboxWAL, riverWAL string
	// outboxFile is the SQLite outbox's database file, which the
	// checkpointer syncs after each pass (see Outbox.checkpointer).
	outboxFile string
	// held keeps the files above open for their syncs.
	held heldFiles
	// checkpointer is a second connection to the SQLite outbox that
	// copies its WAL into the database file beside the writer (see
	// Outbox.checkpointer), so intake's commits rarely do it themselves.
	checkpointer *sql.DB
	// stmts are the outbox statements prepared once (SQLite compiles an
	// unprepared statement at every call; pgx caches its own).
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt
}

// prepared returns the outbox statement for query, prepared at its first
// use.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if st, ok := db.stmts[query]; ok {
		return st, nil
	}
	st, err := db.Outbox.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if db.stmts == nil {
		db.stmts = map[string]*sql.Stmt{}
	}
	db.stmts[query] = st
	return st, nil
}

// Open opens the queue database: PostgreSQL when url is set, else a
// SQLite file at path (created with its directory's permissions). It
// applies River's migrations and the outbox's.
func Open(ctx context.Context, path, url string) (*DB, error) {
	db := &DB{}
	var err error
	switch {
	case url != "":
		db.Postgres = true
		if db.SQL, err = sql.Open("pgx", url); err != nil {
			return nil, fmt.Errorf("open DATABASE_URL: %w", err)
		}
		// The outbox writers, the dispatcher, River's producer and
		// workers and the issue locks all take connections at once.
		db.SQL.SetMaxOpenConns(32)
		db.SQL.SetMaxIdleConns(32)
		db.Outbox = db.SQL
		db.driver = riverdatabasesql.New(db.SQL)
	case path != "":
		sqliteFdatasync.Do(func() { _, _ = sqlite.Fdatasync(true) })
		if db.SQL, err = openSQLite(path, "NORMAL", ""); err != nil {
			return nil, err
		}
		// Intake's connection checkpoints by itself when the WAL reaches
		// 1,000 pages (4 MB with 4 KB pages, SQLite's default). Under
		// steady load that is what starts the WAL over; the checkpointer
		// has by then copied and synced nearly all of it, so the commit
		// that does it pays for little (docs/reliability.md, "Third
		// pass").
		if db.Outbox, err = openSQLite(path+".outbox", "NORMAL", "&_pragma=wal_autocheckpoint(1000)"); err != nil {
			db.SQL.Close()
			return nil, err
		}
		if db.checkpointer, err = openSQLite(path+".outbox", "NORMAL", ""); err != nil {
			db.Close()
			return nil, err
		}
		db.outboxWAL, db.riverWAL, db.outboxFile = path+".outbox-wal", path+"-wal", path+".outbox"
		db.driver = riversqlite.New(db.SQL)
	default:
		return nil, errors.New("jobs: give a SQLite path (--db) or a DATABASE_URL")
	}
	if err := db.SQL.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("reach the queue database: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.outboxWAL != "" {
		// The WALs exist now; their directory entries go to disk once, as
		// SQLite's FULL would do when it creates the files.
		if err := syncDir(filepath.Dir(db.outboxWAL)); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// syncOutbox puts the SQLite outbox's last commits on disk, and
// syncRiver River's: each syncs the file's write-ahead log, as
// synchronous=FULL does at every commit. Both files run
// synchronous=NORMAL so that the writes nobody is answered for (issue
// locks, heartbeats, dispatch marks, pruning, River's job state changes)
// cost no flush, and the commits that must be durable are synced
// explicitly: the outbox writer's, before any of its deliveries is
// answered 202, and River's job inserts, before the dispatcher marks
// their deliveries dispatched (or a job that queued tasks completes). The
// frames of a committed transaction are in the WAL file (SQLite wrote them
// before the commit returned), so one fdatasync of the file makes them,
// and every commit before them, durable; SQLite's WAL recovery keeps a
// prefix of the commits, so a later commit never survives an earlier one.
// The file is held open, and used only while it is the file at its path,
// so a WAL that SQLite recreated is never missed (heldFiles). No-ops on
// PostgreSQL, whose commits are durable when they return.
func (db *DB) syncOutbox() error { return db.held.sync(db.outboxWAL) }

func (db *DB) syncRiver() error { return db.held.sync(db.riverWAL) }

// sqliteFdatasync switches the syncs SQLite makes itself (a checkpoint's,
// of the WAL and of the database file) from fsync to fdatasync, as
// SQLite's own Linux builds do: the library is transpiled without the
// configure check that picks it. A sync stays as durable, and skips the
// timestamp update fsync forces through ext4's journal: the writer's own
// checkpoint runs on intake's path (docs/reliability.md, "Sixth pass").
// Process-wide; where fdatasync is missing the switch fails and fsync
// stays.
var sqliteFdatasync sync.Once

// syncDir puts a directory's entries on disk.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// openSQLite opens a SQLite file in WAL mode with one connection: SQLite
// takes one writer at a time, and River's driver asks for a single
// connection so nothing waits on SQLITE_BUSY. Both files run
// synchronous=NORMAL, which survives a killed process, and the commits a
// power loss must not take back are synced explicitly (DB.syncOutbox):
// deliveries before their 202, River's job inserts before the deliveries
// are marked dispatched. Each connection keeps the statements it compiled
// (stmtcache.go).
//
// temp_store=MEMORY keeps statement journals in memory. A statement that
// may fail halfway inside a transaction (intake's multi-row INSERT, River's
// updates) journals the pages it changes so it can be undone alone. With
// the default, a journal past 64 KB goes to a temporary file, opened,
// written and deleted for that one statement (docs/reliability.md,
// "Seventh pass").
func openSQLite(path, synchronous, pragmas string) (*sql.DB, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(" + synchronous + ")&_pragma=temp_store(MEMORY)&_txlock=immediate" + pragmas
	db, err := openCachedSQLite(dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// Close closes the databases.
func (db *DB) Close() error {
	db.stmtMu.Lock()
	for _, st := range db.stmts {
		st.Close()
	}
	db.stmts = nil
	db.stmtMu.Unlock()
	err := db.SQL.Close()
	if db.checkpointer != nil {
		err = errors.Join(err, db.checkpointer.Close())
	}
	if db.Outbox != nil && db.Outbox != db.SQL {
		err = errors.Join(err, db.Outbox.Close())
	}
	return errors.Join(err, db.held.close())
}

func (db *DB) migrate(ctx context.Context) error {
	m, err := rivermigrate.New(db.driver, nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("apply river migrations: %w", err)
	}
	blob := "BLOB"
	if db.Postgres {
		blob = "BYTEA"
	}
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS devops_lead_deliveries (
			id TEXT PRIMARY KEY,
			event TEXT NOT NULL,
			action TEXT NOT NULL,
			installation BIGINT NOT NULL,
			repo TEXT NOT NULL,
			number INTEGER NOT NULL,
			sender TEXT NOT NULL,
			sender_is_bot BOOLEAN NOT NULL,
			payload ` + blob + ` NOT NULL,
			received_at BIGINT NOT NULL,
			dispatched_at BIGINT
		)`,
		`CREATE INDEX IF NOT EXISTS devops_lead_deliveries_pending ON devops_lead_deliveries (received_at) WHERE dispatched_at IS NULL`,
		`CREATE TABLE IF NOT EXISTS devops_lead_locks (
			key TEXT PRIMARY KEY,
			holder TEXT NOT NULL,
			expires_at BIGINT NOT NULL
		)`,
	} {
		if _, err := db.Outbox.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("outbox migration: %w", err)
		}
	}
	if err := db.migrateSettled(ctx); err != nil {
		return err
	}
	if err := db.migrateIdentity(ctx); err != nil {
		return err
	}
	return db.migratePending(ctx)
}

// q rewrites ? placeholders to $1, $2... for PostgreSQL.
func (db *DB) q(query string) string {
	if !db.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
