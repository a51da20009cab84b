package kittest

import (
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// GateWithRepo runs the gate with the repository at hand (the build
// context rules) on every file of the change set, seen in place of the
// workspace's, and fails on errors.
func GateWithRepo(t *testing.T, cs *change.ChangeSet, fsys fstest.MapFS) {
	t.Helper()
	var files []validate.File
	for _, f := range cs.Files {
		files = append(files, validate.File{Path: f.Path, Content: f.Content})
	}
	for _, fd := range validate.Errors(validate.Check(files, validate.Options{Workspace: fsys})) {
		t.Errorf("gate error with the repository: %s", fd)
	}
}
