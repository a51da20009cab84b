package validate

import (
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// secretNameRe matches ARG and ENV names that hold secrets.
var secretNameRe = regexp.MustCompile(`(?i)(passw(or)?d|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?)`)

// secretNameSafeSuffixes end names that point at a secret instead of holding it.
var secretNameSafeSuffixes = []string{"_FILE", "_PATH", "_DIR", "_URL", "_NAME", "_ID_FILE"}

// archiveSuffixes are local files ADD unpacks, which COPY cannot.
var archiveSuffixes = []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst"}

// checkInstructions runs the per-instruction rules: ADD, CMD/ENTRYPOINT,
// WORKDIR, MAINTAINER, secrets in ARG/ENV, and the single-stage rule.
func (df *dockerfile) checkInstructions() []Finding {
	var out []Finding
	for _, c := range df.metaCmds {
		for _, a := range c.cmd.(*instructions.ArgCommand).Args {
			out = append(out, df.checkSecretName("ARG", a.Key, c.line)...)
		}
	}
	for _, s := range df.stages {
		cmds, entrypoints := 0, 0
		for _, c := range s.cmds {
			switch x := c.cmd.(type) {
			case *instructions.AddCommand:
				out = append(out, df.checkAdd(x, c.line)...)
			case *instructions.CmdCommand:
				cmds++
				out = append(out, df.checkExecForm("CMD", x.PrependShell, cmds, ruleDockerfileMultiCmd, c.line)...)
			case *instructions.EntrypointCommand:
				entrypoints++
				out = append(out, df.checkExecForm("ENTRYPOINT", x.PrependShell, entrypoints, ruleDockerfileMultiEntrypoint, c.line)...)
			case *instructions.WorkdirCommand:
				if !absolutePath(x.Path) {
					out = append(out, ruleDockerfileWorkdir.at(df.path, c.line, 1,
						"WORKDIR %s is relative to whatever the base image set; write an absolute path", x.Path))
				}
			case *instructions.MaintainerCommand:
				out = append(out, ruleDockerfileMaintainer.at(df.path, c.line, 1,
					"MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors"))
			case *instructions.ArgCommand:
				for _, a := range x.Args {
					out = append(out, df.checkSecretName("ARG", a.Key, c.line)...)
				}
			case *instructions.EnvCommand:
				for _, kv := range x.Env {
					out = append(out, df.checkSecretName("ENV", kv.Key, c.line)...)
				}
			}
		}
	}
	out = append(out, df.checkSingleStage()...)
	return out
}

func (df *dockerfile) checkAdd(a *instructions.AddCommand, line int) []Finding {
	var out []Finding
	local := false
	for _, src := range a.SourcePaths {
		lower := strings.ToLower(src)
		switch {
		case strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://"):
			if strings.HasSuffix(lower, ".git") || strings.Contains(lower, ".git#") {
				continue // a git source is pinned by its ref, not a checksum
			}
			if a.Checksum == "" {
				out = append(out, ruleDockerfileAddRemote.at(df.path, line, 1,
					"ADD %s downloads without verifying it; add --checksum=sha256:<digest> published by the file's owner", src))
			}
		case strings.HasPrefix(lower, "git@"):
		default:
			archive := false
			for _, s := range archiveSuffixes {
				if strings.HasSuffix(lower, s) {
					archive = true
				}
			}
			if !archive {
				local = true
			}
		}
	}
	if local {
		out = append(out, ruleDockerfileAddLocal.at(df.path, line, 1,
			"ADD of local files; use COPY, which does not unpack or fetch"))
	}
	return out
}

func (df *dockerfile) checkExecForm(name string, shellForm bool, n int, multi Rule, line int) []Finding {
	var out []Finding
	if shellForm {
		out = append(out, ruleDockerfileJSONCmd.at(df.path, line, 1,
			"%s uses the shell form, so the process does not get signals; write %s [\"executable\", \"arg\"]", name, name))
	}
	if n > 1 {
		out = append(out, multi.at(df.path, line, 1,
			"this stage has %d %s instructions and only the last one counts; keep one", n, name))
	}
	return out
}

func (df *dockerfile) checkSecretName(kind, name string, line int) []Finding {
	if !secretNameRe.MatchString(name) {
		return nil
	}
	upper := strings.ToUpper(name)
	for _, s := range secretNameSafeSuffixes {
		if strings.HasSuffix(upper, s) {
			return nil
		}
	}
	return []Finding{ruleDockerfileSecret.at(df.path, line, 1,
		"%s %s looks like a secret and would stay in the image history; use RUN --mount=type=secret,id=%s instead",
		kind, name, strings.ToLower(name))}
}

// absolutePath reports whether a WORKDIR path is absolute: /x, a variable
// (resolved elsewhere) or a Windows drive path.
func absolutePath(p string) bool {
	p = strings.Trim(p, `"'`)
	return strings.HasPrefix(p, "/") || strings.HasPrefix(p, "$") ||
		(len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/'))
}
