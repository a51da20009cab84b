// Package cli implements the devops-lead command line: run, detect,
// modes, validate, version and help. Each subcommand lives in its own file and
// registers itself here.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/suggest"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the work failed or found errors
	exitUsage = 2 // the command line was wrong
)

// Env is what a subcommand may touch of the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

type command struct {
	name    string
	summary string
	// run executes the subcommand with the arguments after its name and
	// returns the exit code.
	run func(env *Env, args []string) int
}

var commands = map[string]*command{}

// register adds a subcommand; subcommand files call it from init.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("cli: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// Main runs the command line and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv}
	return env.main(args)
}

func (env *Env) main(args []string) int {
	if len(args) == 0 {
		env.usage(env.Stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		env.usage(env.Stdout)
		return exitOK
	case "-v", "-version", "--version":
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(env.Stderr, "devops-lead: unknown command %q\n", args[0])
		if s := suggestCommand(name); s != "" {
			fmt.Fprintf(env.Stderr, "Did you mean %q?\n", s)
		}
		fmt.Fprintln(env.Stderr, "Run 'devops-lead help' for the list of commands.")
		return exitUsage
	}
	return c.run(env, args[1:])
}

func (env *Env) usage(w io.Writer) {
	fmt.Fprint(w, `devops-lead plans DevOps work from an issue and has specialist modes write
validated CI/CD, container, Compose, Terraform and Kubernetes changes.

Usage:
  devops-lead <command> [flags] [arguments]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Run 'devops-lead <command> --help' for a command's flags.
`)
}

// newFlags returns a flag set that reports errors instead of exiting and
// prints usage with the command's synopsis.
func newFlags(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: devops-lead %s\n", synopsis)
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args; it returns done=true with the exit code when the
// command should stop (help asked: 0, bad flags: 2).
func parseFlags(env *Env, fs *flag.FlagSet, args []string) (code int, done bool) {
	// The flag package prints errors and usage itself; catch that output
	// so help goes to stdout once and errors to stderr once.
	var msgs strings.Builder
	fs.SetOutput(&msgs)
	err := fs.Parse(args)
	fs.SetOutput(env.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(env.Stdout)
			fs.Usage()
			fs.SetOutput(env.Stderr)
			return exitOK, true
		}
		io.WriteString(env.Stderr, msgs.String())
		return exitUsage, true
	}
	return exitOK, false
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments ("modes show cicd-specialist --json",
// "validate . --format sarif"); after "--" everything is positional.
func parseInterspersed(env *Env, fset *flag.FlagSet, args []string) (pos []string, code int, done bool) {
	for {
		if code, done := parseFlags(env, fset, args); done {
			return nil, code, true
		}
		rest := fset.Args()
		if len(rest) == 0 {
			return pos, exitOK, false
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), exitOK, false
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageErr prints a usage error for the command and returns exit code 2.
func usageErr(env *Env, fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(env.Stderr, "devops-lead %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return exitUsage
}

// suggestCommand returns the command nearest to name, if it is near enough.
func suggestCommand(name string) string {
	var all []string
	for n := range commands {
		all = append(all, n)
	}
	sort.Strings(all)
	return suggest.Nearest(name, all, 2)
}

// version is set at build time with -ldflags "-X ...cli.version=v1.2.3";
// otherwise the module build info is used.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v = strings.TrimSuffix(v, "(devel)") + s.Value[:12]
			}
		}
		if v != "" {
			return v
		}
	}
	return "devel"
}

func init() {
	register(&command{name: "version", summary: "print the version", run: func(env *Env, args []string) int {
		fs := newFlags(env, "version", "version")
		if code, done := parseFlags(env, fs, args); done {
			return code
		}
		if fs.NArg() > 0 {
			return usageErr(env, fs, "takes no arguments")
		}
		fmt.Fprintf(env.Stdout, "devops-lead %s\n", versionString())
		return exitOK
	}})
	register(&command{name: "help", summary: "show help for devops-lead or a command", run: func(env *Env, args []string) int {
		if len(args) == 0 {
			env.usage(env.Stdout)
			return exitOK
		}
		c, ok := commands[args[0]]
		if !ok {
			fmt.Fprintf(env.Stderr, "devops-lead help: unknown command %q\n", args[0])
			return exitUsage
		}
		return c.run(env, []string{"--help"})
	}})
}
