package kubernetes

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// Limits of the health endpoint search: the source files read and the
// bytes read from each.
const (
	k8sHealthMaxFiles = 400
	k8sHealthMaxBytes = 256 << 10
)

// k8sHealthPaths are the endpoints looked for, best first.
var k8sHealthPaths = []string{"/healthz", "/health"}

// k8sSourceExt are the source files searched for a health endpoint.
var k8sSourceExt = map[string]bool{".go": true, ".js": true, ".mjs": true, ".cjs": true, ".ts": true, ".py": true,
	".rs": true, ".java": true, ".kt": true}

// k8sSkipDirs are not searched: dependencies, build output and tests.
var k8sSkipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true, "dist": true, "build": true,
	"target": true, ".venv": true, "venv": true, "__pycache__": true, "test": true, "tests": true, "testdata": true}

var errHealthDone = errors.New("done")

// ServiceHealthPath is the service's health endpoint: the one the
// repository model found (Service.HealthPath, which also knows Spring's
// actuator under its context path), else the bounded search below. It
// returns the path and what states it.
func ServiceHealthPath(ws fs.FS, s *stack.Service, others map[string]bool) (string, string, error) {
	if s.HealthPath != "" {
		src := s.HealthSource
		if src == "" {
			src = "the code"
		}
		return s.HealthPath, kit.JoinPath(s.Dir, src), nil
	}
	return k8sHealthPath(ws, s.Dir, others)
}

// k8sHealthPath looks through a service's source files (bounded) for a
// health endpoint stated as a string literal ("/healthz", '/health') and
// returns it with the file that states it; "" when none is found, and the
// probes then use TCP. The directories in others (other services inside
// dir) are not searched.
func k8sHealthPath(ws fs.FS, dir string, others map[string]bool) (string, string, error) {
	if ws == nil {
		return "", "", nil
	}
	if dir == "" {
		dir = "."
	}
	found := map[string]string{}
	files := 0
	err := fs.WalkDir(ws, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a missing or unreadable directory: nothing stated there
		}
		if d.IsDir() {
			if p != dir && (k8sSkipDirs[d.Name()] || strings.HasPrefix(d.Name(), ".") || others[p]) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !k8sSourceExt[path.Ext(p)] || strings.Contains(path.Base(p), "_test.") ||
			strings.Contains(path.Base(p), ".test.") || strings.Contains(path.Base(p), ".spec.") {
			return nil
		}
		if files++; files > k8sHealthMaxFiles {
			return errHealthDone
		}
		b, err := workspace.ReadFile(ws, p, k8sHealthMaxBytes)
		if err != nil {
			return nil // too big or unreadable: not a reason to fail
		}
		for _, hp := range k8sHealthPaths {
			if _, seen := found[hp]; !seen && k8sStatesPath(string(b), hp) {
				found[hp] = p
			}
		}
		if _, best := found[k8sHealthPaths[0]]; best {
			return errHealthDone
		}
		return nil
	})
	if err != nil && !errors.Is(err, errHealthDone) {
		return "", "", fmt.Errorf("search %s for a health endpoint: %w", kit.DirLabel(dir), err)
	}
	for _, hp := range k8sHealthPaths {
		if src, ok := found[hp]; ok {
			return hp, src, nil
		}
	}
	return "", "", nil
}

// k8sStatesPath reports whether src has hp as a quoted string literal.
func k8sStatesPath(src, hp string) bool {
	for _, q := range []string{`"`, `'`, "`"} {
		if strings.Contains(src, q+hp+q) {
			return true
		}
	}
	return false
}
