package validate

import (
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// argRefRe finds $NAME, ${NAME} and ${NAME:-default} references.
var argRefRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expandArgs substitutes the meta ARG defaults into a FROM image; ok is
// false when a reference has no value to resolve to.
func (df *dockerfile) expandArgs(s string) (string, bool) {
	ok := true
	out := argRefRe.ReplaceAllStringFunc(s, func(m string) string {
		sm := argRefRe.FindStringSubmatch(m)
		name, mod := sm[1], sm[2]
		if name == "" {
			name = sm[3]
		}
		if v, found := df.metaArgs[name]; found && v != nil && *v != "" {
			if strings.HasPrefix(mod, ":+") || strings.HasPrefix(mod, "+") {
				return strings.TrimLeft(mod, ":+")
			}
			return *v
		}
		if strings.HasPrefix(mod, ":-") || strings.HasPrefix(mod, "-") {
			if d := strings.TrimLeft(mod, ":-"); d != "" {
				return d
			}
		}
		ok = false
		return m
	})
	return out, ok
}

// imageTag splits an image reference into repository, tag and digest.
func imageTag(ref string) (repo, tag, digest string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref, digest = ref[:i], ref[i+1:]
	}
	slash := strings.LastIndex(ref, "/")
	if i := strings.LastIndex(ref, ":"); i > slash {
		return ref[:i], ref[i+1:], digest
	}
	return ref, "", digest
}

// checkBases checks every FROM: a tag that is not latest, or a digest.
// scratch and the names of earlier stages need neither.
func (df *dockerfile) checkBases() []Finding {
	var out []Finding
	stages := map[string]bool{}
	for _, s := range df.stages {
		raw := s.from.BaseName
		img, ok := df.expandArgs(raw)
		lower := strings.ToLower(img)
		switch {
		case !ok:
			out = append(out, ruleDockerfileBaseArg.at(df.path, s.fromLine, 1,
				"FROM %s uses a build argument without a default, so the base image is unknown; give the ARG a pinned default before the first FROM", raw))
		case lower == "scratch" || stages[lower] || df.named[lower]:
		default:
			repo, tag, digest := imageTag(img)
			switch {
			case digest != "":
			case tag == "":
				out = append(out, ruleDockerfileUntagged.at(df.path, s.fromLine, 1,
					"FROM %s has no tag, so it means %s:latest; pin a version tag", img, repo))
			case tag == "latest":
				out = append(out, ruleDockerfileLatest.at(df.path, s.fromLine, 1,
					"FROM %s uses the latest tag, which changes under you; pin a version tag", img))
			}
		}
		if s.from.Name != "" {
			stages[strings.ToLower(s.from.Name)] = true
		}
	}
	return out
}

// checkUser requires the final stage to end as a non-root user. A stage
// built on an earlier stage inherits its USER; a base image tagged nonroot
// (distroless) already runs as a non-root user.
func (df *dockerfile) checkUser() []Finding {
	final := df.last()
	s := final
	starts := false // a CMD or ENTRYPOINT in the chain: the image runs
	for hops := 0; s != nil && hops <= len(df.stages); hops++ {
		starts = starts || stageStarts(s)
		if u, line, found := lastUser(s); found {
			if isRootUser(u) {
				return []Finding{ruleDockerfileUserRoot.at(df.path, line, 1,
					"the final stage runs as %s; end it with USER <non-root uid>", u)}
			}
			return nil
		}
		img, known := df.expandArgs(s.from.BaseName)
		if !known {
			// FROM ${IMAGE} with no default: which user the base image
			// sets is unknown (dockerfile-base-arg says the base cannot
			// be checked), so "runs as root" would be a guess.
			return nil
		}
		if _, tag, _ := imageTag(img); strings.Contains(tag, "nonroot") {
			return nil
		}
		if isWindowsImage(img) {
			// Windows containers have no root or uid: they run as
			// ContainerAdministrator or ContainerUser, set by name.
			return nil
		}
		if strings.EqualFold(img, "scratch") && (!starts || startsWasm(final) || startsWasm(s)) {
			// An image of files only (no CMD or ENTRYPOINT), copied from
			// or mounted by others: it runs no process as any user. Nor
			// does one whose command is a WebAssembly module: a Wasm
			// runtime (platform wasi/wasm) runs it, with no Linux user.
			return nil
		}
		s = df.stageNamed(img, s)
	}
	return []Finding{ruleDockerfileUserMissing.at(df.path, final.fromLine, 1,
		"the final stage has no USER, so the container runs as root; add USER <non-root uid> after the steps that need root")}
}

// stageStarts reports whether a stage sets CMD or ENTRYPOINT.
func stageStarts(s *dfStage) bool {
	for _, c := range s.cmds {
		switch c.cmd.(type) {
		case *instructions.CmdCommand, *instructions.EntrypointCommand:
			return true
		}
	}
	return false
}

// startsWasm reports whether the last ENTRYPOINT (or, without one, the
// last CMD) of a stage runs a WebAssembly module (a .wasm file).
func startsWasm(s *dfStage) bool {
	var entry, cmd []string
	for _, c := range s.cmds {
		switch x := c.cmd.(type) {
		case *instructions.EntrypointCommand:
			entry = x.CmdLine
		case *instructions.CmdCommand:
			cmd = x.CmdLine
		}
	}
	if len(entry) == 0 {
		entry = cmd
	}
	if len(entry) == 0 {
		return false
	}
	first := strings.Fields(entry[0])
	return len(first) > 0 && strings.HasSuffix(strings.ToLower(first[0]), ".wasm")
}

// stageNamed returns the earlier stage named name, or nil.
func (df *dockerfile) stageNamed(name string, before *dfStage) *dfStage {
	for _, s := range df.stages {
		if s == before {
			return nil
		}
		if s.from.Name != "" && strings.EqualFold(s.from.Name, name) {
			return s
		}
	}
	return nil
}

func lastUser(s *dfStage) (user string, line int, found bool) {
	for _, c := range s.cmds {
		if u, ok := c.cmd.(*instructions.UserCommand); ok {
			user, line, found = u.User, c.line, true
		}
	}
	return user, line, found
}

func isRootUser(u string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return name == "root" || name == "0"
}

// compiledBases are toolchain images that should not be the runtime image.
var compiledBases = map[string][]string{
	"golang": {"go build", "go install"},
	"rust":   {"cargo build", "cargo install"},
	"maven":  {"mvn "},
	"gradle": {"gradle ", "gradlew "},
}

// checkSingleStage warns when the final stage is a toolchain image that
// also compiles: the image then ships the compiler and sources.
func (df *dockerfile) checkSingleStage() []Finding {
	s := df.last()
	img, _ := df.expandArgs(s.from.BaseName)
	repo, _, _ := imageTag(strings.ToLower(img))
	repo = strings.TrimPrefix(strings.TrimPrefix(repo, "docker.io/"), "library/")
	builds, ok := compiledBases[repo]
	if !ok {
		return nil
	}
	for _, c := range s.cmds {
		run, ok := c.cmd.(*instructions.RunCommand)
		if !ok {
			continue
		}
		script := runScript(run)
		for _, b := range builds {
			if strings.Contains(script+" ", b) {
				return []Finding{ruleDockerfileSingleStage.at(df.path, s.fromLine, 1,
					"the final stage is the %s toolchain image and compiles in place, so the image ships the compiler and sources; build in a stage and copy the artifact into a small runtime stage", repo)}
			}
		}
	}
	return nil
}
