package validate

import (
	"bytes"
	"strings"

	"github.com/moby/patternmatcher"
)

// The .dockerignore rules.
var (
	ruleDockerignoreParse = register(Rule{
		ID: "dockerignore-parse", Kind: KindDockerignore, Severity: Error,
		Summary: "every .dockerignore pattern must be valid for Docker's pattern matcher",
		Help:    "fix the pattern: Go filepath.Match syntax plus **, with an optional leading !",
	})
	ruleDockerignoreMissing = register(Rule{
		ID: "dockerignore-missing-exclusion", Kind: KindDockerignore, Severity: Warning,
		Summary: ".dockerignore should keep .git, .env files and (for Node) node_modules out of the build context",
		Help:    "add the missing lines; they keep secrets and history out of image layers and make builds faster",
	})
)

func init() { registerChecker(KindDockerignore, checkDockerignore) }

// dockerignoreRequired are the paths every build context should exclude.
var dockerignoreRequired = []struct{ path, why string }{
	{".git", "the repository history"},
	{".env", "local secrets"},
}

// nodeHints in a .dockerignore mean the context is a Node project.
var nodeHints = []string{"npm", "yarn", "pnpm", ".next", "node_modules"}

// checkDockerignore validates each pattern the way Docker reads the file
// (moby/patternmatcher/ignorefile) and warns when the usual exclusions are
// missing. Node is assumed when a pattern mentions npm, yarn, pnpm or .next.
func checkDockerignore(path string, content []byte) []Finding {
	var out []Finding
	var valid []string
	node := false
	content = bytes.TrimPrefix(content, []byte{0xEF, 0xBB, 0xBF})
	for i, raw := range strings.Split(string(content), "\n") {
		line := strings.TrimSuffix(raw, "\r")
		if strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.TrimSpace(line)
		if p == "" {
			continue
		}
		if _, err := patternmatcher.New([]string{normalizeIgnore(p)}); err != nil {
			out = append(out, ruleDockerignoreParse.at(path, i+1, 1,
				"pattern %q is invalid (%v); fix or remove the line", p, err))
			continue
		}
		valid = append(valid, normalizeIgnore(p))
		for _, h := range nodeHints {
			if strings.Contains(p, h) {
				node = true
			}
		}
	}
	pm, err := patternmatcher.New(valid)
	if err != nil {
		return append(out, ruleDockerignoreParse.at(path, 0, 0, "the patterns do not compile together: %v", err))
	}
	required := dockerignoreRequired
	if node {
		required = append(required, struct{ path, why string }{"node_modules", "host-built Node modules"})
	}
	for _, r := range required {
		if r.path == ".git" && subdirIgnoreFile(path) {
			// A .dockerignore below the repository root applies to a
			// context that is that directory, which holds no .git (the
			// history lives at the root); only a <Dockerfile>.dockerignore
			// also applies to a context at the root.
			continue
		}
		if ok, err := pm.MatchesOrParentMatches(r.path); err == nil && !ok {
			out = append(out, ruleDockerignoreMissing.at(path, 0, 0,
				"%s is not excluded, so %s would be sent with the build context; add a line %s", r.path, r.why, r.path))
		} else if err != nil {
			out = append(out, ruleDockerignoreParse.at(path, 0, 0, "a pattern failed while matching %s: %v", r.path, err))
		}
	}
	return out
}

// normalizeIgnore cleans a pattern as ignorefile.ReadAll does: a leading
// slash is dropped and ! is kept.
func normalizeIgnore(p string) string {
	invert := strings.HasPrefix(p, "!")
	if invert {
		p = strings.TrimSpace(p[1:])
	}
	if len(p) > 1 && p[0] == '/' {
		p = p[1:]
	}
	if invert {
		return "!" + p
	}
	return p
}
