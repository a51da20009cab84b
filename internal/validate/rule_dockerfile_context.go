package validate

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
)

// The build-context rules: they need the repository (Options.Workspace)
// and run on every Dockerfile the gate sees with it.
var (
	ruleDockerfileCopyMissing = register(Rule{
		ID: "dockerfile-copy-missing", Kind: KindDockerfile, Severity: Error,
		Summary: "a COPY or ADD source (not a wildcard) must exist in the build context and not be excluded by its .dockerignore",
		Help: "fix the source path, add the file, remove the .dockerignore pattern that hides it, or build from a context that holds it " +
			"(the context is the Dockerfile's directory unless a Compose build:, a workflow's build step or a comment " +
			"\"# docker build -f <this Dockerfile> <dir>\" in the Dockerfile names another)",
	})
	ruleDockerfileGoReplace = register(Rule{
		ID: "dockerfile-context-go-replace", Kind: KindDockerfile, Severity: Error,
		Summary: "a go.mod the image builds must not replace a module with a local path outside the build context",
		Help: "build from the directory that holds the module and its replacements (docker build -f <dir>/Dockerfile <common parent>, " +
			"compose build.context, the workflow's context:) and COPY both, or replace with a published version",
	})
	ruleDockerfileCargoContext = register(Rule{
		ID: "dockerfile-context-cargo", Kind: KindDockerfile, Severity: Error,
		Summary: "a crate the image builds must have its path dependencies and its workspace (Cargo.lock) inside the build context",
		Help:    "build from the Cargo workspace root (docker build -f <crate>/Dockerfile <workspace root>) and cargo build -p <crate> there",
	})
	ruleDockerfileNodeWorkspace = register(Rule{
		ID: "dockerfile-context-node-workspace", Kind: KindDockerfile, Severity: Error,
		Summary: "a package.json the image installs must not belong to a workspace whose lockfile lies outside the build context",
		Help: "build from the workspace root that holds the lockfile (npm/pnpm/yarn/bun workspaces) and install the one package there " +
			"(npm ci -w <pkg>, pnpm --filter <pkg>..., yarn workspaces focus <pkg>, bun install --filter <pkg>)",
	})
)

// buildContext is one Dockerfile's build context inside the repository.
type buildContext struct {
	repo repoView
	// dir is the context directory and df the Dockerfile, workspace paths.
	dir, df string
	// base is Options.Base, to show workspace paths as the findings do.
	base string
	// ignore is the context's .dockerignore (or the Dockerfile's own
	// <name>.dockerignore), ignoreFile its workspace path; nil when none.
	ignore     *patternmatcher.PatternMatcher
	ignoreFile string
}

