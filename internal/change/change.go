// Package change holds the ChangeSet: the files a task adds, changes or
// deletes, and their rendering as a unified diff for people.
package change

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/aymanbagabas/go-udiff"
)

// Op is what a change does to one file.
type Op string

// The operations a ChangeSet may hold.
const (
	Add    Op = "add"
	Modify Op = "modify"
	Delete Op = "delete"
)

// File is one file in a ChangeSet. Path is slash-separated and relative to
// the repository root. Old is the content before the change (nil for Add);
// Content is the content after it (nil for Delete).
type File struct {
	Path    string `json:"path"`
	Op      Op     `json:"op"`
	Content []byte `json:"-"`
	Old     []byte `json:"-"`
	// Note says why the file looks as it does (for example why an existing
	// file was replaced); it is shown to people, never written to disk.
	Note string `json:"note,omitempty"`
}

// ChangeSet is the set of file changes one task produces.
type ChangeSet struct {
	TaskID string  `json:"task_id"`
	Mode   string  `json:"mode"`
	Files  []*File `json:"files"`
	// Usage is what producing the ChangeSet cost a model-backed brain;
	// nil for brains that call no model.
	Usage *Usage `json:"usage,omitempty"`
	// Notes are what the brain tells people about the whole change, such
	// as the review instructions it acted on and those it did not.
	Notes []string `json:"notes,omitempty"`
}

// Usage counts a model-backed brain's work on one plan or task: model
// turns (generateContent calls) and the tokens the server reported.
type Usage struct {
	Turns        int    `json:"turns"`
	InputTokens  int64  `json:"input_tokens"`
	OutputTokens int64  `json:"output_tokens"`
	Model        string `json:"model,omitempty"`
}

// New returns an empty ChangeSet owned by the task.
func New(taskID, mode string) *ChangeSet {
	return &ChangeSet{TaskID: taskID, Mode: mode}
}

// Get returns the file at path, or nil.
func (c *ChangeSet) Get(path string) *File {
	for _, f := range c.Files {
		if f.Path == path {
			return f
		}
	}
	return nil
}

// Put records new content for path. old is the current content in the
// workspace, or nil when the file does not exist yet. Putting content equal
// to old records nothing. A second Put for the same path replaces the first.
func (c *ChangeSet) Put(path string, content, old []byte, note string) {
	op := Add
	if old != nil {
		op = Modify
		if bytes.Equal(old, content) {
			c.remove(path)
			return
		}
	}
	if f := c.Get(path); f != nil {
		f.Content, f.Op, f.Note = content, op, note
		if f.Old == nil {
			f.Old = old
		}
		return
	}
	c.Files = append(c.Files, &File{Path: path, Op: op, Content: content, Old: old, Note: note})
	c.sort()
}

// Remove records the deletion of path, whose current content is old.
func (c *ChangeSet) Remove(path string, old []byte, note string) {
	c.remove(path)
	c.Files = append(c.Files, &File{Path: path, Op: Delete, Old: old, Note: note})
	c.sort()
}

func (c *ChangeSet) remove(path string) {
	out := c.Files[:0]
	for _, f := range c.Files {
		if f.Path != path {
			out = append(out, f)
		}
	}
	c.Files = out
}

func (c *ChangeSet) sort() {
	sort.Slice(c.Files, func(i, j int) bool { return c.Files[i].Path < c.Files[j].Path })
}

// Empty reports whether the ChangeSet changes nothing.
func (c *ChangeSet) Empty() bool { return c == nil || len(c.Files) == 0 }

// Paths returns the paths the ChangeSet touches, sorted.
func (c *ChangeSet) Paths() []string {
	out := make([]string, 0, len(c.Files))
	for _, f := range c.Files {
		out = append(out, f.Path)
	}
	return out
}

// Stat returns lines added and removed for one file.
func (f *File) Stat() (added, removed int) {
	for _, l := range strings.Split(f.Diff(), "\n") {
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
		case strings.HasPrefix(l, "+"):
			added++
		case strings.HasPrefix(l, "-"):
			removed++
		}
	}
	return added, removed
}

// Diff renders one file's change as a unified diff (git style paths).
func (f *File) Diff() string {
	from, to := "a/"+f.Path, "b/"+f.Path
	switch f.Op {
	case Add:
		from = "/dev/null"
	case Delete:
		to = "/dev/null"
	}
	d := udiff.Unified(from, to, string(f.Old), string(f.Content))
	if d == "" {
		return ""
	}
	return d
}

// Diff renders the whole ChangeSet as one unified diff.
func (c *ChangeSet) Diff() string {
	var b strings.Builder
	for _, f := range c.Files {
		fmt.Fprintf(&b, "diff --git a/%s b/%s\n", f.Path, f.Path)
		b.WriteString(f.Diff())
	}
	return b.String()
}
