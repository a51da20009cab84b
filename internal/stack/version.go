package stack

import (
	"path"
	"regexp"
	"strconv"
	"strings"
)

var (
	reMajorMinor = regexp.MustCompile(`^(\d+)\.(\d+)`)
	reMajor      = regexp.MustCompile(`^(\d+)`)
)

// majorMinor returns "X.Y" from a version starting with X.Y ("1.22.3" →
// "1.22"), or "".
func majorMinor(v string) string {
	m := reMajorMinor.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return ""
	}
	return trimZeros(m[1]) + "." + trimZeros(m[2])
}

// trimZeros drops leading zeros ("08" → "8").
func trimZeros(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil {
		return s
	}
	return strconv.Itoa(n)
}

// goVersion returns the Go version from a go.mod toolchain ("go1.22.5")
// or go directive ("1.22.3"): major.minor.
func goVersion(toolchain, directive string) string {
	if v := majorMinor(strings.TrimPrefix(toolchain, "go")); v != "" {
		return v
	}
	return majorMinor(directive)
}

// nodeCodenames maps Node LTS code names (.nvmrc "lts/iron") to majors.
var nodeCodenames = map[string]string{
	"argon": "4", "boron": "6", "carbon": "8", "dubnium": "10", "erbium": "12",
	"fermium": "14", "gallium": "16", "hydrogen": "18", "iron": "20",
	"jod": "22", "krypton": "24",
}

// nodeFileVersion reads an .nvmrc or .node-version: "v20.11.0" → "20",
// "lts/iron" → "20"; "node", "lts/*" and other aliases give "".
func nodeFileVersion(text string) string {
	line := strings.TrimSpace(firstLine(text))
	line = strings.ToLower(line)
	if name, ok := strings.CutPrefix(line, "lts/"); ok {
		return nodeCodenames[name]
	}
	line = strings.TrimPrefix(line, "v")
	m := reMajor.FindString(line)
	return trimZeros(m)
}

var reRangePart = regexp.MustCompile(`(>=|<=|>|<|\^|~>|~|=)?\s*v?(\d+)(?:\.(?:\d+|x|\*))*`)

// nodeMajor returns the lowest major a semver range allows: ">=18" →
// "18", "^20.11" → "20", "18 || 20" → "18", "<20" → "" (no lower bound).
func nodeMajor(rng string) string {
	best := -1
	for _, alt := range strings.Split(rng, "||") {
		alt = strings.TrimSpace(alt)
		if alt == "" {
			continue
		}
		// "16 - 20" is a hyphen range: its first number is the lower bound.
		for _, m := range reRangePart.FindAllStringSubmatch(alt, -1) {
			if m[1] == "<" || m[1] == "<=" {
				continue
			}
			n, err := strconv.Atoi(m[2])
			if err != nil {
				continue
			}
			if best < 0 || n < best {
				best = n
			}
			break
		}
	}
	if best < 0 {
		return ""
	}
	return strconv.Itoa(best)
}

var rePyLower = regexp.MustCompile(`(>=|~=|==|===|\^|~|>)?\s*(\d+)\.(\d+)`)

// pythonMinor returns the lowest "3.Y" a requires-python (or Poetry
// python) specifier allows: ">=3.11" → "3.11", "^3.10" → "3.10",
// ">=3.9,<4" → "3.9"; "" when there is no lower bound.
func pythonMinor(spec string) string {
	best := ""
	bestMinor := -1
	for _, alt := range strings.Split(spec, "||") {
		for _, part := range strings.Split(alt, ",") {
			part = strings.TrimSpace(part)
			if strings.HasPrefix(part, "<") || strings.HasPrefix(part, "!=") {
				continue
			}
			m := rePyLower.FindStringSubmatch(part)
			if m == nil {
				continue
			}
			minor, _ := strconv.Atoi(m[3])
			if bestMinor < 0 || minor < bestMinor {
				best, bestMinor = trimZeros(m[2])+"."+strconv.Itoa(minor), minor
			}
			break
		}
	}
	return best
}

// pythonFileVersion reads a .python-version ("3.12.1" → "3.12") or a
// runtime.txt ("python-3.11.4" → "3.11").
func pythonFileVersion(text string) string {
	line := strings.TrimSpace(firstLine(text))
	line = strings.TrimPrefix(strings.ToLower(line), "python-")
	return majorMinor(line)
}

// javaVersion normalises "1.8" → "8", "17" → "17", "21.0.2" → "21".
func javaVersion(v string) string {
	v = strings.Trim(strings.TrimSpace(v), `"'`)
	if rest, ok := strings.CutPrefix(v, "1."); ok {
		v = rest
	}
	return trimZeros(reMajor.FindString(v))
}

// firstLine returns text up to the first line break, skipping blank and
// comment lines.
func firstLine(text string) string {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		return line
	}
	return ""
}

