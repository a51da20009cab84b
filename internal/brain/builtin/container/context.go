package container

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"golang.org/x/mod/modfile"
)

// BuildContext returns the directory a service's image is built from,
// relative to the repository root: its detected Context (the smallest
// directory holding the unit, its local dependencies and its lockfile),
// else its own directory.
func BuildContext(s stack.Service) string {
	c := s.Context
	if c == "" {
		c = s.Dir
	}
	if c == "" {
		return "."
	}
	return path.Clean(c)
}

// ContextDiffers reports whether the service builds from a context other
// than its own directory (a workspace root, a common parent of replaced
// modules).
func ContextDiffers(s stack.Service) bool {
	d := s.Dir
	if d == "" {
		d = "."
	}
	return BuildContext(s) != path.Clean(d)
}

// CtxRel returns the path p relative to the directory ctx that holds it,
// without a leading "./" ("." for ctx itself).
func CtxRel(ctx, p string) string {
	return strings.TrimPrefix(kit.RelDir(ctx, p), "./")
}

// contextLine is the docker build command, paths from the repository
// root, that the first line of a Dockerfile built from another context
// states; the gate reads it to check the Dockerfile against that context.
func contextLine(s stack.Service) string {
	return fmt.Sprintf("docker build -f %s %s", kit.JoinPath(s.Dir, "Dockerfile"), BuildContext(s))
}

// contextMembers lists the workspace's members that hold manifest, each
// relative to the build context ctx, sorted; a member outside the context
// or with characters a Dockerfile cannot take is an unsupportedContext error.
func contextMembers(ws fs.FS, s *stack.Service, ctx string, w *stack.Workspace, manifest string) ([]string, error) {
	members := append([]string(nil), w.Members...)
	sort.Strings(members)
	var out []string
	for _, m := range members {
		rel := CtxRel(ctx, m)
		if !inside(ctx, m) || !kit.SafePath(rel) {
			return nil, unsupportedContext(*s, fmt.Sprintf("the workspace member %q is outside it or has characters a Dockerfile cannot take safely", m))
		}
		if kit.Exists(ws, kit.JoinPath(m, manifest)) {
			out = append(out, rel)
		}
	}
	return out, nil
}

// unsupportedContext is the error for a layout the built-in specialist
// cannot build correctly: it names the unit, its context and what is not
// supported, instead of writing a Dockerfile the gate would refuse.
func unsupportedContext(s stack.Service, what string) error {
	return fmt.Errorf("cannot containerize %s: it builds from the context %s, and %s; write its Dockerfile by hand (docker build -f %s %s) or ask for another unit",
		kit.DirLabel(s.Dir), kit.DirLabel(BuildContext(s)), what, kit.JoinPath(s.Dir, "Dockerfile"), BuildContext(s))
}

// goModule is one Go module the image needs: its directory relative to the
// build context and the module files to copy before go mod download.
type goModule struct {
	Dir   string
	Files string
}

