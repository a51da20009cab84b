package validate

import (
	"path"
	"regexp"
	"strings"
)

// optionalWordRe finds the idiom $(<condition> && echo '<one word>'): a
// command substitution that prints one word or nothing, left unquoted on
// purpose so that "nothing" adds no argument (docker-library's
// $(test "$arch" != riscv64 && echo '--with-lto')). Quoting it, as
// SC2046 asks, would pass an empty argument instead.
var optionalWordRe = regexp.MustCompile(`&&\s*(?:echo|printf)\s+(?:'[^'\s*?]+'|"[^"\s*?$]+"|[^\s'"*?$()]+)\s*\)`)

// packageListCmdRe finds a package manager command that takes a list of
// package names: apt-mark manual $savedAptMark, apk add $runDeps.
var packageListCmdRe = regexp.MustCompile(`\b(?:apt-mark\s+(?:manual|auto|hold|unhold)|apt(?:-get)?\s+(?:-\S+\s+)*(?:install|purge|remove)|apk\s+(?:-\S+\s+)*(?:add|del)|(?:yum|dnf|microdnf|tdnf|zypper)\s+(?:-\S+\s+)*(?:install|remove|erase))\b`)

// intendedSplitting reports whether a shellcheck comment on line i of a
// RUN script asks to quote what is split on purpose: SC2046 on the
// optional-word idiom, or SC2086 on a variable that holds a list of
// packages given to a package manager (docker-library's
// apt-mark manual $savedAptMark and apk add $runDeps, where quoting would
// pass the whole list as one name).
func intendedSplitting(code int, lines []string, i int) bool {
	if i < 0 || i >= len(lines) {
		return false
	}
	line := lines[i]
	switch code {
	case 2046:
		return strings.Count(line, "$(") == strings.Count(line, `"$(`)+1 && optionalWordRe.MatchString(line)
	case 2086:
		cmd := line
		for j := i - 1; j >= 0 && strings.HasSuffix(strings.TrimRight(lines[j], " \t"), "\\"); j-- {
			cmd = lines[j] + "\n" + cmd
		}
		// the command's own segment: from its last ; && || or | before
		// the flagged line
		if k := strings.LastIndexAny(cmd[:len(cmd)-len(line)], ";|&"); k >= 0 {
			cmd = cmd[k+1:]
		}
		return packageListCmdRe.MatchString(cmd)
	}
	return false
}

// aptDistCleanRe finds apt-get dist-clean, which deletes the package
// lists as rm -rf /var/lib/apt/lists/* does.
var aptDistCleanRe = regexp.MustCompile(`\bapt(?:-get)?\s+(?:-\S+\s+)*dist-clean\b`)

// subdirIgnoreFile reports a file named exactly .dockerignore in a
// directory below the root the paths are relative to.
func subdirIgnoreFile(p string) bool {
	p = strings.TrimPrefix(strings.ReplaceAll(p, `\`, "/"), "./")
	return strings.Contains(p, "/") && !strings.HasPrefix(p, "../") && !strings.HasPrefix(p, "/") && path.Base(p) == ".dockerignore"
}

// isWindowsImage reports a Windows base image (servercore, nanoserver,
// windows), whose users are Windows accounts, not uids.
func isWindowsImage(img string) bool {
	l := strings.ToLower(img)
	return strings.HasPrefix(l, "mcr.microsoft.com/windows") || strings.HasPrefix(l, "mcr.microsoft.com/powershell:") && strings.Contains(l, "windowsservercore") ||
		strings.HasPrefix(l, "microsoft/windowsservercore") || strings.HasPrefix(l, "microsoft/nanoserver")
}
