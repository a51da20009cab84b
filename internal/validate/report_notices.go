package validate

import (
	"fmt"
	"io"
)

// NoticeNoShellcheck is the notice a report carries when shellcheck is
// not on the PATH.
const NoticeNoShellcheck = "shellcheck is not on the PATH: workflow run: scripts and Dockerfile RUN lines were not checked with it (install shellcheck to check them)"

// sarifInvocation is a SARIF invocation carrying notices as tool execution
// notifications.
type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

// sarifInvocations returns the invocation that carries the notices, or
// none when there are none.
func sarifInvocations(notices []string) []sarifInvocation {
	if len(notices) == 0 {
		return nil
	}
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, n := range notices {
		inv.Notifications = append(inv.Notifications, sarifNotification{Level: "note", Message: sarifText{Text: n}})
	}
	return []sarifInvocation{inv}
}

// WriteTextNotices is WriteText followed by one "note: ..." line per
// notice.
func WriteTextNotices(w io.Writer, fs []Finding, notices []string) error {
	if err := WriteText(w, fs); err != nil {
		return err
	}
	for _, n := range notices {
		if _, err := fmt.Fprintf(w, "note: %s\n", oneLine(n)); err != nil {
			return fmt.Errorf("write text report: %w", err)
		}
	}
	return nil
}

// WriteJSONNotices is WriteJSON with the notices in its "notices" field.
func WriteJSONNotices(w io.Writer, fs []Finding, notices []string) error {
	r := JSONReport{Findings: fs, Summary: Summarize(fs), Notices: notices}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return writeIndented(w, r, "JSON report")
}
