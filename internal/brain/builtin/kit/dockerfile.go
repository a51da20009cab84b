package kit

import (
	"strings"
)

// Line is one line of the file with its line ending ("\n", "\r\n" or
// "" for a last line without one).
type Line struct{ Text, Eol string }

// SplitLines splits content into lines, keeping each line's ending.
func SplitLines(content []byte) []Line {
	var out []Line
	rest := string(content)
	for rest != "" {
		i := strings.IndexByte(rest, '\n')
		if i < 0 {
			out = append(out, Line{Text: rest})
			break
		}
		l := Line{Text: rest[:i], Eol: "\n"}
		if strings.HasSuffix(l.Text, "\r") {
			l.Text, l.Eol = l.Text[:len(l.Text)-1], "\r\n"
		}
		out = append(out, l)
		rest = rest[i+1:]
	}
	return out
}