// toolNames maps .tool-versions (asdf, mise) tool names to languages.
var toolNames = map[string]Language{
	"golang": Go, "go": Go, "nodejs": Node, "node": Node, "python": Python,
	"rust": Rust, "java": Java,
}

// pinnedBy are the manifests whose version is a minimum (go directive,
// engines, requires-python, rust-version, compiler release): a pin in
// .tool-versions at least as new replaces it.
var pinnedBy = map[string]bool{"go.mod": true, "package.json": true, "pyproject.toml": true,
	"Pipfile": true, "Cargo.toml": true, "pom.xml": true, "build.gradle": true, "build.gradle.kts": true}

var reJavaDist = regexp.MustCompile(`(?:^|[-_])(\d+(?:\.\d+)*)`)

// langVersion normalises a version written for lang as each manifest
// reader does: "1.22.5" → "1.22" for Go, Python and Rust, "v20.11.0" →
// "20" for Node, "temurin-21.0.2+13" → "21" for Java.
func langVersion(lang Language, v string) string {
	v = strings.TrimLeft(strings.TrimSpace(v), "^~>=v")
	switch lang {
	case Go, Python, Rust:
		return majorMinor(strings.TrimPrefix(v, "go"))
	case Node:
		if strings.HasPrefix(v, "lts/") {
			return nodeFileVersion(v)
		}
		return trimZeros(reMajor.FindString(v))
	case Java:
		if m := reJavaDist.FindStringSubmatch(v); m != nil {
			return javaVersion(m[1])
		}
	}
	return ""
}

// compareVersions compares dotted numeric versions ("1.22" < "1.23").
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// toolVersions applies a .tool-versions pin (here or above) and, when no
// file states a version, the one the repository's CI sets up.
func (d *detector) toolVersions(s *Service) {
	if p := d.findUp(s.Dir, ".tool-versions"); p != "" {
		if data, ok := d.optRead(p, sourceHeadBytes); ok {
			if v := toolVersion(string(data), s.Language); v != "" &&
				(s.Version == "" || pinnedBy[baseName(s.VersionSource)] && compareVersions(v, s.Version) >= 0) {
				s.Version, s.VersionSource = v, srcPath(s.Dir, p)
			}
		}
	}
	if s.Version == "" {
		d.ciVersion(s)
	}
}

// toolVersion returns the version .tool-versions pins for lang.
func toolVersion(text string, lang Language) string {
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 || toolNames[f[0]] != lang {
			continue
		}
		return langVersion(lang, f[1])
	}
	return ""
}

// ciVersionKeys are the setup-* inputs that state a language version.
var ciVersionKeys = map[Language]*regexp.Regexp{
	Go:     regexp.MustCompile(`(?m)^[ \t]*go-version:[ \t]*(.+)$`),
	Node:   regexp.MustCompile(`(?m)^[ \t]*node-version:[ \t]*(.+)$`),
	Python: regexp.MustCompile(`(?m)^[ \t]*python-version:[ \t]*(.+)$`),
	Java:   regexp.MustCompile(`(?m)^[ \t]*java-version:[ \t]*(.+)$`),
	Rust:   regexp.MustCompile(`(?m)(?:dtolnay/rust-toolchain@|^[ \t]*toolchain:[ \t]*)(.+)$`),
}

// maxCIWorkflows bounds the workflows read for a version.
const maxCIWorkflows = 8

// ciVersion takes the newest version the workflows set up for the
// service's language (actions/setup-go go-version, setup-node
// node-version, setup-python python-version, setup-java java-version,
// dtolnay/rust-toolchain), the last fallback.
func (d *detector) ciVersion(s *Service) {
	re := ciVersionKeys[s.Language]
	if re == nil {
		return
	}
	best, src := "", ""
	for i, wf := range sorted(d.idx.workflows) {
		if i == maxCIWorkflows {
			break
		}
		data, ok := d.optRead(wf, sourceHeadBytes)
		if !ok {
			continue
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			val := strings.TrimSpace(m[1])
			if i := strings.Index(val, " #"); i >= 0 {
				val = val[:i]
			}
			for _, item := range strings.Split(strings.Trim(val, "[] "), ",") {
				v := langVersion(s.Language, strings.Trim(strings.TrimSpace(item), `"'`))
				if v != "" && (best == "" || compareVersions(v, best) > 0) {
					best, src = v, wf
				}
			}
		}
	}
	if best != "" {
		s.Version, s.VersionSource = best, srcPath(s.Dir, src)
	}
}

// srcPath names the file p for a service in dir: its base name when it
// is in dir, else a path relative to dir.
func srcPath(dir, p string) string {
	if path.Dir(p) == dir {
		return baseName(p)
	}
	return rel(dir, p)
}
