// Package jobstest gives tests a fresh PostgreSQL database of their own on
// the server named by DEVOPS_LEAD_TEST_DATABASE_URL (.ci/run starts one),
// so test packages running in parallel never share queue tables.
package jobstest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvVar names the server tests may use.
const EnvVar = "DEVOPS_LEAD_TEST_DATABASE_URL"

var seq atomic.Int64

// PostgresURL creates an empty database for the test and returns its URL;
// it skips the test when EnvVar is unset. The database is dropped when the
// test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvVar)
	if admin == "" {
		t.Skipf("%s is not set (.ci/run starts PostgreSQL and sets it)", EnvVar)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	name := fmt.Sprintf("dl_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1))
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u.Path = "/" + name
	return u.String()
}
