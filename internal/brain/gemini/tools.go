package gemini

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// Caps on what one tool call returns or visits.
const (
	maxListed     = 300
	maxMatches    = 100
	maxWalked     = 20_000
	maxWriteBytes = 256 << 10
)

// tools runs the agent's tool calls over the workspace with the task's
// ChangeSet laid on top.
type tools struct {
	ws       fs.FS
	cs       *change.ChangeSet
	deps     []*change.ChangeSet
	mode     *mode.Mode
	maxBytes int
}

// errTool is a failure the model sees and may correct.
type errTool struct{ msg string }

func (e errTool) Error() string { return e.msg }

func toolErr(format string, args ...any) error { return errTool{fmt.Sprintf(format, args...)} }

func argString(args map[string]any, k string) string {
	s, _ := args[k].(string)
	return s
}

func argInt(args map[string]any, k string) int {
	switch v := args[k].(type) {
	case float64:
		return int(v)
	case int:
		return v
	case int32:
		return int(v)
	case int64:
		return int(v)
	}
	return 0
}

// read returns a file's current content (pending changes first) or
// fs.ErrNotExist.
func (t *tools) read(p string) ([]byte, error) {
	if f := t.cs.Get(p); f != nil {
		if f.Op == change.Delete {
			return nil, fs.ErrNotExist
		}
		return f.Content, nil
	}
	for i := len(t.deps) - 1; i >= 0; i-- {
		if f := t.deps[i].Get(p); f != nil {
			if f.Op == change.Delete {
				return nil, fs.ErrNotExist
			}
			return f.Content, nil
		}
	}
	return workspace.ReadFile(t.ws, p, 4<<20)
}

func (t *tools) listFiles(glob string) (map[string]any, error) {
	if glob == "" {
		glob = "**"
	}
	if !doublestar.ValidatePattern(glob) {
		return nil, toolErr("glob %q is not valid", glob)
	}
	paths, truncated := t.walk(glob)
	sort.Strings(paths)
	out := map[string]any{"files": paths}
	if truncated || len(paths) > maxListed {
		if len(paths) > maxListed {
			paths = paths[:maxListed]
		}
		out["files"], out["truncated"] = paths, true
	}
	return out, nil
}

// walk lists workspace files matching glob, with pending adds and without
// pending deletes; secret-looking files are listed but never read.
func (t *tools) walk(glob string) ([]string, bool) {
	seen := map[string]bool{}
	var out []string
	n := 0
	truncated := false
	_ = fs.WalkDir(t.ws, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		n++
		if n > maxWalked {
			truncated = true
			return fs.SkipAll
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "vendor", "target", ".venv", "__pycache__":
				if p != "." {
					return fs.SkipDir
				}
			}
			return nil
		}
		if ok, _ := doublestar.Match(glob, p); ok {
			seen[p] = true
			out = append(out, p)
		}
		return nil
	})
	for _, layer := range append(append([]*change.ChangeSet{}, t.deps...), t.cs) {
		if layer == nil {
			continue
		}
		for _, f := range layer.Files {
			ok, _ := doublestar.Match(glob, f.Path)
			switch {
			case f.Op == change.Delete && seen[f.Path]:
				out = removeStr(out, f.Path)
				seen[f.Path] = false
			case f.Op != change.Delete && ok && !seen[f.Path]:
				out = append(out, f.Path)
				seen[f.Path] = true
			}
		}
	}
	return out, truncated
}

func removeStr(s []string, v string) []string {
	out := s[:0]
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func (t *tools) readFile(p string, start, end int) (map[string]any, error) {
	if err := engine.CheckPath(p); err != nil {
		return nil, toolErr("%v", err)
	}
	if secretLooking(p) {
		return nil, toolErr("%s looks like it holds secrets; it is never read", p)
	}
	data, err := t.read(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, toolErr("%s does not exist; use list_files to see what does", p)
	}
	if err != nil {
		return nil, toolErr("read %s: %v", p, err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if start <= 0 {
		start = 1
	}
	if end <= 0 || end > len(lines) {
		end = len(lines)
	}
	if start > end {
		return nil, toolErr("%s has %d lines; start %d is past the end", p, len(lines), start)
	}
	text := strings.Join(lines[start-1:end], "")
	out := map[string]any{"path": p, "start": start, "end": end, "total_lines": len(lines)}
	if len(text) > t.maxBytes {
		text = text[:t.maxBytes]
		out["truncated"] = fmt.Sprintf("only the first %d bytes; read further with start/end", t.maxBytes)
	}
	out["content"] = fence("file "+p, redact(text))
	return out, nil
}

func (t *tools) search(expr, glob string) (map[string]any, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, toolErr("regex %q: %v", expr, err)
	}
	if glob == "" {
		glob = "**"
	}
	if !doublestar.ValidatePattern(glob) {
		return nil, toolErr("glob %q is not valid", glob)
	}
	paths, _ := t.walk(glob)
	sort.Strings(paths)
	var hits []string
	for _, p := range paths {
		if secretLooking(p) {
			continue
		}
		data, err := t.read(p)
		if err != nil || len(data) > 1<<20 {
			continue
		}
		for i, line := range strings.Split(string(data), "\n") {
			if re.MatchString(line) {
				if len(line) > 200 {
					line = line[:200]
				}
				hits = append(hits, fmt.Sprintf("%s:%d: %s", p, i+1, redact(line)))
				if len(hits) >= maxMatches {
					return map[string]any{"matches": fence("search results", strings.Join(hits, "\n")), "truncated": true}, nil
				}
			}
		}
	}
	return map[string]any{"matches": fence("search results", strings.Join(hits, "\n")), "count": len(hits)}, nil
}

func (t *tools) mayWrite(p string) error {
	if err := engine.CheckPath(p); err != nil {
		return toolErr("%v", err)
	}
	if !t.mode.MayWrite(p) {
		return toolErr("refused: %s may not write %s; its writes globs are %s", t.mode.Slug, p, strings.Join(t.mode.Writes, ", "))
	}
	return nil
}

func (t *tools) writeFile(p, content, reason string) (map[string]any, error) {
	if err := t.mayWrite(p); err != nil {
		return nil, err
	}
	if len(content) > maxWriteBytes {
		return nil, toolErr("%s: %d bytes is over the %d byte cap for one file", p, len(content), maxWriteBytes)
	}
	old, err := workspace.ReadFile(t.ws, p, 0)
	if err != nil {
		old = nil
	}
	t.cs.Put(p, []byte(content), old, strings.TrimSpace(reason))
	return map[string]any{"ok": true, "path": p, "bytes": len(content)}, nil
}

func (t *tools) deleteFile(p string) (map[string]any, error) {
	if err := t.mayWrite(p); err != nil {
		return nil, err
	}
	if f := t.cs.Get(p); f != nil && f.Op != change.Delete && f.Old == nil {
		t.cs.Files = removeFile(t.cs.Files, p) // drop a pending add
		return map[string]any{"ok": true, "path": p}, nil
	}
	old, err := workspace.ReadFile(t.ws, p, 0)
	if err != nil {
		return nil, toolErr("%s does not exist", p)
	}
	t.cs.Remove(p, old, "")
	return map[string]any{"ok": true, "path": p}, nil
}

func removeFile(fs []*change.File, p string) []*change.File {
	var out []*change.File
	for _, f := range fs {
		if f.Path != p {
			out = append(out, f)
		}
	}
	return out
}
