package validate

import (
	"path"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/devops-lead/devops-lead/internal/images"
)

var (
	ruleDockerfileEntryMissing = register(Rule{
		ID: "dockerfile-entrypoint-missing", Kind: KindDockerfile, Severity: Error,
		Summary: "the absolute program a final stage's ENTRYPOINT or CMD starts must be copied into that stage",
		Help: "point ENTRYPOINT/CMD at the path the COPY --from writes (or copy the binary to the path it names); " +
			"checked only where it can be proven: a final stage from scratch, distroless or a plain OS or language image, without RUN",
	})
	ruleDockerfileTagMissing = register(Rule{
		ID: "dockerfile-base-tag-missing", Kind: KindDockerfile, Severity: Error,
		Summary: "a base image tag must exist: the version must be published with that variant (per the images table)",
		Help: "pick a tag the image publishes for that version (the message lists them; internal/images/images.yaml records the versions per variant " +
			"from the Docker Official Images library files), or a newer version with the same variant",
	})
)

// noEntrypointBases are images with no ENTRYPOINT of their own (so CMD's
// first word is the program) and with nothing outside the usual system
// directories: a program there must come from the Dockerfile.
var noEntrypointBases = map[string]bool{
	"alpine": true, "debian": true, "ubuntu": true, "busybox": true,
	"golang": true, "rust": true, "python": true, "eclipse-temurin": true, "amazoncorretto": true,
}

// systemDirs are the top-level directories a base image may fill.
var systemDirs = map[string]bool{
	"bin": true, "boot": true, "dev": true, "etc": true, "home": true, "lib": true, "lib32": true, "lib64": true,
	"libx32": true, "media": true, "mnt": true, "opt": true, "proc": true, "root": true, "run": true, "sbin": true,
	"srv": true, "sys": true, "tmp": true, "usr": true, "var": true, "go": true, "nix": true,
}

// distrolessNoEntrypoint are the distroless images without an ENTRYPOINT
// (java, python and nodejs images start their runtime).
var distrolessNoEntrypoint = regexp.MustCompile(`^gcr\.io/distroless/(static|base|base-nossl|cc)(-debian\d+)?$`)

// checkEntrypoint reports an absolute program the final stage starts that
// no COPY or ADD of that stage writes. It stays silent wherever the path
// could come from elsewhere: a final stage built on an earlier stage, an
// unknown base image, a RUN in the final stage, variables in the path.
func (df *dockerfile) checkEntrypoint() []Finding {
	s := df.last()
	img, ok := df.expandArgs(s.from.BaseName)
	if !ok || df.stageNamed(img, s) != nil {
		return nil
	}
	repo, tag, _ := imageTag(strings.ToLower(img))
	repo = images.NormalizeImage(repo)
	scratch := repo == "scratch"
	// distroless java, python and nodejs images ship their runtime
	// outside the usual directories, and :debug tags add /busybox.
	bare := scratch || (distrolessNoEntrypoint.MatchString(repo) && !strings.Contains(tag, "debug"))
	if !bare && !noEntrypointBases[repo] {
		return nil
	}
	var exe string
	var line int
	workdir := "/"
	var writes []dfCmd
	for _, c := range s.cmds {
		switch x := c.cmd.(type) {
		case *instructions.RunCommand, *instructions.OnbuildCommand:
			return nil
		case *instructions.WorkdirCommand:
			workdir = resolveIn(workdir, x.Path)
		case *instructions.CopyCommand, *instructions.AddCommand:
			writes = append(writes, dfCmd{cmd: c.cmd, line: c.line, flags: []string{workdir}})
		case *instructions.EntrypointCommand:
			exe, line = firstWord(x.ShellDependantCmdLine), c.line
		case *instructions.CmdCommand:
			if (bare || noEntrypointBases[repo]) && !hasEntrypoint(s) {
				exe, line = firstWord(x.ShellDependantCmdLine), c.line
			}
		}
	}
	if !strings.HasPrefix(exe, "/") || strings.ContainsAny(exe, "$*?[") {
		return nil
	}
	exe = path.Clean(exe)
	if top, _, _ := strings.Cut(strings.TrimPrefix(exe, "/"), "/"); !scratch && systemDirs[top] {
		return nil // the base image may ship it
	}
	var produced []string
	for _, w := range writes {
		targets, all := df.copyTargets(w)
		if all {
			return nil
		}
		for _, t := range targets {
			if t == "/" || t == exe || strings.HasPrefix(exe, t+"/") {
				return nil
			}
		}
		produced = append(produced, targets...)
	}
	what := "nothing"
	if len(produced) > 0 {
		what = strings.Join(produced, ", ")
	}
	return []Finding{ruleDockerfileEntryMissing.at(df.path, line, 1,
		"the final stage starts %s, but its COPY/ADD write %s and %s has no such program; point ENTRYPOINT/CMD at the copied path or copy the program to %s",
		exe, what, img, exe)}
}

