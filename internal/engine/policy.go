package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/aymanbagabas/go-udiff"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/validate"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// The rule ids of the change policy's findings. Each is an error: the
// repair loop hands it back to the brain, and nothing is published while
// one remains.
const (
	// RulePolicyDelete: a file the repository has is deleted (a rename is
	// a delete and an add).
	RulePolicyDelete = "policy-delete"
	// RulePolicyScope: an existing file is modified by a task whose plan
	// does not name it in Task.Files.
	RulePolicyScope = "policy-scope"
	// RulePolicyRewrite: an existing file is rewritten rather than
	// patched (see MaxRewritten).
	RulePolicyRewrite = "policy-rewrite"
	// RulePolicyReason: an existing file is modified without a note that
	// says why.
	RulePolicyReason = "policy-reason"
)

// workflowDir is where GitHub Actions workflows live; an existing one is
// only ever changed by a task that names it exactly.
const workflowDir = ".github/workflows/"

// CheckPolicy checks a task's ChangeSet against the change policy, which
// holds for every brain:
//
//   - a file the repository has (in ws) is never deleted or renamed;
//   - a task may add new files anywhere its mode may write, but it may
//     modify an existing file only when its plan names that path in
//     Task.Files (see Declares); an existing workflow must be named
//     exactly, never through a directory entry, so a deploy or
//     infrastructure task cannot change the repository's CI;
//   - every modification of an existing file carries its reason
//     (change.File.Note) and is a minimal diff (see MaxRewritten).
//
// own is the task's earlier output when it revises its own pull request
// (ReviseTask's current files, nil otherwise): the files it modified there
// were accepted then and are the task's own, not a person's, so the scope,
// reason and rewrite rules do not apply to them again. Deleting a file the
// repository has is refused even then.
//
// The files' operations are read from ws, not trusted from the ChangeSet,
// so the check holds for a ChangeSet that was not normalised.
func CheckPolicy(ws fs.FS, t Task, own, cs *change.ChangeSet) []validate.Finding {
	if cs == nil || ws == nil {
		return nil
	}
	var out []validate.Finding
	refuse := func(p, rule, format string, args ...any) {
		out = append(out, validate.Finding{Path: p, Rule: rule, Severity: validate.Error, Message: fmt.Sprintf(format, args...)})
	}
	for _, f := range cs.Files {
		if CheckPath(f.Path) != nil {
			continue // Normalise refuses it with a clearer message
		}
		old, err := workspace.ReadFile(ws, f.Path, 0)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // a new file (or a delete of nothing): always allowed
		case err != nil && errors.Is(err, workspace.ErrTooLarge):
			old = nil // it exists but is too large to compare
		case err != nil:
			continue // a directory or an unreadable path: the gate and Normalise report it
		}
		if f.Op == change.Delete {
			refuse(f.Path, RulePolicyDelete, "%s exists in the repository, and the change policy never deletes or renames a file the repository has; "+
				"leave it in place (write the new file beside it, and say in a note what a person may want to do with the old one)", f.Path)
			continue
		}
		if old != nil && string(old) == string(f.Content) {
			continue // unchanged
		}
		if ownFile(own, f.Path) {
			continue
		}
		if !Declares(t, f.Path) {
			what := "a task modifies only the existing files its plan names in its files"
			if strings.HasPrefix(f.Path, workflowDir) {
				what = "an existing workflow is changed only by a task whose plan names that workflow exactly (a deploy or infrastructure task never changes CI)"
			}
			refuse(f.Path, RulePolicyScope, "%s exists, and task %q does not name it (its files: %s): %s; write a new file instead, or leave this one alone",
				f.Path, t.ID, filesList(t.Files), what)
			continue
		}
		if strings.TrimSpace(f.Note) == "" {
			refuse(f.Path, RulePolicyReason, "%s exists and is modified with no reason: every change to a file people wrote says why in its note (shown in the pull request)", f.Path)
		}
		if old == nil {
			refuse(f.Path, RulePolicyRewrite, "%s is too large to compare, so a change to it cannot be shown to be minimal; leave it alone", f.Path)
			continue
		}
		if changed, total := Rewritten(old, f.Content); changed > MaxRewritten(total) {
			refuse(f.Path, RulePolicyRewrite, "the change removes or rewrites %d of the %d non-blank lines of %s (at most %d may change): "+
				"patch the lines that need it and keep the rest as its authors wrote it, or leave the file alone and say what to fix in a note",
				changed, total, f.Path, MaxRewritten(total))
		}
	}
	return out
}

