package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// An env file holds KEY=VALUE lines, the file `devops-lead setup` writes
// and `devops-lead serve --env-file` reads. Each value is written in
// single quotes with no escapes inside, and a private key's newlines as
// the two characters \n (which ServerFromEnv turns back into newlines),
// so the same file works three ways: `serve --env-file FILE`,
// `set -a; . ./FILE; set +a` in a POSIX shell, and Docker Compose's
// `env_file:` (which takes single-quoted values literally).

var envKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// EnvVar is one KEY=VALUE line of an env file.
type EnvVar struct {
	Key   string
	Value string
}

// FormatEnvFile renders the comment lines (each prefixed "# ") and the
// variables as an env file. A value that holds a single quote or a
// carriage return cannot be written safely and is an error naming the
// key (never the value); newlines are written as \n.
func FormatEnvFile(comments []string, vars []EnvVar) ([]byte, error) {
	var b bytes.Buffer
	for _, c := range comments {
		b.WriteString(strings.TrimRight("# "+c, " ") + "\n")
	}
	for _, v := range vars {
		if !envKey.MatchString(v.Key) {
			return nil, fmt.Errorf("env file: %q is not a variable name", v.Key)
		}
		if strings.ContainsAny(v.Value, "'\r") || strings.Contains(v.Value, `\n`) {
			return nil, fmt.Errorf("env file: the value of %s holds a quote, a carriage return or a literal \\n and cannot be written safely", v.Key)
		}
		fmt.Fprintf(&b, "%s='%s'\n", v.Key, strings.ReplaceAll(v.Value, "\n", `\n`))
	}
	return b.Bytes(), nil
}

// ParseEnvFile reads KEY=VALUE lines: blank lines and lines starting
// with # are skipped, an "export " prefix is allowed, and a value in
// single or double quotes is taken without them (nothing inside is
// expanded). Errors give the line number, never a value: the file holds
// secrets.
func ParseEnvFile(data []byte) (map[string]string, error) {
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, val, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || !envKey.MatchString(key) {
			return nil, fmt.Errorf("line %d: want KEY=VALUE", n)
		}
		val = strings.TrimSpace(val)
		if len(val) > 0 && (val[0] == '\'' || val[0] == '"') {
			if len(val) < 2 || val[len(val)-1] != val[0] {
				return nil, fmt.Errorf("line %d: %s: the quoted value does not end with its quote on the same line", n, key)
			}
			val = val[1 : len(val)-1]
		}
		if _, dup := vars[key]; dup {
			return nil, fmt.Errorf("line %d: %s is set twice", n, key)
		}
		vars[key] = val
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return vars, nil
}

// ReadEnvFile reads an env file (see ParseEnvFile).
func ReadEnvFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("env file: %w", err)
	}
	vars, err := ParseEnvFile(data)
	if err != nil {
		return nil, fmt.Errorf("env file %s: %w", path, err)
	}
	if len(vars) == 0 {
		return nil, errors.New("env file " + path + " sets no variables")
	}
	return vars, nil
}

// WithEnvFile returns a getenv that answers from the process environment
// first and from vars for what the environment leaves unset or empty, so
// a deployment can override one value of the file.
func WithEnvFile(getenv func(string) string, vars map[string]string) func(string) string {
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vars[k]
	}
}