func hasEntrypoint(s *dfStage) bool {
	for _, c := range s.cmds {
		if _, ok := c.cmd.(*instructions.EntrypointCommand); ok {
			return true
		}
	}
	return false
}

// firstWord is the program of an exec-form or shell-form command line.
func firstWord(c instructions.ShellDependantCmdLine) string {
	if len(c.CmdLine) == 0 {
		return ""
	}
	if c.PrependShell {
		f := strings.Fields(c.CmdLine[0])
		if len(f) == 0 || strings.ContainsAny(c.CmdLine[0], "|&;<>()`") {
			return ""
		}
		return f[0]
	}
	return c.CmdLine[0]
}

// resolveIn resolves a container path against a working directory.
func resolveIn(dir, p string) string {
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join(dir, p)
}

// copyTargets returns the paths a COPY or ADD of the final stage writes:
// the destination itself, or the destination directory's entry for each
// source known to be a file. all is set when the instruction may write
// anything (a variable, ADD of an archive, --parents).
func (df *dockerfile) copyTargets(w dfCmd) (targets []string, all bool) {
	workdir := w.flags[0]
	var sd instructions.SourcesAndDest
	var from string
	switch x := w.cmd.(type) {
	case *instructions.CopyCommand:
		if x.Parents {
			return nil, true
		}
		sd, from = x.SourcesAndDest, x.From
	case *instructions.AddCommand:
		sd = x.SourcesAndDest
		for _, s := range sd.SourcePaths {
			for _, a := range archiveSuffixes {
				if strings.HasSuffix(strings.ToLower(s), a) {
					return nil, true
				}
			}
		}
	}
	if strings.Contains(sd.DestPath, "$") {
		return nil, true
	}
	dest := resolveIn(workdir, sd.DestPath)
	base := path.Base(sd.DestPath)
	intoDir := strings.HasSuffix(sd.DestPath, "/") || base == "." || base == ".." || len(sd.SourcePaths)+len(sd.SourceContents) > 1
	if !intoDir {
		return []string{dest}, false
	}
	for _, c := range sd.SourceContents {
		targets = append(targets, path.Join(dest, path.Base(c.Path)))
	}
	for _, s := range sd.SourcePaths {
		if from != "" && df.builtFile(from, s) {
			targets = append(targets, path.Join(dest, path.Base(s)))
			continue
		}
		// A source that may be a directory copies its contents into
		// dest, so anything under dest may exist.
		targets = append(targets, dest)
	}
	return targets, false
}

// goOutputRe finds the output of go build -o.
var goOutputRe = regexp.MustCompile(`\bgo\s+build\b[^\n;&|]*?\s-o[= ]\s*(\S+)`)

// builtFile reports whether the stage named from writes src as a file
// with go build -o (so COPY --from copies a file, not a directory).
func (df *dockerfile) builtFile(from, src string) bool {
	for _, s := range df.stages {
		if !strings.EqualFold(s.from.Name, from) {
			continue
		}
		workdir := "/"
		for _, c := range s.cmds {
			switch x := c.cmd.(type) {
			case *instructions.WorkdirCommand:
				workdir = resolveIn(workdir, x.Path)
			case *instructions.RunCommand:
				for _, m := range goOutputRe.FindAllStringSubmatch(runScript(x), -1) {
					out := strings.Trim(m[1], `"'`)
					if !strings.HasSuffix(out, "/") && resolveIn(workdir, out) == resolveIn(workdir, src) {
						return true
					}
				}
			}
		}
	}
	return false
}

// checkBaseTags reports FROM lines whose tag the images table knows was
// never published.
func (df *dockerfile) checkBaseTags() []Finding {
	tbl, err := images.Load()
	if err != nil {
		return nil // the images package's own tests keep the table loadable
	}
	var out []Finding
	stages := map[string]bool{}
	for _, s := range df.stages {
		img, ok := df.expandArgs(s.from.BaseName)
		if ok && !stages[strings.ToLower(img)] {
			if repo, tag, digest := imageTag(img); tag != "" && digest == "" {
				if m := tbl.MissingTag(repo, tag); m != nil {
					out = append(out, ruleDockerfileTagMissing.at(df.path, s.fromLine, 1,
						"FROM %s cannot be pulled: %v; pick a published tag", img, m))
				}
			}
		}
		if s.from.Name != "" {
			stages[strings.ToLower(s.from.Name)] = true
		}
	}
	return out
}
