package kit

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/devops-lead/devops-lead/internal/workspace"
)

// RelDir returns the build context of a service dir seen from the
// Compose file's dir, in ./ form.
func RelDir(from, to string) string {
	split := func(p string) []string {
		if p == "." || p == "" {
			return nil
		}
		return strings.Split(p, "/")
	}
	f, t := split(from), split(to)
	n := 0
	for n < len(f) && n < len(t) && f[n] == t[n] {
		n++
	}
	var parts []string
	for range f[n:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[n:]...)
	if len(parts) == 0 {
		return "."
	}
	rel := path.Join(parts...)
	if !strings.HasPrefix(rel, "..") {
		rel = "./" + rel
	}
	return rel
}

// ReadOptional reads a workspace file, returning nil for a missing one.
func ReadOptional(ws fs.FS, p string) ([]byte, error) {
	if ws == nil {
		return nil, nil
	}
	b, err := workspace.ReadFile(ws, p, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}

// Exists reports whether the workspace has the file.
func Exists(ws fs.FS, p string) bool { return ws != nil && workspace.Exists(ws, p) }

// JoinPath joins a service dir and a file name as a clean slash path.
func JoinPath(dir, name string) string {
	if dir == "" || dir == "." {
		return name
	}
	return path.Join(dir, name)
}

// DirLabel names a directory for people.
func DirLabel(dir string) string {
	if dir == "" || dir == "." {
		return "the repository root"
	}
	return dir
}

// SafePath reports whether p holds only path characters that need no
// quoting in a Dockerfile or shell line.
func SafePath(p string) bool {
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("./_-@+", r)) {
			return false
		}
	}
	return true
}

// LastElem returns the last element of a slash path ("" for ".").
func LastElem(dir string) string {
	if dir == "" || dir == "." {
		return ""
	}
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		return dir[i+1:]
	}
	return dir
}

// OtherDockerfileDirs are the folders beside a unit where repositories
// keep the unit's Dockerfile.
var OtherDockerfileDirs = []string{"docker", "build", "deploy", ".docker", "build/docker", "build/package"}
