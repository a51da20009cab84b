// Package command parses `/devops …` comment commands the way Atlantis
// parses its own: the first line of the comment must start with the
// command word, the subcommand is the first token (case-insensitive), a
// near miss gets a "did you mean", unknown flags are refused, and every
// error carries the usage text to show the commenter.
package command

import (
	"fmt"
	"strings"

	"github.com/devops-lead/devops-lead/internal/suggest"
)

// Prefix is what starts a command comment.
const Prefix = "/devops"

// Name is a subcommand.
type Name string

// The subcommands.
const (
	Plan   Name = "plan"
	Apply  Name = "apply"
	Status Name = "status"
	Retry  Name = "retry"
	Cancel Name = "cancel"
	Help   Name = "help"
	// Revise works on a devops-lead pull request: the task revises it.
	Revise Name = "revise"
)

var names = []Name{Plan, Apply, Status, Retry, Cancel, Help, Revise}

// Usage is the help text shown with errors and for /devops help.
const Usage = "Usage: `/devops <command>`\n\n" +
	"| command | what it does |\n|---|---|\n" +
	"| `/devops plan [instructions]` | plan (or re-plan) this issue and update the plan comment; opens nothing |\n" +
	"| `/devops apply` | carry out the current plan: sub-issues and one pull request per task |\n" +
	"| `/devops status` | show the state of every task |\n" +
	"| `/devops retry [task]` | run failed tasks again (or one task by id) |\n" +
	"| `/devops cancel` | stop queued work for this issue |\n" +
	"| `/devops revise <what to change>` | on a devops-lead pull request: revise it (a review that requests changes does the same) |\n" +
	"| `/devops help` | show this help |\n"

// Command is a parsed command.
type Command struct {
	Name Name
	// Instructions is the free text after `/devops plan` or `/devops
	// revise`, with the rest of the comment (untrusted: data for the lead,
	// never a command).
	Instructions string
	// Task is the task id given to retry ("" means every failed task).
	Task string
}

// Error is a command that could not be parsed; Error() is the message for
// the commenter and Usage the help to show with it.
type Error struct {
	Msg   string
	Usage string
}

func (e *Error) Error() string { return e.Msg }

// Parse reads a comment body. It returns nil, nil when the comment is not
// a command (its first non-empty line does not start with /devops).
func Parse(body string) (*Command, error) {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	first, rest := firstLine(body)
	fields := strings.Fields(first)
	if len(fields) == 0 || !strings.EqualFold(fields[0], Prefix) {
		return nil, nil
	}
	if len(fields) == 1 {
		return nil, &Error{Msg: "`/devops` needs a command.", Usage: Usage}
	}
	word := strings.ToLower(fields[1])
	args := fields[2:]
	var name Name
	for _, n := range names {
		if word == string(n) {
			name = n
		}
	}
	if name == "" {
		msg := fmt.Sprintf("`%s` is not a devops-lead command.", fields[1])
		if s := nearest(word); s != "" {
			msg += fmt.Sprintf(" Did you mean `/devops %s`?", s)
		}
		return nil, &Error{Msg: msg, Usage: Usage}
	}
	if flag := firstFlag(args); flag != "" {
		return nil, &Error{Msg: fmt.Sprintf("unknown flag `%s` for `/devops %s`: it takes no flags.", flag, name), Usage: Usage}
	}
	c := &Command{Name: name}
	switch name {
	case Plan, Revise:
		c.Instructions = strings.TrimSpace(strings.Join(args, " ") + "\n" + rest)
	case Retry:
		if len(args) > 1 {
			return nil, &Error{Msg: "`/devops retry` takes at most one task id.", Usage: Usage}
		}
		if len(args) == 1 {
			c.Task = args[0]
		}
	default:
		if len(args) > 0 {
			return nil, &Error{Msg: fmt.Sprintf("`/devops %s` takes no arguments (got `%s`).", name, strings.Join(args, " ")), Usage: Usage}
		}
	}
	return c, nil
}

func firstLine(body string) (string, string) {
	for {
		line, rest, found := strings.Cut(body, "\n")
		if strings.TrimSpace(line) != "" || !found {
			return strings.TrimSpace(line), rest
		}
		body = rest
	}
}

// firstFlag returns the first argument that looks like a flag, up to a
// "--" separator.
func firstFlag(args []string) string {
	for _, a := range args {
		if a == "--" {
			return ""
		}
		if len(a) > 1 && a[0] == '-' && (a[1] == '-' || a[1] >= 'a' && a[1] <= 'z' || a[1] >= 'A' && a[1] <= 'Z') {
			return a
		}
	}
	return ""
}

func nearest(word string) string {
	var all []string
	for _, n := range names {
		all = append(all, string(n))
	}
	return suggest.Nearest(word, all, 2)
}
