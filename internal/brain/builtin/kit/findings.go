package kit

import (
	"fmt"
	"strings"

	"github.com/devops-lead/devops-lead/internal/validate"
)

// DescribeFindings summarises up to three findings for a note.
func DescribeFindings(fs []validate.Finding) string {
	var parts []string
	for i, f := range fs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(fs)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("line %d: [%s] %s", f.Line, f.Rule, f.Message))
	}
	return fmt.Sprintf("%d error(s): %s", len(fs), strings.Join(parts, "; "))
}
