package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/rhysd/actionlint"
)

// ruleShellcheck is the family of shellcheck's findings; each finding
// carries the id shellcheck/SC<code>.
var ruleShellcheck = register(Rule{
	ID: "shellcheck", Kind: KindAny, Severity: Warning,
	Summary: "workflow run: scripts (through actionlint, as actionlint -shellcheck does) and Dockerfile RUN lines in sh or bash pass shellcheck, " +
		"when shellcheck is on the PATH; findings carry the id shellcheck/SC<code> and shellcheck's level (error, warning; info and style are notes)",
	Help: "see https://www.shellcheck.net/wiki/ for the check named by the code",
})

// ShellcheckTimeout bounds one shellcheck run over a Dockerfile's RUN
// lines.
const ShellcheckTimeout = 30 * time.Second

// Slots bound the shellcheck processes: a Dockerfile runs one, and a
// workflow up to one per CPU at once (actionlint runs shellcheck once per
// run: step, NumCPU at a time), so at most two workflows are checked at
// once: at most 3×NumCPU processes in all.
var (
	dockerfileSlots = make(chan struct{}, max(1, runtime.NumCPU()))
	workflowSlots   = make(chan struct{}, 2)
)

// checkShellcheck runs shellcheck over the shell of a workflow or a
// Dockerfile when exe (the shellcheck executable) is set.
func checkShellcheck(exe, p string, content []byte, kind Kind) []Finding {
	if exe == "" || (kind != KindWorkflow && kind != KindDockerfile) {
		return nil
	}
	if _, err := exec.LookPath(exe); err != nil {
		return []Finding{{Path: p, Rule: ruleShellcheck.ID, Severity: Note,
			Message: fmt.Sprintf("shellcheck did not run on this file: %v", err)}}
	}
	slots := dockerfileSlots
	if kind == KindWorkflow {
		slots = workflowSlots
	}
	slots <- struct{}{}
	defer func() { <-slots }()
	if kind == KindWorkflow {
		return shellcheckWorkflow(exe, p, content)
	}
	return shellcheckDockerfile(exe, p, content)
}

// shellcheckFinding builds the finding of one shellcheck comment.
func shellcheckFinding(p string, line, col, code int, level, msg string) Finding {
	sev := Note
	switch level {
	case "error":
		sev = Error
	case "warning":
		sev = Warning
	}
	id := fmt.Sprintf("SC%04d", code)
	return Finding{Path: p, Line: line, Col: col, Rule: ruleShellcheck.ID + "/" + id, Severity: sev,
		Message: fmt.Sprintf("%s (shellcheck %s)", strings.TrimSuffix(msg, "."), level),
		Help:    "see https://www.shellcheck.net/wiki/" + id}
}

// reActionlintShellcheck is the message actionlint's shellcheck rule
// writes: SC<code>:<level>:<script line>:<column>: <message>.
var reActionlintShellcheck = regexp.MustCompile(`^shellcheck reported issue in this script: SC(\d+):(\w+):(-?\d+):(\d+): (.*)$`)

// ShellcheckWorkflowErrors runs actionlint's own shellcheck rule (the
// Linter with LinterOptions.Shellcheck, every other rule removed) over a
// workflow, without reading any file or configuration from disk.
func ShellcheckWorkflowErrors(exe string, content []byte) ([]*actionlint.Error, error) {
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{
		Shellcheck: exe,
		OnRulesCreated: func(rs []actionlint.Rule) []actionlint.Rule {
			var keep []actionlint.Rule
			for _, r := range rs {
				if r.Name() == "shellcheck" {
					keep = append(keep, r)
				}
			}
			return keep
		},
	})
	if err != nil {
		return nil, fmt.Errorf("set up actionlint: %w", err)
	}
	// "<stdin>" keeps actionlint from looking for a project and its
	// .github/actionlint.yaml on disk.
	errs, err := l.Lint("<stdin>", content, nil)
	if err != nil {
		return nil, fmt.Errorf("actionlint with shellcheck: %w", err)
	}
	var out []*actionlint.Error
	for _, e := range errs {
		if e.Kind == "shellcheck" {
			out = append(out, e)
		}
	}
	return out, nil
}

