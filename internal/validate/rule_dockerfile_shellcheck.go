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

// intendedSplitting reports whether an SC2046 comment on a RUN script's
// line is about the optional-word idiom.
func intendedSplitting(code int, scriptLine string) bool {
	return code == 2046 && strings.Count(scriptLine, "$(") == strings.Count(scriptLine, `"$(`)+1 && optionalWordRe.MatchString(scriptLine)
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