// goContextModules lists the unit's module and every module it replaces
// with a local directory, transitively, relative to the build context:
// each must lie inside the context. A module the unit requires from the
// repository without a replace (found only through go.work) is not
// supported: the image builds without go.work.
func goContextModules(ws fs.FS, repo *stack.Repo, s stack.Service) ([]goModule, error) {
	ctx := BuildContext(s)
	local := map[string]string{} // module path -> dir, for the repository's Go units
	if repo != nil {
		for _, u := range repo.Services {
			if u.Language == stack.Go && u.Module != "" {
				local[u.Module] = path.Clean(u.Dir)
			}
		}
	}
	seen := map[string]bool{}
	var out []goModule
	var visit func(dir string, top bool) error
	visit = func(dir string, top bool) error {
		if seen[dir] {
			return nil
		}
		seen[dir] = true
		if !inside(ctx, dir) {
			return unsupportedContext(s, fmt.Sprintf("the module in %s it needs lies outside that context", kit.DirLabel(dir)))
		}
		gm := kit.JoinPath(dir, "go.mod")
		data, err := kit.ReadOptional(ws, gm)
		if err != nil {
			return err
		}
		if data == nil {
			return unsupportedContext(s, fmt.Sprintf("%s, a module it replaces, has no go.mod", kit.DirLabel(dir)))
		}
		f, err := modfile.Parse(gm, data, nil)
		if err != nil {
			return unsupportedContext(s, fmt.Sprintf("%s does not parse (%v)", gm, err))
		}
		rel := CtxRel(ctx, dir)
		if !kit.SafePath(rel) {
			return unsupportedContext(s, fmt.Sprintf("the directory %q has characters a Dockerfile cannot take safely", rel))
		}
		files := kit.JoinPath(rel, "go.mod")
		if kit.Exists(ws, kit.JoinPath(dir, "go.sum")) {
			files += " " + kit.JoinPath(rel, "go.sum")
		}
		out = append(out, goModule{Dir: rel, Files: files})
		replaced := map[string]bool{}
		var targets []string
		for _, r := range f.Replace {
			if r.New.Version != "" || !modfile.IsDirectoryPath(r.New.Path) || path.IsAbs(r.New.Path) || strings.Contains(r.New.Path, `\`) {
				continue
			}
			replaced[r.Old.Path] = true
			targets = append(targets, path.Join(dir, r.New.Path))
		}
		if top {
			for _, req := range f.Require {
				if d, ok := local[req.Mod.Path]; ok && !replaced[req.Mod.Path] && d != dir {
					return unsupportedContext(s, fmt.Sprintf("it requires %s from %s without a replace directive (only go.work points there), and the image builds without go.work; add replace %s => %s to its go.mod",
						req.Mod.Path, kit.DirLabel(d), req.Mod.Path, kit.RelDir(dir, d)))
				}
			}
		}
		sort.Strings(targets)
		for _, t := range targets {
			if err := visit(t, false); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(path.Clean(kit.JoinPath(s.Dir, ".")), true); err != nil {
		return nil, err
	}
	return out, nil
}

// inside reports whether the slash path p is dir or below it ("." holds
// every relative path).
func inside(dir, p string) bool {
	dir, p = path.Clean(dir), path.Clean(p)
	if strings.HasPrefix(p, "../") || p == ".." {
		return false
	}
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

// ImageBuild returns how a service's image is built: the context
// directory and the Dockerfile, both relative to the repository root. A
// Dockerfile whose text states the service's context line (one the
// container specialist wrote for a workspace or replace layout, planned in
// deps or already in the repository) builds from that context; any other
// from its own directory, as before.
func ImageBuild(ws fs.FS, deps []*change.ChangeSet, s stack.Service) (ctx, dockerfile string) {
	dockerfile = kit.JoinPath(s.Dir, "Dockerfile")
	own := path.Clean(kit.JoinPath(s.Dir, "."))
	if kept := KeptDockerfile(ws, deps, s); kept != "" {
		// The repository builds the unit from a Dockerfile of its own
		// elsewhere (docker/Dockerfile): images are built from it, from
		// the unit's directory or, when its COPY lines need it, the
		// repository root.
		content, _ := kit.ReadOptional(ws, kept)
		if content != nil && !copiesFit(ws, content, own) && copiesFit(ws, content, ".") {
			return ".", kept
		}
		return own, kept
	}
	if !ContextDiffers(s) {
		return own, dockerfile
	}
	var content []byte
	for _, cs := range deps {
		if cs != nil {
			if f := cs.Get(dockerfile); f != nil && f.Op != change.Delete {
				content = f.Content
			}
		}
	}
	if content == nil {
		content, _ = kit.ReadOptional(ws, dockerfile)
	}
	if strings.Contains(string(content), "# "+contextLine(s)+"\n") {
		return BuildContext(s), dockerfile
	}
	// A person's Dockerfile written for the workspace root (COPY uv.lock,
	// COPY backend/pyproject.toml backend/) builds from there.
	if content != nil && !copiesFit(ws, content, own) && copiesFit(ws, content, BuildContext(s)) {
		return BuildContext(s), dockerfile
	}
	return own, dockerfile
}

// KeptDockerfile returns the Dockerfile the repository keeps for the unit
// outside <dir>/Dockerfile (docker/Dockerfile, build/package/Dockerfile,
// Dockerfile.prod), when <dir>/Dockerfile exists neither in the
// repository nor in the changes before this task; "" otherwise.
func KeptDockerfile(ws fs.FS, deps []*change.ChangeSet, s stack.Service) string {
	own := kit.JoinPath(s.Dir, "Dockerfile")
	for _, cs := range deps {
		if cs != nil {
			if f := cs.Get(own); f != nil && f.Op != change.Delete {
				return ""
			}
		}
	}
	if ws == nil || kit.Exists(ws, own) {
		return ""
	}
	var cands []string
	for _, d := range kit.OtherDockerfileDirs {
		cands = append(cands, kit.JoinPath(kit.JoinPath(s.Dir, d), "Dockerfile"))
	}
	cands = append(cands, kit.JoinPath(s.Dir, "Dockerfile.prod"), kit.JoinPath(s.Dir, "Dockerfile.production"))
	for _, c := range cands {
		if kit.Exists(ws, c) {
			return c
		}
	}
	return ""
}

// copiesFit reports whether every plain local source of the Dockerfile's
// COPY and ADD instructions (no --from, wildcard, variable or URL) exists
// under dir; a file with none fits anywhere.
func copiesFit(ws fs.FS, content []byte, dir string) bool {
	res, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		return true
	}
	for _, n := range res.AST.Children {
		if !isInstr(n, "copy") && !isInstr(n, "add") {
			continue
		}
		from := false
		for _, f := range n.Flags {
			if strings.HasPrefix(strings.ToLower(f), "--from") {
				from = true
			}
		}
		if from {
			continue
		}
		var args []string
		for a := n.Next; a != nil; a = a.Next {
			args = append(args, a.Value)
		}
		if len(args) < 2 {
			continue
		}
		for _, src := range args[:len(args)-1] {
			if strings.ContainsAny(src, "$*?[") || strings.Contains(src, "://") || strings.HasPrefix(src, "<<") {
				continue
			}
			rel := strings.TrimPrefix(path.Clean("/"+src), "/")
			if rel == "" {
				continue
			}
			if !kit.Exists(ws, kit.JoinPath(dir, rel)) {
				return false
			}
		}
	}
	return true
}

// workspaceOf returns the workspace of one of the tools rooted at the
// service's build context that lists the service among its members, or
// nil.
func workspaceOf(repo *stack.Repo, s stack.Service, tools ...string) *stack.Workspace {
	if repo == nil {
		return nil
	}
	ctx := BuildContext(s)
	for i := range repo.Workspaces {
		w := &repo.Workspaces[i]
		if path.Clean(w.Dir) != ctx || !slices.Contains(tools, w.Tool) {
			continue
		}
		for _, m := range w.Members {
			if path.Clean(m) == path.Clean(s.Dir) {
				return w
			}
		}
	}
	return nil
}
