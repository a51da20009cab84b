package container

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// The three line edits of a Dockerfile patch: pin a base image, add a
// USER, turn a shell-form CMD into exec form. Each returns the edit and
// why it was made, or the reason it was not.

// fromImageRe finds the image word of a FROM line, after any --flags.
var fromImageRe = regexp.MustCompile(`(?i)^(\s*FROM\s+(?:--\S+\s+)*)(\S+)`)

// pinBase pins a latest or untagged base image to the images.yaml tag of
// its language, at the service's version when the image is the service's
// language.
func pinBase(tbl *kit.ImageTable, s *stack.Service, stages []*dfStageInfo, lines []kit.Line, line int) (*dfEdit, string, string) {
	st := stageAt(stages, line)
	if st == nil || st.from.EndLine != st.from.StartLine || line < 1 || line > len(lines) {
		return nil, "", "the FROM spans several lines, so it is not edited"
	}
	if strings.Contains(st.base, "$") {
		return nil, "", "the image comes from a build argument; pin the argument's default instead"
	}
	repo, _, _ := kit.SplitImage(st.base)
	lang, ref, ok := tableImage(tbl, repo, st == stages[len(stages)-1])
	if !ok {
		return nil, "", fmt.Sprintf("images.yaml has no tag for %s, so there is no known version to pin it to", repo)
	}
	version, source := "", ""
	if l := tbl.Languages[lang]; string(s.Language) == lang {
		imgs, err := tbl.ImagesFor(s, "")
		if err != nil {
			return nil, "", err.Error()
		}
		version, source = imgs.Version, fmt.Sprintf("the %s version of %s", lang, kit.DirLabel(s.Dir))
		if imgs.Assumed {
			source = fmt.Sprintf("the images.yaml default, as %s states no %s version", kit.DirLabel(s.Dir), lang)
		}
	} else {
		version, source = l.DefaultVersion, fmt.Sprintf("the images.yaml default for %s", lang)
	}
	_, tag, _ := kit.SplitImage(strings.ReplaceAll(ref, "{version}", version))
	// latest and no tag are the full image: keep the full variant, so the
	// tools the build relies on stay there.
	full := strings.Replace(strings.Replace(tag, "-slim-", "-", 1), "-slim", "", 1)
	pinned := repoPart(st.base) + ":" + full
	l := lines[line-1].Text
	m := fromImageRe.FindStringSubmatchIndex(l)
	if m == nil || l[m[4]:m[5]] != st.base {
		return nil, "", "the FROM line is written in a way the patcher does not edit"
	}
	what := "the latest tag"
	if _, t, _ := kit.SplitImage(st.base); t == "" {
		what = "no tag (which means latest)"
	}
	why := fmt.Sprintf("FROM %s had %s; pinned to %s, the images.yaml tag for %s", st.base, what, pinned, source)
	if full != tag {
		why += fmt.Sprintf(" (without -slim: %s is the full image, so the build keeps its tools)", st.base)
	}
	return &dfEdit{start: line, end: line, repl: []string{l[:m[4]] + pinned + l[m[5]:]}}, why, ""
}

