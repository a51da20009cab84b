package jobs

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"modernc.org/sqlite"
)

// SQLite compiles a statement every time database/sql runs a query that is
// not prepared, and River's SQLite driver prepares none: its completer runs
// one large UPDATE per finished job, each compiled afresh, which cost more
// CPU than anything else in serve's intake benchmark (a quarter of the
// process). The connections opened here keep the statements they compiled,
// by query text, and run a query seen before by binding and stepping the
// kept statement. That is what a prepared statement does; nothing else
// changes: the same connection, the same transactions, the same results.

// stmtCacheSize bounds the statements one connection keeps; the least
// recently used is finalized when a new one would exceed it. River's and
// the outbox's steady statements are a few dozen; queries whose text varies
// with their number of rows (a multi-row INSERT, an IN list) take the rest.
const stmtCacheSize = 128

// stmtCacheConnector opens SQLite connections that keep their compiled
// statements.
type stmtCacheConnector struct {
	inner driver.Connector
}

// openCachedSQLite is sql.Open("sqlite", dsn) with a statement cache on
// each connection.
func openCachedSQLite(dsn string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite connector: %w", err)
	}
	return sql.OpenDB(&stmtCacheConnector{inner: c}), nil
}

// Connect implements driver.Connector.
func (c *stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(cacheableConn)
	if !ok {
		// Not the driver this was written for: use it as it is.
		return conn, nil
	}
	return &stmtCacheConn{inner: inner, byQuery: map[string]*list.Element{}, lru: list.New()}, nil
}

// Driver implements driver.Connector.
func (c *stmtCacheConnector) Driver() driver.Driver { return c.inner.Driver() }

// cacheableConn is what the wrapper needs of the driver's connection.
type cacheableConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtCacheConn is a connection with its statements kept by query text.
// database/sql never uses one connection from two goroutines at once;
// the mutex guards against a driver-level surprise all the same.
type stmtCacheConn struct {
	inner   cacheableConn
	mu      sync.Mutex
	byQuery map[string]*list.Element // of *cachedStmt
	lru     *list.List               // front: most recently used
	// hits and misses count the lookups (tests).
	hits, misses int
}

// cachedStmt is one kept statement. busy is set while a query's rows, or
// an exec, use it: a statement steps one query at a time, so a query of
// the same text meanwhile (rows still open) gets a statement of its own.
type cachedStmt struct {
	query   string
	st      driver.Stmt
	busy    bool
	evicted bool // finalize when no longer busy
}

// take returns the kept statement for query, marked busy, compiling and
// keeping it at its first use; nil (and no error) when the kept one is
// busy, so the caller runs the query unkept.
func (c *stmtCacheConn) take(ctx context.Context, query string) (*cachedStmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byQuery[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.hits++
		c.lru.MoveToFront(e)
		cs.busy = true
		return cs, nil
	}
	c.misses++
	st, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, ok := st.(driver.StmtQueryContext); !ok {
		st.Close()
		return nil, nil
	}
	if _, ok := st.(driver.StmtExecContext); !ok {
		st.Close()
		return nil, nil
	}
	cs := &cachedStmt{query: query, st: st, busy: true}
	c.byQuery[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		old := c.lru.Back()
		o := old.Value.(*cachedStmt)
		c.lru.Remove(old)
		delete(c.byQuery, o.query)
		if o.busy {
			o.evicted = true
		} else {
			o.st.Close()
		}
	}
	return cs, nil
}

// release marks a statement free again (finalizing it if it was evicted
// meanwhile).
func (c *stmtCacheConn) release(cs *cachedStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs.busy = false
	if cs.evicted {
		cs.st.Close()
	}
}

// QueryContext implements driver.QueryerContext with the kept statement.
func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.inner.QueryContext(ctx, query, args)
	}
	rows, err := cs.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.release(cs)
		return nil, err
	}
	return &cachedRows{Rows: rows, done: func() { c.release(cs) }}, nil
}

// ExecContext implements driver.ExecerContext with the kept statement.
func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.inner.ExecContext(ctx, query, args)
	}
	defer c.release(cs)
	return cs.st.(driver.StmtExecContext).ExecContext(ctx, args)
}

// Prepare implements driver.Conn: an explicitly prepared statement is the
// caller's to keep, not the cache's.
func (c *stmtCacheConn) Prepare(query string) (driver.Stmt, error) {
	return c.inner.PrepareContext(context.Background(), query)
}

// PrepareContext implements driver.ConnPrepareContext.
func (c *stmtCacheConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.inner.PrepareContext(ctx, query)
}

// Begin implements driver.Conn.
func (c *stmtCacheConn) Begin() (driver.Tx, error) {
	return c.inner.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx implements driver.ConnBeginTx.
func (c *stmtCacheConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner.BeginTx(ctx, opts)
}

// Ping implements driver.Pinger.
func (c *stmtCacheConn) Ping(ctx context.Context) error { return c.inner.Ping(ctx) }

// ResetSession implements driver.SessionResetter.
func (c *stmtCacheConn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }

// IsValid implements driver.Validator.
func (c *stmtCacheConn) IsValid() bool { return c.inner.IsValid() }

// Close finalizes the kept statements and closes the connection.
func (c *stmtCacheConn) Close() error {
	c.mu.Lock()
	var errs []error
	for e := c.lru.Front(); e != nil; e = e.Next() {
		errs = append(errs, e.Value.(*cachedStmt).st.Close())
	}
	c.lru.Init()
	clear(c.byQuery)
	c.mu.Unlock()
	errs = append(errs, c.inner.Close())
	return errors.Join(errs...)
}

// cachedRows are a kept statement's rows: closing them frees the
// statement for the next query of its text.
type cachedRows struct {
	driver.Rows
	once sync.Once
	done func()
}

// Close implements driver.Rows.
func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.done)
	return err
}

// The optional column-type interfaces of the driver's rows, passed on.

// ColumnTypeDatabaseTypeName implements driver.RowsColumnTypeDatabaseTypeName.
func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

// ColumnTypeScanType implements driver.RowsColumnTypeScanType.
func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

// ColumnTypeNullable implements driver.RowsColumnTypeNullable.
func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}
