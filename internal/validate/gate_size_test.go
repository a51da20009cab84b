package validate

import (
	"strings"
	"testing"
	"time"
)

func TestGateRefusesFilesOverTheLimit(t *testing.T) {
	big := "on: push\n" + strings.Repeat("#", MaxFileSize)
	fs := CheckFile(".github/workflows/big.yml", []byte(big), Options{})
	if len(fs) != 1 || fs[0].Rule != "file-size" || fs[0].Severity != Error {
		t.Fatalf("findings = %v, want one file-size error", fs)
	}
	if fs := CheckFile("notes.txt", []byte("small"), Options{}); len(fs) != 0 {
		t.Fatalf("small file: %v", fs)
	}
}

// TestTimeLimit: checks that take longer than the limit give a
// check-time-limit finding instead of a wait.
func TestTimeLimit(t *testing.T) {
	const slow Kind = "test-slow"
	release := make(chan struct{})
	defer close(release)
	registerChecker(slow, func(p string, _ []byte) []Finding {
		<-release
		return []Finding{ruleInternal.at(p, 1, 1, "late")}
	})
	start := time.Now()
	fs := checkFileKind("rules.yml", []byte("x: 1\n"), slow, Options{TimeLimit: 50 * time.Millisecond})
	if time.Since(start) > 5*time.Second {
		t.Fatalf("the limit was not kept")
	}
	if len(fs) != 1 || fs[0].Rule != ruleTimeLimit.ID || !strings.Contains(fs[0].Message, "took longer than 50ms") {
		t.Fatalf("want one check-time-limit finding, got %v", fs)
	}
	if fs := checkFileKind("a.yml", []byte("x: 1\n"), KindYAML, Options{TimeLimit: 10 * time.Second}); len(fs) != 0 {
		t.Errorf("a fast file is checked as before: %v", fs)
	}
}
