package lead

import (
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/intent"
)

// namedServices returns the dirs of the services the request names (by
// name or directory base name), sorted; none named means all.
func namedServices(r *intent.Request, dirs map[string][]string) []string {
	var out []string
	for dir, names := range dirs {
		for _, n := range names {
			if n = strings.TrimSpace(intent.Norm(n)); n != "" && r.Has(n) {
				out = append(out, dir)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}
