package validate

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// runScript returns the shell text of a RUN: its command line and any
// heredoc bodies.
func runScript(r *instructions.RunCommand) string {
	s := strings.Join(r.CmdLine, " ")
	for _, f := range r.Files {
		s += "\n" + f.Data
	}
	return s
}

// checkRuns runs the RUN rules: pinned packages, apt hygiene, pipefail, cd
// and sudo. A SHELL with -o pipefail covers the RUNs after it in its stage.
func (df *dockerfile) checkRuns() []Finding {
	var out []Finding
	for _, s := range df.stages {
		pipefailShell := false
		for _, c := range s.cmds {
			switch x := c.cmd.(type) {
			case *instructions.ShellCommand:
				sh := strings.Join(x.Shell, " ")
				pipefailShell = strings.Contains(sh, "pipefail")
			case *instructions.RunCommand:
				out = append(out, df.checkRun(x, c, pipefailShell)...)
			}
		}
	}
	return out
}

func (df *dockerfile) checkRun(r *instructions.RunCommand, c dfCmd, pipefailShell bool) []Finding {
	line := c.line
	script := runScript(r)
	cmds, pipe := splitShell(script)
	var out []Finding
	if pipe && r.PrependShell && !pipefailShell && !strings.Contains(script, "pipefail") {
		out = append(out, ruleDockerfilePipefail.at(df.path, line, 1,
			"this RUN pipes commands without pipefail, so a failure on the left of | is ignored; add set -o pipefail && or a SHELL with -o pipefail"))
	}
	var (
		sawCd, sawSudo, aptInstall, noRecommends bool
		unpinned                                 = map[*Rule][]string{}
		order                                    []*Rule
	)
	addUnpinned := func(r *Rule, pkgs []string) {
		if len(pkgs) == 0 {
			return
		}
		if _, ok := unpinned[r]; !ok {
			order = append(order, r)
		}
		unpinned[r] = append(unpinned[r], pkgs...)
	}
	for _, c := range cmds {
		words, sudo := c.program()
		sawSudo = sawSudo || sudo
		if len(words) == 0 {
			continue
		}
		prog := path.Base(words[0])
		switch {
		case prog == "cd":
			sawCd = true
		case (prog == "apt-get" || prog == "apt") && hasWord(words, "install"):
			aptInstall = true
			if hasWord(words, "--no-install-recommends") || strings.Contains(strings.Join(words, " "), "Install-Recommends=false") {
				noRecommends = true
			}
			addUnpinned(&ruleDockerfileAptPin, packagesAfter(words, "install", []string{"-o", "-t", "--target-release"}, func(p string) bool {
				return strings.Contains(p, "=") || strings.HasPrefix(p, ".") || strings.HasPrefix(p, "/")
			}))
		case prog == "apk" && hasWord(words, "add"):
			addUnpinned(&ruleDockerfileApkPin, packagesAfter(words, "add", []string{"-t", "--virtual", "-X", "--repository", "-p", "--root"}, func(p string) bool {
				return strings.ContainsAny(p, "=<>~") || strings.HasPrefix(p, ".") || strings.HasPrefix(p, "/")
			}))
		case isPip(words) && hasWord(words, "install"):
			if hasWord(words, "-c") || hasWord(words, "--constraint") || hasPrefixWord(words, "--constraint=") {
				continue
			}
			addUnpinned(&ruleDockerfilePipPin, packagesAfter(words, "install", pipArgFlags, pipPinned))
		case prog == "npm" && (hasWord(words, "install") || hasWord(words, "i") || hasWord(words, "add")):
			verb := "install"
			for _, v := range []string{"i", "add"} {
				if hasWord(words, v) {
					verb = v
				}
			}
			addUnpinned(&ruleDockerfileNpmPin, packagesAfter(words, verb, []string{"--prefix", "--registry", "-w", "--workspace"}, npmPinned))
		case prog == "gem" && hasWord(words, "install"):
			if hasWord(words, "-v") || hasWord(words, "--version") || hasPrefixWord(words, "--version=") {
				continue
			}
			addUnpinned(&ruleDockerfileGemPin, packagesAfter(words, "install", []string{"-i", "--install-dir", "-n", "--bindir", "--source"}, func(p string) bool {
				return strings.Contains(p, ":") || strings.HasSuffix(p, ".gem")
			}))
		}
	}
	for _, rule := range order {
		out = append(out, rule.at(df.path, line, 1, "unpinned package(s) %s; pin each to a version so rebuilds are reproducible",
			strings.Join(unpinned[rule], ", ")))
	}
	if aptInstall && !noRecommends {
		out = append(out, ruleDockerfileNoRecommends.at(df.path, line, 1,
			"apt-get install without --no-install-recommends pulls in extra packages; add the flag"))
	}
	// apt-get dist-clean (apt 2.7+, Debian trixie) removes the lists too.
	if aptInstall && !strings.Contains(script, "/var/lib/apt/lists") && !aptDistCleanRe.MatchString(script) && !mountsAptCache(c.flags) {
		out = append(out, ruleDockerfileAptLists.at(df.path, line, 1,
			"the apt package lists stay in this layer; end the RUN with && rm -rf /var/lib/apt/lists/*"))
	}
	if sawCd {
		out = append(out, ruleDockerfileCd.at(df.path, line, 1, "cd inside RUN; set WORKDIR instead"))
	}
	if sawSudo {
		out = append(out, ruleDockerfileSudo.at(df.path, line, 1,
			"sudo inside RUN; run the step as USER root and switch back to the non-root user after"))
	}
	return out
}