// checkDockerfileContext runs the rules that need the repository over one
// Dockerfile, once per build context it is used with. A Dockerfile that
// does not parse is left to dockerfile-parse.
func checkDockerfileContext(p string, content []byte, opts Options) []Finding {
	df, err := parseDockerfile(p, content)
	if err != nil {
		return nil
	}
	out := df.checkBaseTags()
	out = append(out, df.checkEntrypoint()...)
	seen := map[string]bool{}
	for _, cx := range newBuildContexts(p, df, opts) {
		var fs []Finding
		fs = append(fs, cx.checkCopies(df)...)
		// COPY --from=<name> of something that is not a stage may be a
		// named build context (--build-context name=../libs): files
		// outside the main context can then reach the build.
		if !df.namedContexts() {
			copied := cx.copiedPaths(df)
			fs = append(fs, cx.checkGoModules(df, copied)...)
			fs = append(fs, cx.checkNodeWorkspace(df, copied)...)
			for _, pm := range pathManifests {
				fs = append(fs, cx.checkManifests(df, copied, pm)...)
			}
		}
		for _, f := range fs {
			if k := fmt.Sprint(f.Line, f.Rule, f.Message); !seen[k] {
				seen[k] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// newBuildContexts returns the build contexts of the Dockerfile at p:
// the one Options.Contexts gives, else those the repository's Compose
// files and workflows declare, else (with InferContexts) the one its
// sources point at, else the Dockerfile's directory. A context
// outside the workspace or missing from it is left out.
func newBuildContexts(p string, df *dockerfile, opts Options) []*buildContext {
	repo := newRepoView(opts.Workspace, opts.overlay)
	dfPath, ok := joinInside(opts.Base, p)
	if !ok {
		return nil
	}
	var dirs []string
	if c, set := opts.Contexts[p]; set && c != "" {
		if d, ok := joinInside(opts.Base, c); ok {
			dirs = append(dirs, d)
		}
	} else if ds := opts.declared[dfPath]; len(ds) > 0 {
		dirs = ds
	} else if opts.InferContexts {
		dirs = append(dirs, inferContext(repo, df, path.Dir(dfPath)))
	} else {
		dirs = append(dirs, path.Dir(dfPath))
	}
	var out []*buildContext
	for _, dir := range dirs {
		if exists, isDir := repo.stat(dir); !exists || !isDir {
			continue
		}
		cx := &buildContext{repo: repo, dir: dir, df: dfPath, base: opts.Base}
		// BuildKit reads <Dockerfile>.dockerignore next to the Dockerfile
		// first, then .dockerignore at the context root.
		for _, f := range []string{dfPath + ".dockerignore", path.Join(dir, ".dockerignore")} {
			if data, ok := repo.readFile(f); ok {
				if pm, err := patternmatcher.New(readIgnorePatterns(data)); err == nil {
					cx.ignore, cx.ignoreFile = pm, f
				}
				break
			}
		}
		out = append(out, cx)
	}
	return out
}

// readIgnorePatterns reads .dockerignore lines the way Docker does:
// comments and blank lines skipped, paths cleaned, ! kept.
func readIgnorePatterns(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		invert := strings.HasPrefix(l, "!")
		l = strings.TrimSpace(strings.TrimPrefix(l, "!"))
		l = path.Clean(strings.TrimPrefix(l, "/"))
		if l == "." || l == "" {
			continue
		}
		if invert {
			l = "!" + l
		}
		out = append(out, l)
	}
	return out
}

// show turns a workspace path into a path as the findings show them.
func (cx *buildContext) show(p string) string { return relSlash(normBase(cx.base), p) }

func normBase(b string) string {
	if b == "" {
		return "."
	}
	return path.Clean(b)
}

// ignored reports whether a context-relative path is excluded.
func (cx *buildContext) ignored(rel string) bool {
	if cx.ignore == nil || rel == "." {
		return false
	}
	m, err := cx.ignore.MatchesOrParentMatches(rel)
	return err == nil && m
}

// copySource is one local source of a COPY or ADD.
type copySource struct {
	raw  string
	rel  string // cleaned, relative to the context root
	glob bool
}

// localSources returns the local sources of a COPY or ADD, or the bind
// mounts of a RUN: none for COPY --from, mounts from a stage, heredocs,
// URLs, git sources or sources with variables.
func localSources(c dfCmd) (srcs []copySource, kw string) {
	var raw []string
	switch x := c.cmd.(type) {
	case *instructions.CopyCommand:
		if x.From != "" {
			return nil, ""
		}
		raw, kw = x.SourcePaths, "COPY"
	case *instructions.AddCommand:
		raw, kw = x.SourcePaths, "ADD"
	case *instructions.RunCommand:
		// RUN --mount=type=bind,source=go.mod,target=go.mod reads the
		// context too; the mounts are parsed when the command expands.
		if err := x.Expand(func(w string) (string, error) { return w, nil }); err != nil {
			return nil, ""
		}
		for _, m := range instructions.GetMounts(x) {
			if m.Type == instructions.MountTypeBind && m.From == "" {
				src := m.Source
				if src == "" {
					src = "."
				}
				raw = append(raw, src)
			}
		}
		kw = "RUN --mount"
	default:
		return nil, ""
	}
	for _, s := range raw {
		lower := strings.ToLower(s)
		if strings.Contains(s, "$") || strings.Contains(lower, "://") || strings.HasPrefix(lower, "git@") {
			continue
		}
		rel := strings.TrimPrefix(path.Clean("/"+s), "/")
		if rel == "" {
			rel = "."
		}
		srcs = append(srcs, copySource{raw: s, rel: rel, glob: hasGlob(rel)})
	}
	return srcs, kw
}

// checkCopies reports every plain local COPY/ADD source the context
// lacks or its .dockerignore hides. A missing source a .gitignore matches
// is a build output made before docker build, and is not reported. A wildcard is not reported: BuildKit
// copies nothing for a wildcard that matches nothing (AllowEmptyWildcard
// in dockerfile2llb's COPY), so COPY go.mod go.su[m] ./ builds either way.
func (cx *buildContext) checkCopies(df *dockerfile) []Finding {
	var out []Finding
	for _, s := range df.stages {
		for _, c := range s.cmds {
			srcs, kw := localSources(c)
			for _, src := range srcs {
				if src.glob {
					continue
				}
				wp := path.Join(cx.dir, src.rel)
				exists, _ := cx.repo.stat(wp)
				switch {
				case !exists && (src.rel == ".git" || strings.HasPrefix(src.rel, ".git/")):
					// Every clone has .git; an export (git archive, a
					// tarball) does not, and that is not the Dockerfile's fault.
				case !exists && (cx.repo.gitignored(wp) || cx.builtOutside(wp)):
					// Built before docker build runs (a goreleaser binary,
					// dist/, a Makefile target): the repository cannot hold it.
				case !exists:
					out = append(out, ruleDockerfileCopyMissing.at(df.path, c.line, 1,
						"%s %s: %s does not exist in the build context %s; fix the path or build from the directory that holds it",
						kw, src.raw, cx.show(path.Join(cx.dir, src.rel)), cx.show(cx.dir)))
				case cx.ignored(src.rel):
					out = append(out, ruleDockerfileCopyMissing.at(df.path, c.line, 1,
						"%s %s: %s excludes it from the build context, so the build cannot see it; remove the pattern or the %s",
						kw, src.raw, cx.show(cx.ignoreFile), kw))
				}
			}
		}
	}
	return out
}

// copiedPaths are the workspace paths the Dockerfile copies from the
// context (files and directories, wildcards expanded), without the ones
// the .dockerignore hides.
func (cx *buildContext) copiedPaths(df *dockerfile) []string {
	var out []string
	seen := map[string]bool{}
	add := func(rel string) {
		wp := path.Join(cx.dir, rel)
		if !seen[wp] && !cx.ignored(rel) {
			seen[wp] = true
			out = append(out, wp)
		}
	}
	for _, s := range df.stages {
		for _, c := range s.cmds {
			srcs, _ := localSources(c)
			for _, src := range srcs {
				if src.glob {
					for _, m := range cx.repo.glob(cx.dir, src.rel) {
						add(m)
					}
					continue
				}
				if ok, _ := cx.repo.stat(path.Join(cx.dir, src.rel)); ok {
					add(src.rel)
				}
			}
		}
	}
	return out
}

// manifests returns the files named name the Dockerfile copies: copied
// files of that name and the name at the top of each copied directory.
func (cx *buildContext) manifests(copied []string, name string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range copied {
		cand := p
		if _, isDir := cx.repo.stat(p); isDir {
			cand = path.Join(p, name)
		} else if path.Base(p) != name {
			continue
		}
		if _, ok := cx.repo.readFile(cand); ok && !seen[cand] && !cx.ignored(relSlash(cx.dir, cand)) {
			seen[cand] = true
			out = append(out, cand)
		}
	}
	return out
}

// namedContexts reports whether a COPY --from names something that is
// neither a stage of the Dockerfile nor a stage index.
func (df *dockerfile) namedContexts() bool {
	stages := map[string]bool{}
	for i, s := range df.stages {
		stages[fmt.Sprint(i)] = true
		if s.from.Name != "" {
			stages[strings.ToLower(s.from.Name)] = true
		}
	}
	for _, s := range df.stages {
		for _, c := range s.cmds {
			if cp, ok := c.cmd.(*instructions.CopyCommand); ok && cp.From != "" && !stages[strings.ToLower(cp.From)] {
				return true
			}
		}
	}
	return false
}

// runsTool reports whether a RUN of the Dockerfile matches re.
func (df *dockerfile) runsTool(re *regexp.Regexp) bool {
	for _, s := range df.stages {
		for _, c := range s.cmds {
			if r, ok := c.cmd.(*instructions.RunCommand); ok && re.MatchString(runScript(r)) {
				return true
			}
		}
	}
	return false
}

// firstLineOf returns the line of the first COPY or ADD whose source
// copies the workspace path p (itself or a directory above it), or the
// first FROM when none does.
func (cx *buildContext) firstLineOf(df *dockerfile, p string) int {
	for _, s := range df.stages {
		for _, c := range s.cmds {
			srcs, _ := localSources(c)
			for _, src := range srcs {
				wp := path.Join(cx.dir, src.rel)
				if src.glob {
					for _, m := range cx.repo.glob(cx.dir, src.rel) {
						if inside(path.Join(cx.dir, m), p) {
							return c.line
						}
					}
					continue
				}
				if inside(wp, p) {
					return c.line
				}
			}
		}
	}
	return df.stages[0].fromLine
}

// inferContext returns the nearest directory from dir up to the
// workspace root in which every plain local COPY/ADD source of the
// Dockerfile exists, or dir when there is none or nothing to go by.
func inferContext(repo repoView, df *dockerfile, dir string) string {
	var rels []string
	for _, s := range df.stages {
		for _, c := range s.cmds {
			srcs, _ := localSources(c)
			for _, src := range srcs {
				if !src.glob && src.rel != "." {
					rels = append(rels, src.rel)
				}
			}
		}
	}
	if len(rels) == 0 {
		return dir
	}
	for d := dir; ; d = path.Dir(d) {
		all := true
		for _, r := range rels {
			if ok, _ := repo.stat(path.Join(d, r)); !ok {
				all = false
				break
			}
		}
		if all {
			return d
		}
		if d == "." {
			return dir
		}
	}
}
