package kit

import (
	"regexp"
	"strings"
)

// K8sName turns a service name into a DNS-1123 label (lowercase letters,
// digits and dashes, at most 63 characters), "app" when nothing is left.
func K8sName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	n := b.String()
	for strings.Contains(n, "--") {
		n = strings.ReplaceAll(n, "--", "-")
	}
	if len(n) > 50 { // room for suffixes such as -tls
		n = n[:50]
	}
	n = strings.Trim(n, "-")
	if n == "" || n[0] >= '0' && n[0] <= '9' {
		n = strings.TrimSuffix("app-"+n, "-")
	}
	return n
}

var githubIssueURLRE = regexp.MustCompile(`^https://github\.com/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})/(?:issues|pull)/[0-9]+$`)

// GitHubRepoOf returns the lowercase owner and repository of a GitHub
// issue or pull request URL, as GHCR names images; ok is false for any
// other text.
func GitHubRepoOf(url string) (owner, repo string, ok bool) {
	m := githubIssueURLRE.FindStringSubmatch(url)
	if m == nil || m[2] == "." || m[2] == ".." {
		return "", "", false
	}
	return strings.ToLower(m[1]), strings.ToLower(m[2]), true
}
