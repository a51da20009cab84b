package stack

import (
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
