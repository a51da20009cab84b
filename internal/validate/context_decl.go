package validate

import (
	"encoding/json"
	"path"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// withRepository prepares the options of a check with a workspace: the
// overlay of the checked files and the contexts the repository declares.
func withRepository(opts Options, files []File) Options {
	opts.overlay = overlayOf(files, opts.Base)
	var dfs []string
	for _, f := range files {
		if KindOf(f.Path, f.Content) == KindDockerfile {
			if wp, ok := joinInside(opts.Base, f.Path); ok {
				dfs = append(dfs, wp)
			}
		}
	}
	if len(dfs) > 0 {
		opts.declared = declaredContexts(newRepoView(opts.Workspace, opts.overlay), dfs)
	}
	return opts
}

// declaredContexts finds the build contexts the repository gives its
// Dockerfiles: the build: of services in Compose files (at the root, next
// to a checked Dockerfile or above it, and any Compose file being checked),
// docker/build-push-action steps and docker build commands in workflows
// (from their working-directory), in Makefiles and package.json scripts
// next to or above a checked Dockerfile,
// and a comment in the Dockerfile itself with a docker build command whose
// -f names that Dockerfile ("# docker build -f services/api/Dockerfile .",
// paths from the repository root). It maps a Dockerfile's workspace path to its contexts
// (workspace paths), sorted. Values with variables or expressions, remote
// contexts and inline Dockerfiles are skipped.
func declaredContexts(repo repoView, dockerfiles []string) map[string][]string {
	out := map[string]map[string]bool{}
	add := func(df, ctx string) {
		df, ctx = path.Clean(df), path.Clean(ctx)
		if strings.HasPrefix(df, "../") || strings.HasPrefix(ctx, "../") || df == ".." || ctx == ".." {
			return
		}
		if out[df] == nil {
			out[df] = map[string]bool{}
		}
		out[df][ctx] = true
	}
	dirs := map[string]bool{".": true}
	for _, df := range dockerfiles {
		for d := path.Dir(df); ; d = path.Dir(d) {
			dirs[d] = true
			if d == "." {
				break
			}
		}
	}
	seen := map[string]bool{}
	var composeFiles []string
	for d := range dirs {
		for _, name := range repo.list(d) {
			if isComposeName(strings.ToLower(name)) {
				composeFiles = append(composeFiles, path.Join(d, name))
			}
		}
	}
	for p := range repo.overlay {
		if isComposeName(strings.ToLower(path.Base(p))) {
			composeFiles = append(composeFiles, p)
		}
	}
	for _, cf := range composeFiles {
		if seen[cf] {
			continue
		}
		seen[cf] = true
		data, ok := repo.readFile(cf)
		if !ok {
			continue
		}
		composeContexts(data, path.Dir(cf), add)
	}
	for _, df := range dockerfiles {
		if data, ok := repo.readFile(df); ok {
			commentContexts(data, df, add)
		}
	}
	for d := range dirs {
		var scripts []string
		for _, name := range []string{"Makefile", "makefile", "GNUmakefile"} {
			if data, ok := repo.readFile(path.Join(d, name)); ok {
				scripts = append(scripts, strings.ReplaceAll(string(data), "\\\n", " "))
			}
		}
		if data, ok := repo.readFile(path.Join(d, "package.json")); ok {
			var pkg struct {
				Scripts map[string]string `json:"scripts"`
			}
			if json.Unmarshal(data, &pkg) == nil {
				for _, k := range sortedScriptKeys(pkg.Scripts) {
					scripts = append(scripts, pkg.Scripts[k])
				}
			}
		}
		for _, text := range scripts {
			for _, m := range dockerBuildRe.FindAllStringSubmatch(text, -1) {
				if df, ctx, ok := parseDockerBuild(m[1]); ok {
					add(path.Join(d, df), path.Join(d, ctx))
				}
			}
		}
	}
	for _, name := range repo.list(".github/workflows") {
		if ext := path.Ext(name); ext == ".yml" || ext == ".yaml" {
			if data, ok := repo.readFile(path.Join(".github/workflows", name)); ok {
				workflowContexts(data, add)
			}
		}
	}
	res := make(map[string][]string, len(out))
	for df, ctxs := range out {
		for c := range ctxs {
			res[df] = append(res[df], c)
		}
		sort.Strings(res[df])
	}
	return res
}

// literal reports whether a value is a plain path: no variable, no
// expression, no URL.
func literal(v string) bool {
	return v != "" && !strings.ContainsAny(v, "$`{}") && !strings.Contains(v, "://") && !strings.HasPrefix(v, "git@")
}

// composeContexts reads the build: of each service of a Compose file in
// directory dir.
func composeContexts(data []byte, dir string, add func(df, ctx string)) {
	var doc struct {
		Services map[string]struct {
			Build yaml.Node `yaml:"build"`
		} `yaml:"services"`
	}
	if yaml.Unmarshal(data, &doc) != nil {
		return
	}
	for _, s := range doc.Services {
		ctx, file := "", "Dockerfile"
		switch s.Build.Kind {
		case yaml.ScalarNode:
			ctx = s.Build.Value
		case yaml.MappingNode:
			var b struct {
				Context    string `yaml:"context"`
				Dockerfile string `yaml:"dockerfile"`
				Inline     string `yaml:"dockerfile_inline"`
			}
			if s.Build.Decode(&b) != nil || b.Inline != "" {
				continue
			}
			ctx = b.Context
			if ctx == "" {
				ctx = "."
			}
			if b.Dockerfile != "" {
				file = b.Dockerfile
			}
		default:
			continue
		}
		if !literal(ctx) || !literal(file) || path.IsAbs(ctx) || path.IsAbs(file) {
			continue
		}
		c := path.Join(dir, ctx)
		add(path.Join(c, file), c)
	}
}

// dockerBuildRe finds docker build and docker buildx build commands.
var dockerBuildRe = regexp.MustCompile(`\bdocker\s+(?:buildx\s+)?build\s+([^\n|;&]*)`)

// ghExprRe is a GitHub Actions expression, which may hold spaces.
var ghExprRe = regexp.MustCompile(`\$\{\{[^}]*\}\}`)

// workflowContexts reads docker/build-push-action steps (context:, file:)
// and docker build commands of a workflow; their paths start at the
// repository root.
func workflowContexts(data []byte, add func(df, ctx string)) {
	type defaults struct {
		Run struct {
			WorkingDirectory string `yaml:"working-directory"`
		} `yaml:"run"`
	}
	var doc struct {
		Defaults defaults `yaml:"defaults"`
		Jobs     map[string]struct {
			Defaults defaults `yaml:"defaults"`
			Steps    []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
				Run  string            `yaml:"run"`
				Dir  string            `yaml:"working-directory"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if yaml.Unmarshal(data, &doc) != nil {
		return
	}
	for _, j := range doc.Jobs {
		jobDir := doc.Defaults.Run.WorkingDirectory
		if j.Defaults.Run.WorkingDirectory != "" {
			jobDir = j.Defaults.Run.WorkingDirectory
		}
		for _, st := range j.Steps {
			runDir := jobDir
			if st.Dir != "" {
				runDir = st.Dir
			}
			if runDir == "" {
				runDir = "."
			}
			if strings.HasPrefix(st.Uses, "docker/build-push-action@") {
				ctx, file := st.With["context"], st.With["file"]
				if ctx == "" {
					ctx = "." // the Git context: the repository at the ref
				}
				if file == "" {
					file = path.Join(ctx, "Dockerfile")
				}
				if literal(ctx) && literal(file) {
					add(file, ctx)
				}
			}
			if !literal(runDir) || path.IsAbs(runDir) {
				continue
			}
			for _, m := range dockerBuildRe.FindAllStringSubmatch(strings.ReplaceAll(st.Run, "\\\n", " "), -1) {
				if df, ctx, ok := parseDockerBuild(m[1]); ok {
					add(path.Join(runDir, df), path.Join(runDir, ctx))
				}
			}
		}
	}
}

// parseDockerBuild reads -f/--file and the context of docker build's
// arguments; ok is false when either is not a plain path.
func parseDockerBuild(args string) (df, ctx string, ok bool) {
	f := strings.Fields(ghExprRe.ReplaceAllString(args, "$${expr}"))
	withValue := map[string]bool{"-t": true, "--tag": true, "--build-arg": true, "--target": true, "--platform": true,
		"--label": true, "--secret": true, "--cache-from": true, "--cache-to": true, "--output": true, "-o": true,
		"--build-context": true, "--network": true, "--progress": true, "--ssh": true}
	for i := 0; i < len(f); i++ {
		a := f[i]
		switch {
		case a == "-f" || a == "--file":
			if i+1 < len(f) {
				df = f[i+1]
				i++
			}
		case strings.HasPrefix(a, "--file="):
			df = strings.TrimPrefix(a, "--file=")
		case withValue[a]:
			i++
		case strings.HasPrefix(a, "-"):
		default:
			if ctx != "" {
				return "", "", false
			}
			ctx = a
		}
	}
	if ctx == "" || df == "-" || !literal(ctx) {
		return "", "", false
	}
	if df == "" {
		df = path.Join(ctx, "Dockerfile")
	}
	if !literal(df) {
		return "", "", false
	}
	return df, ctx, true
}

// commentContexts reads docker build commands in the comments of the
// Dockerfile at df; only one whose -f names df itself counts, so a usage
// comment run from another directory is not misread.
func commentContexts(data []byte, df string, add func(df, ctx string)) {
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "#") {
			continue
		}
		for _, m := range dockerBuildRe.FindAllStringSubmatch(l, -1) {
			if f, ctx, ok := parseDockerBuild(m[1]); ok && path.Clean(f) == df && strings.Contains(m[1], "-f") {
				add(f, ctx)
			}
		}
	}
}

// sortedScriptKeys returns the names of package.json scripts in order.
func sortedScriptKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
