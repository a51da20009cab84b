package cicd

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// ciSvc is one service as the CI job builders see it: the service, the
// workspace, and notes for people (versions assumed, tools missing).
type ciSvc struct {
	ws    fs.FS
	s     stack.Service
	notes []string
}

// file returns the slash path of name inside the service directory.
func (c *ciSvc) file(name string) string { return path.Join(c.s.Dir, name) }

// has reports whether name exists in the service directory.
func (c *ciSvc) has(name string) bool {
	return c.ws != nil && workspace.Exists(c.ws, c.file(name))
}

// read returns a file of the service directory, or nil.
func (c *ciSvc) read(name string) []byte {
	if c.ws == nil {
		return nil
	}
	b, err := workspace.ReadFile(c.ws, c.file(name), 0)
	if err != nil {
		return nil
	}
	return b
}

func (c *ciSvc) note(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf("%s: ", c.s.Dir)+fmt.Sprintf(format, args...))
}

// ciSteps builds the steps of one service's CI job (after the checkout)
// and the job's timeout.
func ciSteps(c *ciSvc) ([]ciStep, []ciKV, int, error) {
	switch c.s.Language {
	case stack.Go:
		st, err := ciGo(c)
		return st, nil, 15, err
	case stack.Node:
		st, err := ciNode(c)
		return st, nil, 15, err
	case stack.Python:
		return ciPython(c)
	case stack.Rust:
		st, env, err := ciRust(c)
		return st, env, 30, err
	case stack.Java:
		st, err := ciJava(c)
		return st, nil, 20, err
	}
	return nil, nil, 0, fmt.Errorf("service %s: the built-in CI/CD specialist has no CI recipe for language %q (it knows go, node, python, rust, java)",
		c.s.Dir, c.s.Language)
}

var ciVersionRE = regexp.MustCompile(`^\d+(\.\d+){0,2}$`)

// ciVersion returns the service's stated version when it is a plain
// version number, "" otherwise.
func ciVersion(c *ciSvc) string {
	v := strings.TrimPrefix(strings.TrimSpace(c.s.Version), "v")
	if ciVersionRE.MatchString(v) {
		return v
	}
	return ""
}

// ciNoVersion says why no version could be used: none stated (looked for
// in where), or one that is not a plain version number.
func ciNoVersion(c *ciSvc, where string) string {
	if v := strings.TrimSpace(c.s.Version); v != "" {
		return fmt.Sprintf("the stated version %q is not a plain version number", v)
	}
	return "no version stated (" + where + ")"
}

func ciGo(c *ciSvc) ([]ciStep, error) {
	var w []string
	switch {
	case c.has("go.mod"):
		w = append(w, "go-version-file", c.file("go.mod"))
	case ciVersion(c) != "":
		w = append(w, "go-version", ciVersion(c))
	default:
		w = append(w, "go-version", "stable")
		c.note("no go.mod or Go version found; CI uses the latest stable Go")
	}
	if c.has("go.sum") {
		w = append(w, "cache-dependency-path", c.file("go.sum"))
	} else {
		w = append(w, "cache", "false")
	}
	setup, err := ciAction("Set up Go", "actions/setup-go", ciWith(w...))
	if err != nil {
		return nil, err
	}
	return []ciStep{setup,
		ciRun("Vet", "go vet ./..."),
		ciRun("Test", "go test -race ./..."),
		ciRun("Build", "go build ./..."),
	}, nil
}

func ciRust(c *ciSvc) ([]ciStep, []ciKV, error) {
	var steps []ciStep
	if c.has("rust-toolchain.toml") || c.has("rust-toolchain") {
		steps = append(steps,
			ciRun("Install the pinned Rust toolchain", "rustup toolchain install"),
			ciRun("Add rustfmt and clippy", "rustup component add rustfmt clippy"))
	} else {
		v := ciVersion(c)
		if v == "" {
			v = "stable"
		}
		steps = append(steps,
			ciRun("Install Rust "+v, "rustup toolchain install "+v+" --profile minimal --component rustfmt,clippy"),
			ciRun("Use Rust "+v, "rustup default "+v))
	}
	if _, err := pins.Action("Swatinem/rust-cache"); err == nil {
		var w []string
		if c.s.Dir != "." {
			w = append(w, "workspaces", c.s.Dir+" -> target")
		}
		st, err := ciAction("Cache cargo", "Swatinem/rust-cache", ciWith(w...))
		if err != nil {
			return nil, nil, err
		}
		steps = append(steps, st)
	}
	locked := ""
	if c.has("Cargo.lock") {
		locked = " --locked"
	}
	steps = append(steps,
		ciRun("Format", "cargo fmt --all --check"),
		ciRun("Clippy", "cargo clippy --all-targets"+locked+" -- -D warnings"),
		ciRun("Test", "cargo test"+locked))
	return steps, []ciKV{{Key: "CARGO_TERM_COLOR", Value: "always"}}, nil
}

// ciDefaultJava is the Java release CI uses when the build states none:
// the newest LTS release Temurin ships.
const ciDefaultJava = "21"

func ciJava(c *ciSvc) ([]ciStep, error) {
	tool := c.s.PackageManager
	if tool != "maven" && tool != "gradle" {
		tool = "gradle"
		if c.has("pom.xml") {
			tool = "maven"
		}
	}
	w := []string{"distribution", "temurin"}
	switch {
	case ciVersion(c) != "":
		// Java 8 and older are also written 1.8; setup-java wants 8.
		w = append(w, "java-version", strings.TrimPrefix(ciVersion(c), "1."))
	case c.has(".java-version"):
		w = append(w, "java-version-file", c.file(".java-version"))
	default:
		w = append(w, "java-version", ciDefaultJava)
		c.note("%s; CI assumes Java %s", ciNoVersion(c, "maven.compiler.release, toolchain"), ciDefaultJava)
	}
	w = append(w, "cache", tool)
	if c.s.Dir != "." {
		dep := path.Join(c.s.Dir, "**/pom.xml")
		if tool == "gradle" {
			dep = path.Join(c.s.Dir, "**/*.gradle*") + "\n" + path.Join(c.s.Dir, "**/gradle-wrapper.properties")
		}
		w = append(w, "cache-dependency-path", dep)
	}
	setup, err := ciAction("Set up Java", "actions/setup-java", ciWith(w...))
	if err != nil {
		return nil, err
	}
	cmd := "mvn -B verify"
	switch {
	case tool == "maven" && c.has("mvnw"):
		cmd = "./mvnw -B verify"
	case tool == "gradle" && c.has("gradlew"):
		cmd = "./gradlew build"
	case tool == "gradle":
		cmd = "gradle build"
		c.note("no Gradle wrapper (gradlew); CI uses the runner's gradle")
	}
	return []ciStep{setup, ciRun("Build and test", cmd)}, nil
}
