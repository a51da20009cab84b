package validate

import (
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// repoView is what the build-context rules see of the repository: the
// workspace (Options.Workspace) with the files being checked laid over it,
// so a generated Dockerfile is judged against the .dockerignore and the
// files generated with it. Paths are slash paths from the workspace root.
type repoView struct {
	base    fs.FS
	overlay map[string][]byte
	// dirs are the directories above the overlay's files.
	dirs map[string]bool
}

// newRepoView lays the overlay over the workspace.
func newRepoView(base fs.FS, overlay map[string][]byte) repoView {
	dirs := map[string]bool{}
	for p := range overlay {
		for d := path.Dir(p); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	return repoView{base: base, overlay: overlay, dirs: dirs}
}

// overlayOf maps the files of a set to their workspace paths.
func overlayOf(files []File, base string) map[string][]byte {
	out := make(map[string][]byte, len(files))
	for _, f := range files {
		if wp, ok := joinInside(base, f.Path); ok {
			out[wp] = f.Content
		}
	}
	return out
}

// joinInside joins a slash path to a base directory and reports whether
// the result stays inside the workspace root.
func joinInside(base, p string) (string, bool) {
	if base == "" {
		base = "."
	}
	j := path.Join(base, p)
	if j == ".." || strings.HasPrefix(j, "../") || path.IsAbs(j) {
		return "", false
	}
	return j, true
}

// inside reports whether the workspace path p is dir or under it.
func inside(dir, p string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

// relSlash is the slash path of p seen from dir (both workspace paths).
func relSlash(dir, p string) string {
	if dir == "" || dir == "." {
		return p
	}
	if p == dir {
		return "."
	}
	if strings.HasPrefix(p, dir+"/") {
		return p[len(dir)+1:]
	}
	ups := "../"
	for d := path.Dir(dir); d != "."; d = path.Dir(d) {
		if inside(d, p) {
			return ups + relSlash(d, p)
		}
		ups += "../"
	}
	return ups + p
}

// readFile returns a file's content, the overlay's first; ok is false for
// a missing, unreadable or oversized file, or a directory.
func (r repoView) readFile(p string) ([]byte, bool) {
	if b, ok := r.overlay[p]; ok {
		return b, true
	}
	if r.base == nil {
		return nil, false
	}
	st, err := fs.Stat(r.base, p)
	if err != nil || st.IsDir() || st.Size() > MaxFileSize {
		return nil, false
	}
	b, err := fs.ReadFile(r.base, p)
	return b, err == nil
}

// stat reports whether p exists and whether it is a directory.
func (r repoView) stat(p string) (exists, dir bool) {
	if p == "." {
		return true, true
	}
	if _, ok := r.overlay[p]; ok {
		return true, false
	}
	if r.dirs[p] {
		return true, true
	}
	if r.base == nil {
		return false, false
	}
	st, err := fs.Stat(r.base, p)
	if err != nil {
		return false, false
	}
	return true, st.IsDir()
}

// list returns the names in directory dir, sorted.
func (r repoView) list(dir string) []string {
	seen := map[string]bool{}
	if r.base != nil {
		if es, err := fs.ReadDir(r.base, dir); err == nil {
			for _, e := range es {
				seen[e.Name()] = true
			}
		}
	}
	prefix := dir + "/"
	if dir == "." {
		prefix = ""
	}
	for k := range r.overlay {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			name, _, _ := strings.Cut(rest, "/")
			seen[name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// hasGlob reports whether a path holds a wildcard.
func hasGlob(p string) bool { return strings.ContainsAny(p, "*?[") }

// glob expands a pattern of Go path.Match segments below dir, returning
// the matches relative to dir. A malformed pattern matches nothing.
func (r repoView) glob(dir, pattern string) []string {
	matches := []string{""}
	for _, seg := range strings.Split(pattern, "/") {
		var next []string
		for _, m := range matches {
			at := path.Join(dir, m)
			if !hasGlob(seg) {
				if ok, _ := r.stat(path.Join(at, seg)); ok {
					next = append(next, path.Join(m, seg))
				}
				continue
			}
			for _, name := range r.list(at) {
				if ok, err := path.Match(seg, name); err == nil && ok {
					next = append(next, path.Join(m, name))
				}
			}
		}
		matches = next
		if len(matches) == 0 || len(matches) > 10000 {
			return nil
		}
	}
	return matches
}

// workspaceGlob compiles a package-manager workspace pattern ("packages/*",
// "apps/**", "crates/foo") to a regexp over slash paths.
func workspaceGlob(pattern string) *regexp.Regexp {
	p := strings.TrimSuffix(strings.TrimPrefix(path.Clean(strings.TrimPrefix(pattern, "./")), "./"), "/")
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				b.WriteString(".*")
				i++
				continue
			}
			b.WriteString("[^/]*")
		case '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return regexp.MustCompile(`^\b$`) // matches nothing
	}
	return re
}

// gitignored reports whether a .gitignore in p's directory or above it
// matches p or something under it: a file the build writes before docker
// build runs (goreleaser's binary, a dist/ folder) rather than one the
// repository lacks. Negations are not followed; the answer only silences.
func (r repoView) gitignored(p string) bool {
	for d := path.Dir(p); ; d = path.Dir(d) {
		if data, ok := r.readFile(path.Join(d, ".gitignore")); ok {
			rel := relSlash(d, p)
			for _, l := range strings.Split(string(data), "\n") {
				l = strings.TrimSpace(l)
				if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "!") {
					continue
				}
				if gitignoreMatch(strings.TrimSuffix(l, "/"), rel) || gitignoreMatch(strings.TrimSuffix(l, "/"), rel+"/x") {
					return true
				}
			}
		}
		if d == "." {
			return false
		}
	}
}

// gitignoreMatch matches one .gitignore pattern against a slash path
// relative to the .gitignore's directory: a pattern with a slash is
// anchored there, one without matches any path component; a match on a
// directory covers what is under it.
func gitignoreMatch(pattern, rel string) bool {
	if pattern == "" {
		return false
	}
	parts := strings.Split(rel, "/")
	if !strings.Contains(pattern, "/") {
		for _, c := range parts {
			if ok, _ := path.Match(pattern, c); ok {
				return true
			}
		}
		return false
	}
	re := workspaceGlob(strings.TrimPrefix(pattern, "/"))
	for i := range parts {
		if re.MatchString(strings.Join(parts[:i+1], "/")) {
			return true
		}
	}
	return false
}
