package stack

import (
	"errors"
	"io/fs"
)

// Options bound and focus detection.
type Options struct {
	// Dir restricts detection to a subtree (the monorepo case: --repo
	// points at one service); "" or "." means the whole repository.
	Dir string
	// MaxFiles caps the directory entries walked; 0 means the default.
	MaxFiles int
	// MaxBytes caps the manifest bytes read; 0 means the default.
	MaxBytes int64
}

// Detect walks the repository (skipping .git, node_modules, vendor and
// other dependency or build directories) and reads the manifests it needs.
// (Skeleton: the stack work fills this in.)
func Detect(fsys fs.FS, opts Options) (*Repo, error) {
	return nil, errors.New("stack: not built yet")
}
