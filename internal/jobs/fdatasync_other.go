//go:build !linux

package jobs

import "os"

// fdatasync flushes a file to disk; fsync where fdatasync is not offered.
func fdatasync(f *os.File) error {
	return f.Sync()
}