// shellcheckWorkflow reports shellcheck's findings on a workflow's run:
// scripts at their line and column in the workflow where the script is a
// literal block (run: |) or one line, else at the run: key as actionlint
// does.
func shellcheckWorkflow(exe, p string, content []byte) []Finding {
	w, _ := actionlint.Parse(content)
	if w == nil {
		return nil // workflow-parse and actionlint report why
	}
	runs := map[actionlint.Pos]*actionlint.String{}
	for _, j := range w.Jobs {
		if j == nil {
			continue
		}
		for _, s := range j.Steps {
			if s == nil {
				continue
			}
			if r, ok := s.Exec.(*actionlint.ExecRun); ok && r.Run != nil && r.RunPos != nil {
				runs[*r.RunPos] = r.Run
			}
		}
	}
	errs, err := ShellcheckWorkflowErrors(exe, content)
	if err != nil {
		return []Finding{{Path: p, Rule: ruleShellcheck.ID, Severity: Note,
			Message: fmt.Sprintf("shellcheck did not run on this workflow: %v", err)}}
	}
	lines := strings.Split(string(content), "\n")
	var out []Finding
	for _, e := range errs {
		m := reActionlintShellcheck.FindStringSubmatch(e.Message)
		if m == nil {
			continue
		}
		code, _ := strconv.Atoi(m[1])
		sl, _ := strconv.Atoi(m[3])
		sc, _ := strconv.Atoi(m[4])
		line, col := e.Line, e.Column
		if v := runs[actionlint.Pos{Line: e.Line, Col: e.Column}]; v != nil && v.Pos != nil {
			if l, c, ok := mapScriptPos(lines, v, sl, sc); ok {
				line, col = l, c
			}
		}
		out = append(out, shellcheckFinding(p, line, col, code, m[2], m[5]))
	}
	return out
}

// mapScriptPos maps a position in a run: script (1-based line and column
// of the script text) to the workflow: a literal block scalar keeps the
// script's lines below the indicator, indented; a plain or quoted
// one-line script sits at the value. Folded and multi-line flow scalars
// cannot be mapped.
func mapScriptPos(lines []string, v *actionlint.String, sl, sc int) (int, int, bool) {
	vl, vc := v.Pos.Line, v.Pos.Col
	if vl < 1 || vl > len(lines) || sl < 1 {
		return 0, 0, false
	}
	head := lines[vl-1]
	if vc < 1 || vc > len(head) {
		return 0, 0, false
	}
	switch head[vc-1] {
	case '|':
		indent := -1
		for i := vl; i < len(lines); i++ {
			if t := strings.TrimSpace(lines[i]); t != "" {
				indent = len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
				break
			}
		}
		target := vl + sl
		if indent < 0 || target > len(lines) {
			return 0, 0, false
		}
		return target, indent + sc, true
	case '>':
		return 0, 0, false
	}
	if strings.Contains(v.Value, "\n") || sl != 1 {
		return 0, 0, false
	}
	if v.Quoted {
		return vl, vc + sc, true
	}
	return vl, vc + sc - 1, true
}

// dockerfileExcluded are the shellcheck codes not reported on RUN lines:
// sourced files are not there (SC1090, SC1091), ARG and ENV assign the
// variables a RUN reads (SC2153, SC2154), and busybox sh is ash (SC2187).
const dockerfileExcluded = "SC1090,SC1091,SC2153,SC2154,SC2187"

// runScriptSource is one RUN's shell, cut from the Dockerfile with its
// line breaks, to be checked with shell.
type runScriptSource struct {
	line   int    // the Dockerfile line the RUN starts on
	shell  string // sh, bash, dash or ksh
	script string // the RUN's source with RUN and its flags blanked
}

