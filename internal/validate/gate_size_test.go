package validate

import (
	"strings"
	"testing"
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
