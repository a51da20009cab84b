package mode

import (
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// checkGlob says what is wrong with a writes pattern, or "" when it is a
// valid doublestar pattern relative to the repository root.
func checkGlob(pat string) string {
	switch {
	case strings.TrimSpace(pat) == "":
		return "is empty: remove it or write a path glob such as \"k8s/**\""
	case strings.HasPrefix(pat, "/"):
		return "is absolute: write it relative to the repository root, without the leading \"/\""
	case len(pat) >= 2 && pat[1] == ':' && isLetter(pat[0]):
		return "is an absolute Windows path: write it relative to the repository root"
	case strings.Contains(pat, `\`):
		return "contains a backslash: separate directories with \"/\""
	}
	for _, seg := range strings.Split(pat, "/") {
		switch seg {
		case "..":
			return "contains \"..\": a mode may only write inside the repository"
		case ".", "":
			return "is not a clean path: remove empty and \".\" segments (\"a//b\", \"./a\")"
		}
	}
	if !doublestar.ValidatePattern(pat) {
		return "is not a valid glob: check its [brackets] and {braces} (doublestar syntax)"
	}
	return ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