// ownFile reports whether the task's own earlier output writes p.
func ownFile(own *change.ChangeSet, p string) bool {
	if own == nil {
		return false
	}
	f := own.Get(p)
	return f != nil && f.Op != change.Delete
}

// Declares reports whether the task's plan names path p in Task.Files.
// An entry names p when it is p itself (after path.Clean), a directory
// that holds p ("k8s/" or "k8s/**" for k8s/base/app.yaml), or a glob that
// matches p (path.Match: "k8s/*.yaml"). A workflow under
// .github/workflows/ is named only by its exact path, so a task that
// declares a directory never reaches the repository's CI through it. An
// entry "." names nothing.
func Declares(t Task, p string) bool {
	for _, e := range t.Files {
		e = strings.TrimSpace(e)
		dir := strings.HasSuffix(e, "/") || strings.HasSuffix(e, "/**")
		e = path.Clean(strings.TrimSuffix(strings.TrimSuffix(e, "**"), "/"))
		switch {
		case e == "." || e == "" || e == "/":
			continue
		case !dir && e == p:
			return true
		case strings.HasPrefix(p, workflowDir):
			continue // exact names only
		case dir:
			if strings.HasPrefix(p, e+"/") {
				return true
			}
		case strings.ContainsAny(e, "*?["):
			if ok, err := path.Match(e, p); err == nil && ok {
				return true
			}
		}
	}
	return false
}

func filesList(files []string) string {
	if len(files) == 0 {
		return "none"
	}
	return strings.Join(files, ", ")
}

// MaxRewritten is how many of a file's total non-blank lines a patch may
// remove or change: a quarter of them, and never fewer than 3, so a short
// file can still get a line pinned and a line or two fixed. 3 of 8 lines,
// 5 of 20, 25 of 100. More than that is a rewrite, which the change policy
// refuses for a file people wrote: the patch must keep what they wrote.
// Added lines are not counted; a changed line counts once (as removed).
func MaxRewritten(total int) int {
	if q := total / 4; q > 3 {
		return q
	}
	return 3
}

// Rewritten compares a file's old and new content line by line and
// returns how many of the old non-blank lines are removed or changed, and
// how many non-blank lines the old content has. Blank lines are not
// counted either way.
func Rewritten(old, new []byte) (changed, total int) {
	for _, l := range strings.Split(string(old), "\n") {
		if strings.TrimSpace(l) != "" {
			total++
		}
	}
	d := udiff.Unified("a", "b", string(old), string(new))
	inHunk := false
	for _, l := range strings.Split(d, "\n") {
		switch {
		case strings.HasPrefix(l, "@@"):
			inHunk = true
		case inHunk && strings.HasPrefix(l, "-") && strings.TrimSpace(l[1:]) != "":
			changed++
		}
	}
	return changed, total
}

// Minimal reports, for a brain that patches a person's file, whether the
// patch is small enough for the change policy (see MaxRewritten); the
// error says by how much it is not.
func Minimal(old, new []byte) error {
	if changed, total := Rewritten(old, new); changed > MaxRewritten(total) {
		return fmt.Errorf("the patch changes %d of %d non-blank lines, over the %d the change policy allows", changed, total, MaxRewritten(total))
	}
	return nil
}
