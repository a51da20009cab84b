package mode

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/devops-lead/devops-lead/modes"
)

// MaxFiles is the most mode files read from one directory.
const MaxFiles = 100

// Load reads every *.md file directly in dir of fsys (README.md excepted;
// subdirectories are not read) and checks them as one complete set. Each
// mode's Source is path.Join(dir, file name). At most MaxFiles files of at
// most MaxFileSize bytes are read. The error joins *Problem values.
func Load(fsys fs.FS, dir string) (*Registry, error) {
	ms, ps := readDir(fsys, dir, func(name string) string { return path.Join(dir, name) })
	if ps != nil {
		return nil, join(ps)
	}
	if len(ms) == 0 {
		return nil, &Problem{File: dir, Message: "has no mode files (*.md): a set needs a lead and its specialists"}
	}
	return newRegistry(ms, dir)
}

var (
	defaultOnce sync.Once
	defaultReg  *Registry
	defaultErr  error
)

// Default returns the registry of the embedded modes (package modes),
// loaded once. Its Sources are "embedded:<file>". It does not fail for a
// released binary: a test checks the embedded set.
func Default() (*Registry, error) {
	defaultOnce.Do(func() {
		ms, ps := readDir(modes.FS, ".", func(name string) string { return "embedded:" + name })
		if ps != nil {
			defaultErr = join(ps)
			return
		}
		defaultReg, defaultErr = newRegistry(ms, "embedded modes")
	})
	return defaultReg, defaultErr
}

// WithOverrides returns a registry of base plus the mode files in dir of
// fsys (a repository's .github/devops-lead/modes); a file with an existing
// slug replaces that mode. A missing dir (or a nil fsys) returns base
// unchanged. The merged set is checked as a whole, so an override that
// adds a specialist must also override the lead to delegate to it. Errors
// name the repository files (path.Join(dir, file)).
func WithOverrides(base *Registry, fsys fs.FS, dir string) (*Registry, error) {
	if base == nil {
		return nil, &Problem{File: dir, Message: "no base registry to apply the overrides to"}
	}
	if fsys == nil {
		return base, nil
	}
	if _, err := fs.Stat(fsys, dir); errors.Is(err, fs.ErrNotExist) {
		return base, nil
	}
	over, ps := readDir(fsys, dir, func(name string) string { return path.Join(dir, name) })
	if ps != nil {
		return nil, join(ps)
	}
	if len(over) == 0 {
		return base, nil
	}
	replaced := map[string]bool{}
	for _, m := range over {
		replaced[m.Slug] = true
	}
	var merged []*Mode
	for _, m := range base.modes {
		if !replaced[m.Slug] {
			merged = append(merged, m)
		}
	}
	return newRegistry(append(merged, over...), dir)
}

// readDir parses the mode files of dir. It returns problems when the
// directory cannot be read or any file fails to parse; modes that parsed
// with problems are not returned. name turns a file name into a Source.
func readDir(fsys fs.FS, dir string, name func(string) string) ([]*Mode, []*Problem) {
	if fsys == nil {
		return nil, []*Problem{{File: dir, Message: "no file system to read modes from"}}
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, []*Problem{{File: dir, Message: fmt.Sprintf("cannot read the mode directory: %v", err), Err: err}}
	}
	var files []string
	var ps []*Problem
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".md") || strings.EqualFold(n, "README.md") {
			continue
		}
		if !e.Type().IsRegular() {
			ps = append(ps, &Problem{File: name(n), Message: "is not a regular file (a symbolic link?): mode files must be plain files"})
			continue
		}
		files = append(files, n)
	}
	if len(files) > MaxFiles {
		return nil, []*Problem{{File: dir, Message: fmt.Sprintf("has %d mode files; at most %d are read: remove some", len(files), MaxFiles)}}
	}
	var ms []*Mode
	for _, f := range files {
		src := name(f)
		data, err := readCapped(fsys, path.Join(dir, f))
		if err != nil {
			ps = append(ps, &Problem{File: src, Message: err.Error(), Err: err})
			continue
		}
		m, mps := parse(src, data)
		ps = append(ps, mps...)
		if m != nil {
			ms = append(ms, m)
		}
	}
	if len(ps) > 0 {
		// Still run the checks on what parsed, so one run shows every
		// problem, but never return a partial set.
		for _, m := range ms {
			ps = append(ps, checkMode(m)...)
		}
		return nil, ps
	}
	return ms, nil
}

// readCapped reads a file of at most MaxFileSize bytes.
func readCapped(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cannot open the mode file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the mode file: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("is larger than %d bytes (64 KiB): shorten it", MaxFileSize)
	}
	return data, nil
}
