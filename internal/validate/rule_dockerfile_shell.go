package validate

import "strings"

// shellCmd is one simple command of a RUN script, split into words with
// quotes removed.
type shellCmd []string

// splitShell cuts a POSIX shell script into simple commands at &&, ||, |,
// ;, & and newlines, honouring quotes, backslashes and # comments. pipe
// reports whether a real pipe (not ||) joins two commands. It is a
// linter's approximation, not a shell: good enough to find commands.
func splitShell(script string) (cmds []shellCmd, pipe bool) {
	var (
		cur     shellCmd
		word    strings.Builder
		inWord  bool
		quote   byte
		flushWd = func() {
			if inWord {
				cur = append(cur, word.String())
				word.Reset()
				inWord = false
			}
		}
		flushCmd = func() {
			flushWd()
			if len(cur) > 0 {
				cmds = append(cmds, cur)
				cur = nil
			}
		}
	)
	for i := 0; i < len(script); i++ {
		c := script[i]
		if quote != 0 {
			switch {
			case c == quote:
				quote = 0
			case c == '\\' && quote == '"' && i+1 < len(script):
				i++
				word.WriteByte(script[i])
			default:
				word.WriteByte(c)
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote, inWord = c, true
		case '\\':
			if i+1 < len(script) {
				i++
				if script[i] != '\n' {
					word.WriteByte(script[i])
					inWord = true
				}
			}
		case ' ', '\t', '\r':
			flushWd()
		case '\n', ';', '(', ')':
			flushCmd()
		case '&':
			flushCmd()
			if i+1 < len(script) && script[i+1] == '&' {
				i++
			}
		case '|':
			flushCmd()
			if i+1 < len(script) && script[i+1] == '|' {
				i++
			} else {
				pipe = true
			}
		case '#':
			if inWord {
				word.WriteByte(c)
				continue
			}
			for i < len(script) && script[i] != '\n' {
				i++
			}
			flushCmd()
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	flushCmd()
	return cmds, pipe
}

// program strips leading VAR=value assignments and returns the command's
// words from the program name on, plus whether it ran under sudo.
func (c shellCmd) program() (words []string, sudo bool) {
	words = c
	for len(words) > 0 {
		w := words[0]
		switch {
		case w == "sudo":
			sudo = true
			words = words[1:]
			for len(words) > 0 && strings.HasPrefix(words[0], "-") {
				words = words[1:]
			}
		case w == "env" || w == "exec" || w == "command" || w == "time" || w == "nohup":
			words = words[1:]
		case strings.Contains(w, "=") && !strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "="):
			words = words[1:]
		default:
			return words, sudo
		}
	}
	return words, sudo
}