// dockerfileRunScripts returns the shell-form RUNs of a Dockerfile with
// the shell of their stage (SHELL, inherited from a stage built on
// another). RUNs with heredocs, exec-form RUNs and RUNs under a shell
// shellcheck does not know (pwsh, cmd) are left out, as is every RUN of a
// Dockerfile whose escape character is not a backslash.
func dockerfileRunScripts(content []byte) []runScriptSource {
	res, err := parser.Parse(bytes.NewReader(content))
	if err != nil || res.EscapeToken != '\\' {
		return nil
	}
	lines := strings.Split(string(content), "\n")
	stageShell := map[string]string{} // the shell each named stage ends with
	shell, current := "sh", ""
	var out []runScriptSource
	for _, n := range res.AST.Children {
		switch strings.ToLower(n.Value) {
		case "from":
			shell, current = "sh", ""
			var words []string
			for x := n.Next; x != nil; x = x.Next {
				words = append(words, x.Value)
			}
			if len(words) > 0 {
				if s, ok := stageShell[strings.ToLower(words[0])]; ok {
					shell = s // built on an earlier stage: its SHELL holds
				}
			}
			if len(words) >= 3 && strings.EqualFold(words[1], "as") {
				current = strings.ToLower(words[2])
				stageShell[current] = shell
			}
		case "shell":
			shell = ""
			if n.Next != nil {
				switch path.Base(n.Next.Value) {
				case "bash":
					shell = "bash"
				case "sh", "ash":
					shell = "sh"
				case "dash":
					shell = "dash"
				case "ksh", "mksh":
					shell = "ksh"
				}
			}
			if current != "" {
				stageShell[current] = shell
			}
		case "run":
			if shell == "" || n.Attributes["json"] || len(n.Heredocs) > 0 || n.StartLine < 1 || n.EndLine > len(lines) {
				continue
			}
			script, ok := blankRunPrefix(strings.Join(lines[n.StartLine-1:n.EndLine], "\n"))
			if ok {
				out = append(out, runScriptSource{line: n.StartLine, shell: shell, script: script})
			}
		}
	}
	return out
}

// blankRunPrefix replaces the RUN keyword and its --flags with spaces, and
// comment and blank lines inside the continuation (which the Dockerfile
// parser drops) with a lone backslash, so that shellcheck's lines and
// columns are the Dockerfile's.
func blankRunPrefix(src string) (string, bool) {
	b := []byte(src)
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	if len(b) < i+3 || !strings.EqualFold(string(b[i:i+3]), "run") {
		return "", false
	}
	for k := i; k < i+3; k++ {
		b[k] = ' '
	}
	i += 3
	for i < len(b) {
		switch {
		case b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r':
			i++
		case b[i] == '\\' && i+1 < len(b) && (b[i+1] == '\n' || b[i+1] == '\r'):
			b[i] = ' '
			i++
		case b[i] == '-' && i+1 < len(b) && b[i+1] == '-':
			for i < len(b) && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' {
				b[i] = ' '
				i++
			}
		default:
			goto body
		}
	}
body:
	ls := strings.Split(string(b), "\n")
	for k := 1; k < len(ls); k++ {
		t := strings.TrimSpace(ls[k])
		if (t == "" || strings.HasPrefix(t, "#")) && strings.HasSuffix(strings.TrimRight(ls[k-1], " \t\r"), "\\") {
			ls[k] = "\\"
		}
	}
	return strings.Join(ls, "\n"), true
}

// shellcheckJSON1 is shellcheck's -f json1 output.
type shellcheckJSON1 struct {
	Comments []struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
		Level   string `json:"level"`
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"comments"`
}

// shellcheckDockerfile checks every shell-form RUN of a Dockerfile with
// one shellcheck process: each RUN is a file starting with a
// "# shellcheck shell=" directive for its stage's shell, and each comment
// is mapped back to the Dockerfile line and column.
func shellcheckDockerfile(exe, p string, content []byte) []Finding {
	runs := dockerfileRunScripts(content)
	if len(runs) == 0 {
		return nil
	}
	fail := func(err error) []Finding {
		return []Finding{{Path: p, Rule: ruleShellcheck.ID, Severity: Note,
			Message: fmt.Sprintf("shellcheck did not run on this Dockerfile's RUN lines: %v", err)}}
	}
	dir, err := os.MkdirTemp("", "devops-lead-shellcheck-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	byFile := map[string]runScriptSource{}
	args := []string{"--norc", "-f", "json1", "-e", dockerfileExcluded}
	for i, r := range runs {
		name := filepath.Join(dir, fmt.Sprintf("run%d.sh", i))
		if err := os.WriteFile(name, []byte("# shellcheck shell="+r.shell+"\n"+r.script+"\n"), 0o600); err != nil {
			return fail(err)
		}
		byFile[name] = r
		args = append(args, name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ShellcheckTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	// shellcheck exits 1 when it has comments; anything else is a failure.
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return fail(fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String())))
	}
	var res shellcheckJSON1
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return fail(fmt.Errorf("read its JSON output: %w", err))
	}
	var out []Finding
	for _, c := range res.Comments {
		r, ok := byFile[c.File]
		if !ok || c.Line < 2 {
			continue
		}
		if intendedSplitting(c.Code, strings.Split(r.script, "\n"), c.Line-2) {
			continue
		}
		out = append(out, shellcheckFinding(p, r.line+c.Line-2, c.Column, c.Code, c.Level, c.Message))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}