// repoPart returns the reference as written without its tag or digest.
func repoPart(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// tableImage finds the language image of images.yaml whose repository is
// repo; final prefers a runtime image, else a build image. Only images
// whose tag follows the language version count.
func tableImage(tbl *kit.ImageTable, repo string, final bool) (lang, ref string, ok bool) {
	var build, runtime [2]string
	for _, name := range kit.SortedKeys(tbl.Languages) {
		l := tbl.Languages[name]
		if r, _, _ := kit.SplitImage(l.Runtime); r == repo && strings.Contains(l.Runtime, "{version}") && runtime[0] == "" {
			runtime = [2]string{name, l.Runtime}
		}
		for _, pm := range kit.SortedKeys(l.Build) {
			if r, _, _ := kit.SplitImage(l.Build[pm]); r == repo && strings.Contains(l.Build[pm], "{version}") && build[0] == "" {
				build = [2]string{name, l.Build[pm]}
			}
		}
	}
	first, second := build, runtime
	if final {
		first, second = runtime, build
	}
	for _, c := range [][2]string{first, second} {
		if c[0] != "" {
			return c[0], c[1], true
		}
	}
	return "", "", false
}

// rootImages start as root and drop privileges themselves, or need
// root-owned paths: a USER line would break them.
var rootImages = map[string]bool{
	"nginx": true, "httpd": true, "postgres": true, "mysql": true, "mariadb": true, "mongo": true,
	"redis": true, "rabbitmq": true, "haproxy": true, "caddy": true, "php": true, "wordpress": true,
}

// addUser adds a non-root USER to the final stage, after its last RUN
// (so no step that may need root changes) and before the CMD or
// ENTRYPOINT that follows it.
func addUser(stages []*dfStageInfo, meta map[string]string, lines []kit.Line) (*dfEdit, string, string) {
	final := stages[len(stages)-1]
	chain := stageChain(stages, final)
	base := chain[len(chain)-1].base
	resolved := expandMeta(base, meta)
	repo, tag, _ := kit.SplitImage(resolved)
	if rootImages[repo] {
		return nil, "", fmt.Sprintf("the final stage runs on %s, which starts as root and drops privileges itself or needs root-owned paths; an unprivileged variant of the image is the fix, and that is the author's choice", repo)
	}
	for _, n := range final.nodes {
		if !isInstr(n, "expose") {
			continue
		}
		for a := n.Next; a != nil; a = a.Next {
			p, _, _ := strings.Cut(a.Value, "/")
			if port, err := strconv.Atoi(p); err == nil && port < 1024 {
				return nil, "", fmt.Sprintf("the final stage exposes port %d, which a non-root user may not bind on every runtime; move the program to a port above 1023 first", port)
			}
		}
	}
	user, source := "", ""
	for _, st := range chain {
		for _, n := range st.nodes {
			if !isInstr(n, "run") {
				continue
			}
			if us := stack.CreatedUsers(n.Original); len(us) > 0 && validUserName(us[len(us)-1].Name) {
				user, source = us[len(us)-1].Name, fmt.Sprintf("the user the RUN on line %d creates", n.StartLine)
			}
		}
	}
	switch {
	case user != "":
	case repo == "node":
		user, source = "node", "the non-root user the node image ships (uid 1000)"
	case strings.HasPrefix(repo, "gcr.io/distroless/"):
		user, source = "nonroot:nonroot", "the non-root user distroless images ship (uid 65532)"
		if strings.Contains(tag, "nonroot") {
			return nil, "", "the base image already runs as nonroot"
		}
	default:
		user, source = "65532:65532", "a numeric non-root uid and gid, which needs no account in the image"
	}
	at := len(lines) + 1 // after the last line of the file (the final stage)
	lastRun := -1
	for i, n := range final.nodes {
		if isInstr(n, "run") {
			lastRun = i
		}
	}
	for _, n := range final.nodes[lastRun+1:] {
		if isInstr(n, "cmd") || isInstr(n, "entrypoint") {
			at = n.StartLine
			for at > 1 && strings.HasPrefix(strings.TrimSpace(lines[at-2].Text), "#") {
				at-- // keep the comment above the CMD with the CMD
			}
			break
		}
	}
	if at == len(lines)+1 {
		for at > 1 && strings.TrimSpace(lines[at-2].Text) == "" {
			at-- // before trailing blank lines
		}
	}
	indent := ""
	if at <= len(lines) {
		indent = lines[at-1].Text[:len(lines[at-1].Text)-len(strings.TrimLeft(lines[at-1].Text, " \t"))]
	}
	why := fmt.Sprintf("the final stage ran as root; added USER %s (%s) after the last RUN, so every build step still runs as before; files the stages copied stay owned by root and readable by all, so the program can read them but not write into them", user, source)
	return &dfEdit{start: at, end: at - 1, repl: []string{indent + "USER " + user}}, why, ""
}

// validUserName accepts a plain user name.
func validUserName(s string) bool {
	if s == "" || s[0] == '-' || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// stageChain returns st and the earlier stages it is built on, st first.
func stageChain(stages []*dfStageInfo, st *dfStageInfo) []*dfStageInfo {
	chain := []*dfStageInfo{st}
	for hops := 0; hops < len(stages); hops++ {
		var next *dfStageInfo
		for _, e := range stages {
			if e == st {
				break
			}
			if e.name != "" && e.name == strings.ToLower(st.base) {
				next = e
			}
		}
		if next == nil {
			break
		}
		chain, st = append(chain, next), next
	}
	return chain
}

// expandMeta substitutes the defaults of ARGs declared before the first
// FROM into an image reference.
func expandMeta(ref string, meta map[string]string) string {
	return os.Expand(ref, func(k string) string { return meta[k] })
}

// execFormCmd turns a one-line shell-form CMD into exec form when it is
// a plain command (no variables, quotes, operators or globs) and its stage
// has no ENTRYPOINT, which would receive the shell as arguments.
func execFormCmd(stages []*dfStageInfo, lines []kit.Line, line int) (*dfEdit, string, string) {
	var st *dfStageInfo
	var cmd *parser.Node
	for _, s := range stages {
		for _, n := range s.nodes {
			if n.StartLine == line {
				st, cmd = s, n
			}
		}
	}
	if cmd == nil || !isInstr(cmd, "cmd") || line < 1 || line > len(lines) {
		return nil, "", "only a shell-form CMD is turned into exec form"
	}
	for _, s := range stageChain(stages, st) {
		for _, n := range s.nodes {
			if isInstr(n, "entrypoint") {
				return nil, "", "the stage has an ENTRYPOINT, which would get different arguments"
			}
		}
	}
	l := lines[line-1].Text
	if cmd.EndLine != cmd.StartLine || len(cmd.Heredocs) > 0 {
		return nil, "", "the CMD spans several lines"
	}
	kw := strings.TrimLeft(l, " \t")
	if len(kw) < 4 {
		return nil, "", "the CMD line is written in a way the patcher does not edit"
	}
	indent := l[:len(l)-len(kw)]
	word := kw[:3]
	args, ok := splitSimple(kw[3:])
	if !ok || !strings.EqualFold(word, "cmd") {
		return nil, "", "the CMD uses shell syntax (variables, quotes, operators), which exec form would change"
	}
	why := fmt.Sprintf("CMD in shell form runs under /bin/sh, which does not pass signals on; the same command in exec form is CMD %s", JsonArgs(args...))
	return &dfEdit{start: line, end: line, repl: []string{indent + word + " " + JsonArgs(args...)}}, why, ""
}
