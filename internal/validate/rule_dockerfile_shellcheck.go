package validate

import (
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
