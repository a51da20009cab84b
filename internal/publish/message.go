package publish

import (
	"fmt"
	"strings"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// TaskTrailer is the commit trailer that marks a commit as made by
// devops-lead for one task ("Devops-Lead-Task: ci"). Git refuses to move a
// branch whose commits do not carry it.
const TaskTrailer = "Devops-Lead-Task"

// commitMessage is the message of a task's commit: the task title, the
// goal, the files, the request it was planned for and the trailer. Titles
// and goals are untrusted text: they are kept on their own lines and can
// never add a trailer, since the trailer paragraph is written last here.
func commitMessage(issue engine.Issue, t engine.Task, cs *change.ChangeSet) string {
	var b strings.Builder
	title := oneLine(t.Title)
	if title == "" {
		title = "devops-lead: " + t.Mode
	}
	b.WriteString(title + "\n\n")
	if goal := clean(t.Goal); goal != "" {
		b.WriteString(goal + "\n\n")
	}
	b.WriteString("Files:\n")
	for _, f := range cs.Files {
		fmt.Fprintf(&b, "- %s (%s)\n", f.Path, opWord(f.Op))
	}
	issueTitle := oneLine(issue.Title)
	if issue.Number > 0 {
		issueTitle = fmt.Sprintf("%s (#%d)", issueTitle, issue.Number)
	}
	fmt.Fprintf(&b, "\nPlanned by devops-lead for: %s\n\n", issueTitle)
	fmt.Fprintf(&b, "%s: %s\n", TaskTrailer, oneLine(t.ID))
	return b.String()
}

func opWord(op change.Op) string {
	switch op {
	case change.Add:
		return "added"
	case change.Delete:
		return "deleted"
	default:
		return "changed"
	}
}

// oneLine collapses whitespace (newlines included) into single spaces and
// drops control characters.
func oneLine(s string) string {
	return strings.Join(strings.Fields(clean(s)), " ")
}

// clean drops control characters other than newline and tab, and trims.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// taskTrailer returns the value of the TaskTrailer in a commit message's
// last paragraph, and whether there is one.
func taskTrailer(msg string) (string, bool) {
	msg = strings.TrimRight(msg, "\n ")
	last := msg
	if i := strings.LastIndex(msg, "\n\n"); i >= 0 {
		last = msg[i+2:]
	}
	for _, l := range strings.Split(last, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), TaskTrailer) {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}
