package stack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/devops-lead/devops-lead/internal/workspace"
)

// utf8BOM is stripped from what is read: editors on Windows write it and
// JSON and XML decoders refuse it.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// reader reads files within the byte budget of one Detect call and
// turns every problem with a file into a warning; a read that failed (a
// remote workspace's 5xx or timeout) is recorded in failed instead, never
// taken for absence.
type reader struct {
	fsys     fs.FS
	max      int64 // total budget
	perFile  int64
	used     int64
	warnings []string
	// overBudget names the files skipped once the budget ran out.
	overBudget []string
	cache      map[string][]byte
	// failed is the first read that failed (workspace.Failed): Detect
	// returns it instead of taking the file for absent.
	failed error
}

// fail records a read that failed, unless it is only absence or a
// property of the file (which become warnings or nothing); it reports
// whether it recorded one.
func (r *reader) fail(p string, err error) bool {
	if !workspace.Failed(err) {
		return false
	}
	if r.failed == nil {
		r.failed = &workspace.ReadError{Path: p, Err: err}
	}
	return true
}

func newReader(fsys fs.FS, max, perFile int64) *reader {
	return &reader{fsys: fsys, max: max, perFile: perFile, cache: map[string][]byte{}}
}

// warn records a warning about a file.
func (r *reader) warn(p, format string, args ...any) {
	r.warnings = append(r.warnings, p+": "+fmt.Sprintf(format, args...))
}

// read returns the whole file, or false when it is missing, too large,
// over the budget or unreadable (the last three with a warning).
func (r *reader) read(p string) ([]byte, bool) {
	return r.readN(p, r.perFile, true)
}

// head returns at most n bytes from the start of the file.
func (r *reader) head(p string, n int64) ([]byte, bool) {
	return r.readN(p, n, false)
}

func (r *reader) readN(p string, n int64, whole bool) ([]byte, bool) {
	if data, ok := r.cache[p]; ok {
		if int64(len(data)) > n {
			data = data[:n]
		}
		return data, true
	}
	// Stat before opening: a FIFO or device named like a manifest would
	// block or stream forever.
	if st, err := fs.Stat(r.fsys, p); err == nil && !st.Mode().IsRegular() {
		if !st.IsDir() {
			r.warn(p, "not a regular file (%s); skipped", st.Mode().Type())
		}
		return nil, false
	} else if r.fail(p, err) {
		return nil, false
	}
	f, err := r.fsys.Open(p)
	if err != nil {
		if !r.fail(p, err) && !errors.Is(err, fs.ErrNotExist) {
			r.warn(p, "cannot open: %v", err)
		}
		return nil, false
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, false
		}
		size = st.Size()
	}
	if whole && size > r.perFile {
		r.warn(p, "%d bytes, over the %d byte cap for one manifest; skipped (trim the file or move generated content out of it)", size, r.perFile)
		return nil, false
	}
	want := n
	if size >= 0 && size < want {
		want = size
	}
	if r.used+want > r.max {
		r.overBudget = append(r.overBudget, p)
		return nil, false
	}
	limit := n
	if whole {
		limit = r.perFile + 1 // one more byte tells a file that grew
	}
	if left := r.max - r.used; limit > left {
		limit = left
	}
	data, err := io.ReadAll(io.LimitReader(f, limit))
	r.used += int64(len(data))
	if err != nil {
		if !r.fail(p, err) {
			r.warn(p, "read failed: %v", err)
		}
		return nil, false
	}
	if whole && int64(len(data)) > r.perFile {
		r.warn(p, "over the %d byte cap for one manifest; skipped", r.perFile)
		return nil, false
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if whole || int64(len(data)) < n {
		// The whole file is in hand: later heads can reuse it.
		r.cache[p] = data
	}
	return data, true
}

// budgetWarning summarises the files skipped for the byte budget.
func (r *reader) budgetWarning() string {
	if len(r.overBudget) == 0 {
		return ""
	}
	names := r.overBudget
	more := ""
	if len(names) > 5 {
		more = fmt.Sprintf(" and %d more", len(names)-5)
		names = names[:5]
	}
	return fmt.Sprintf("byte cap of %d bytes reached: %d files not read (%s%s); focus on a subdirectory or raise the cap",
		r.max, len(r.overBudget), strings.Join(names, ", "), more)
}
