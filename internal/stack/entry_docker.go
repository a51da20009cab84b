package stack

import (
	"encoding/json"
	"path"
	"regexp"
	"strings"
)

// reDockerRun finds CMD and ENTRYPOINT instructions (one line each; a
// continued line is taken up to its backslash).
var reDockerRun = regexp.MustCompile(`(?mi)^\s*(CMD|ENTRYPOINT)\s+(.+?)\s*$`)

// reSafeArg is an argument a Start command can carry unquoted.
var reSafeArg = regexp.MustCompile(`^[A-Za-z0-9./_@+:=,-]+$`)

// dockerfileCommand returns the command the last stage of an existing
// Dockerfile runs (ENTRYPOINT then CMD), as arguments, and which
// instruction gave it.
func dockerfileCommand(text string) (args []string, from string) {
	var entry, cmd []string
	for _, m := range reDockerRun.FindAllStringSubmatch(text, -1) {
		body := strings.TrimSuffix(m[2], "\\")
		var list []string
		if strings.HasPrefix(body, "[") {
			if json.Unmarshal([]byte(body), &list) != nil {
				continue
			}
		} else {
			list = []string{"sh", "-c", body}
		}
		if strings.EqualFold(m[1], "ENTRYPOINT") {
			entry, cmd = list, nil // a new ENTRYPOINT resets CMD
		} else {
			cmd = list
		}
	}
	switch {
	case len(entry) > 0:
		return append(entry, cmd...), "ENTRYPOINT"
	case len(cmd) > 0:
		return cmd, "CMD"
	}
	return nil, ""
}

// dockerfileEntry takes the start command of a Node or Python unit from
// the Dockerfile in its directory when nothing else gave one: the image
// the team already runs says how the program starts. Compiled stacks run
// a binary built inside the image, which says nothing outside it.
func (d *detector) dockerfileEntry(s *Service) {
	if s.Start != "" || (s.Language != Python && s.Language != Node) {
		return
	}
	p := join(s.Dir, "Dockerfile")
	if !d.idx.has(p) {
		return
	}
	data, ok := d.r.read(p)
	if !ok {
		return
	}
	args, from := dockerfileCommand(string(data))
	if len(args) == 0 || (args[0] == "sh" && len(args) == 3) {
		return // a shell command line: too loose to rely on
	}
	for _, a := range args {
		if !reSafeArg.MatchString(a) {
			return
		}
	}
	s.Start = strings.Join(args, " ")
	why := "the existing Dockerfile's " + from
	for _, a := range args[1:] {
		switch path.Ext(a) {
		case ".py", ".js", ".mjs", ".cjs", ".ts":
			if !strings.HasPrefix(a, "/") && !strings.Contains(a, "..") && s.Entry == "" {
				s.Entry = strings.TrimPrefix(a, "./")
			}
		}
	}
	if s.EntryReason == "" {
		s.EntryReason = why
	} else {
		s.EntryReason += "; start from " + why
	}
	if s.Entry != "" {
		d.serverCall(s, s.Entry, map[Language]*regexp.Regexp{Python: rePyServe, Node: reNodeListen}[s.Language])
	}
}
