package jobs

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"modernc.org/sqlite"
)

// TestHeldFilesFollowTheirPath: a held file is synced while it is the
// file at its path; a file put in its place is opened and synced instead;
// a missing one is an error; a replaced handle and, at close, the held
// one are closed.
func TestHeldFilesFollowTheirPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "queue.db-wal")
	if err := os.WriteFile(path, []byte("first"), 0o600); err != nil {
		t.Fatal(err)
	}
	var h heldFiles
	if err := h.sync(path); err != nil {
		t.Fatalf("sync: %v", err)
	}
	first := h.files[path]
	if first == nil {
		t.Fatal("the synced file is not held")
	}
	if err := h.sync(path); err != nil || h.files[path] != first {
		t.Fatalf("a second sync reopened the file (err %v)", err)
	}
	// SQLite deletes a WAL when its last connection closes and the next
	// creates another: the same path, another file.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := h.sync(path); err == nil {
		t.Error("a file missing from its path was synced")
	}
	if err := os.WriteFile(path, []byte("second"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.sync(path); err != nil {
		t.Fatalf("sync the new file: %v", err)
	}
	second := h.files[path]
	cur, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if second == first || !os.SameFile(second.info, cur) {
		t.Fatal("the file now at the path is not the one held")
	}
	if _, err := first.f.Stat(); err == nil {
		t.Error("the replaced handle was left open")
	}
	if err := h.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := second.f.Stat(); err == nil {
		t.Error("close left the held file open")
	}
}

// TestSQLiteSyncsWithFdatasync: opening a SQLite queue switches SQLite's
// own syncs (its checkpoints') to fdatasync.
func TestSQLiteSyncsWithFdatasync(t *testing.T) {
	openTestDB(t, "sqlite")
	if !sqlite.FdatasyncEnabled() {
		t.Error("SQLite still syncs with fsync")
	}
}

// TestSQLiteKeepsTemporaryDataInMemory: statement journals must not spill
// into temporary files on any of the SQLite connections.
func TestSQLiteKeepsTemporaryDataInMemory(t *testing.T) {
	db := openTestDB(t, "sqlite")
	for name, conn := range map[string]*sql.DB{"queue": db.SQL, "outbox": db.Outbox, "checkpointer": db.checkpointer} {
		var mode int
		if err := conn.QueryRow(`PRAGMA temp_store`).Scan(&mode); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if mode != 2 { // 2 is MEMORY
			t.Errorf("%s connection: temp_store = %d, want 2 (MEMORY)", name, mode)
		}
	}
}