// mountsAptCache reports whether the RUN mounts a cache over apt's lists
// (--mount=type=cache,target=/var/lib/apt...).
func mountsAptCache(flags []string) bool {
	for _, f := range flags {
		if strings.HasPrefix(f, "--mount=") && strings.Contains(f, "type=cache") && strings.Contains(f, "/var/lib/apt") {
			return true
		}
	}
	return false
}

var pipArgFlags = []string{"-r", "--requirement", "-e", "--editable", "-i", "--index-url", "--extra-index-url",
	"-t", "--target", "--prefix", "--root", "--trusted-host", "-f", "--find-links", "--platform",
	"--python-version", "--implementation", "--abi", "--only-binary", "--no-binary", "--src", "--cache-dir"}

func isPip(words []string) bool {
	p := path.Base(words[0])
	if strings.HasPrefix(p, "pip") {
		return true
	}
	return strings.HasPrefix(p, "python") && len(words) > 2 && words[1] == "-m" && strings.HasPrefix(words[2], "pip")
}

func pipPinned(p string) bool {
	return strings.Contains(p, "==") || strings.Contains(p, "~=") || strings.Contains(p, "@") ||
		strings.Contains(p, "://") || strings.HasPrefix(p, ".") || strings.HasPrefix(p, "/") ||
		strings.HasSuffix(p, ".whl") || strings.HasSuffix(p, ".tar.gz")
}

func npmPinned(p string) bool {
	return strings.LastIndex(p, "@") > 0 || strings.HasPrefix(p, ".") || strings.HasPrefix(p, "/") ||
		strings.Contains(p, "://") || strings.Contains(p, ":") || strings.HasSuffix(p, ".tgz")
}

// packagesAfter returns the words after verb that are package names (not
// flags, not the values of argFlags) and not pinned.
func packagesAfter(words []string, verb string, argFlags []string, pinned func(string) bool) []string {
	i := 0
	for i < len(words) && words[i] != verb {
		i++
	}
	var out []string
	for i++; i < len(words); i++ {
		w := words[i]
		if strings.HasPrefix(w, "-") {
			for _, f := range argFlags {
				if w == f {
					i++ // skip the flag's value
				}
			}
			continue
		}
		if strings.ContainsAny(w, "$`") || pinned(w) {
			continue
		}
		out = append(out, w)
	}
	return out
}

func hasWord(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

func hasPrefixWord(words []string, p string) bool {
	for _, x := range words {
		if strings.HasPrefix(x, p) {
			return true
		}
	}
	return false
}
