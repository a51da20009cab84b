// Package suggest finds the known word nearest to a mistyped one, for the
// "did you mean" hints of commands, mode keys and slugs.
package suggest

import "strings"

// Nearest returns the candidate closest to s by edit distance (case
// folded) when it is at most maxD edits away, else a candidate that s is a
// prefix of, else "".
func Nearest(s string, candidates []string, maxD int) string {
	best, bestD := "", maxD+1
	low := strings.ToLower(s)
	for _, c := range candidates {
		if d := Distance(low, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" && s != "" {
		for _, c := range candidates {
			if strings.HasPrefix(strings.ToLower(c), low) {
				return c
			}
		}
	}
	return best
}

// Distance is the Levenshtein edit distance between a and b (bytes).
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
