package validate

import (
	"path"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"gopkg.in/yaml.v3"
)

// checkComposeRepo is checkCompose for a Compose file seen with its
// repository: interpolation uses the sibling .env; a service docker
// compose merges from the directory's base Compose file (an override or
// a deploy overlay, docker compose -f compose.yml -f compose.deploy.yml)
// is not called incomplete; and a service whose image is built from a
// Dockerfile with a HEALTHCHECK has a healthcheck, so services that
// depend on it are not told it has none.
func checkComposeRepo(p string, content []byte, opts Options) []Finding {
	out := checkComposeEnv(p, content, composeDotEnv(p, opts))
	wp, ok := joinInside(opts.Base, p)
	if !ok {
		return out
	}
	repo := newRepoView(opts.Workspace, opts.overlay)
	var base map[string]bool
	imageHealthy := map[string]bool{}
	if docs, err := yamlDocs(content); err == nil && len(docs) == 1 {
		_, services := ynGet(ynRoot(docs[0]), "services")
		for _, kv := range ynPairs(services) {
			if _, hc := ynGet(kv[1], "healthcheck"); hc == nil && composeBuildHealthcheck(repo, path.Dir(wp), kv[1]) {
				imageHealthy[kv[0].Value] = true
			}
		}
	}
	if !isComposeBaseName(path.Base(wp)) {
		// an overlay: a dependency's healthcheck may be in the base file
		for name := range composeBaseHealthy(repo, wp) {
			imageHealthy[name] = true
		}
	}
	kept := out[:0]
	for _, f := range out {
		switch f.Rule {
		case ruleComposeParse.ID:
			if m := composeIncompleteRe.FindStringSubmatch(f.Message); m != nil {
				if base == nil {
					base = composeBaseServices(repo, wp)
				}
				if base[m[1]] {
					continue
				}
			}
		case ruleComposeHealthcheckDep.ID, ruleComposeHealthcheck.ID:
			if m := composeDepRe.FindStringSubmatch(f.Message); m != nil && imageHealthy[m[1]] {
				continue
			}
		}
		kept = append(kept, f)
	}
	return kept
}

// composeIncompleteRe finds the service the loader calls incomplete, and
// composeDepRe the dependency a healthcheck finding is about.
var (
	composeIncompleteRe = regexp.MustCompile(`service "([^"]+)" has neither an image nor a build context`)
	composeDepRe        = regexp.MustCompile(`(?:depends on|waits for) (\S+?),? (?:which has no|to be healthy)`)
)

// composeBaseNames are the files docker compose reads by default; an
// overlay in the same directory is merged over one of them.
var composeBaseNames = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// composeBaseServices returns the services that the base Compose files
// beside wp (other than wp itself) define with an image or a build.
func composeBaseServices(repo repoView, wp string) map[string]bool {
	out := map[string]bool{}
	for _, name := range composeBaseNames {
		bp := path.Join(path.Dir(wp), name)
		if bp == wp {
			continue
		}
		data, ok := repo.readFile(bp)
		if !ok {
			continue
		}
		docs, err := yamlDocs(data)
		if err != nil || len(docs) != 1 {
			continue
		}
		_, services := ynGet(ynRoot(docs[0]), "services")
		for _, kv := range ynPairs(services) {
			_, img := ynGet(kv[1], "image")
			_, build := ynGet(kv[1], "build")
			if img != nil || build != nil {
				out[kv[0].Value] = true
			}
		}
	}
	return out
}

// isComposeBaseName reports whether name is one docker compose reads by
// default.
func isComposeBaseName(name string) bool {
	for _, b := range composeBaseNames {
		if name == b {
			return true
		}
	}
	return false
}

// composeBaseHealthy returns the services of the base Compose files
// beside wp that have a healthcheck there.
func composeBaseHealthy(repo repoView, wp string) map[string]bool {
	out := map[string]bool{}
	for _, name := range composeBaseNames {
		data, ok := repo.readFile(path.Join(path.Dir(wp), name))
		if !ok {
			continue
		}
		docs, err := yamlDocs(data)
		if err != nil || len(docs) != 1 {
			continue
		}
		_, services := ynGet(ynRoot(docs[0]), "services")
		for _, kv := range ynPairs(services) {
			if composeHasHealthcheck(kv[1]) {
				out[kv[0].Value] = true
			}
		}
	}
	return out
}

// composeBuildHealthcheck reports whether a service builds its image
// from a Dockerfile in the repository whose built stage (the target, or
// the last) or a stage it derives from sets a HEALTHCHECK other than NONE.
func composeBuildHealthcheck(repo repoView, dir string, svc *yaml.Node) bool {
	_, build := ynGet(svc, "build")
	if build == nil {
		return false
	}
	ctx, dockerfile, target := "", "Dockerfile", ""
	if s, ok := ynScalar(build); ok {
		ctx = s
	} else {
		ctx, _ = ynScalar(ynPath(build, "context"))
		if s, ok := ynScalar(ynPath(build, "dockerfile")); ok && s != "" {
			dockerfile = s
		}
		target, _ = ynScalar(ynPath(build, "target"))
	}
	if ctx == "" {
		ctx = "."
	}
	if strings.Contains(ctx, "://") || strings.ContainsAny(ctx+dockerfile+target, "$") || path.IsAbs(dockerfile) {
		return false
	}
	data, ok := repo.readFile(path.Clean(path.Join(dir, ctx, dockerfile)))
	if !ok {
		return false
	}
	df, err := parseDockerfile(dockerfile, data)
	if err != nil {
		return false
	}
	s := df.last()
	if target != "" {
		s = df.stageNamed(target, nil)
	}
	for hops := 0; s != nil && hops <= len(df.stages); hops++ {
		for i := len(s.cmds) - 1; i >= 0; i-- {
			if hc, ok := s.cmds[i].cmd.(*instructions.HealthCheckCommand); ok {
				return hc.Health != nil && (len(hc.Health.Test) == 0 || hc.Health.Test[0] != "NONE")
			}
		}
		img, _ := df.expandArgs(s.from.BaseName)
		s = df.stageNamed(img, s)
	}
	return false
}
