package jobs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// heldFiles keeps open the files the queue syncs (the SQLite WALs, the
// outbox's database file), so that a sync is a stat and an fdatasync, not
// an open, an fdatasync and a close: the outbox's WAL is synced before
// every acknowledged batch, over a thousand times a second under load,
// and opening and closing it cost about 10 µs a sync on the bench's
// machine, a stat 3 µs (docs/reliability.md, "Sixth pass").
//
// A held file is used only while it is still the file at its path. SQLite
// deletes a WAL when the last connection to its database closes, after
// copying it into the database file and syncing that, and the next
// connection creates a new one; the stat before each sync sees that, and
// the new file is opened. A file missing from its path is an error, as
// it was when the file was opened by name each time.
//
// A sync uses its handle under the read lock; replacing or closing one
// takes the write lock, so no handle is closed while a sync uses it.
type heldFiles struct {
	mu    sync.RWMutex
	files map[string]*heldFile
}

type heldFile struct {
	f    *os.File
	info os.FileInfo
}

// sync puts the file at path's written pages on disk.
func (h *heldFiles) sync(path string) error {
	if path == "" {
		return nil
	}
	// The second and third passes follow an open: the file just opened
	// is the one at the path unless it was replaced again meanwhile,
	// which the stat then sees.
	for range 3 {
		cur, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("sync %s: %w", filepath.Base(path), err)
		}
		h.mu.RLock()
		held := h.files[path]
		if held != nil && os.SameFile(held.info, cur) {
			err := fdatasync(held.f)
			h.mu.RUnlock()
			if err != nil {
				return fmt.Errorf("sync %s: %w", filepath.Base(path), err)
			}
			return nil
		}
		h.mu.RUnlock()
		if err := h.open(path); err != nil {
			return fmt.Errorf("sync %s: %w", filepath.Base(path), err)
		}
	}
	return fmt.Errorf("sync %s: the file was replaced at every attempt", filepath.Base(path))
}

// open holds the file at path, in place of the one held before, which it
// closes.
func (h *heldFiles) open(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.files == nil {
		h.files = map[string]*heldFile{}
	}
	if old := h.files[path]; old != nil {
		old.f.Close()
	}
	h.files[path] = &heldFile{f: f, info: info}
	return nil
}

// close closes every file held.
func (h *heldFiles) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var err error
	for _, held := range h.files {
		err = errors.Join(err, held.f.Close())
	}
	h.files = nil
	return err
}
