package stack

import (
	"regexp"
	"strings"
)

var (
	rePyEnvIndex = regexp.MustCompile(`os\.environ\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\](\s*=[^=])?`)
	rePyEnvGet   = regexp.MustCompile(`os\.(?:getenv|environ\.get)\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*(?:,\s*(?:default\s*=\s*)?` + literal + `)?`)
	rePyEnviron  = regexp.MustCompile(`\benv(?:\.(?:str|bool|int|float|list|url|db_url|db|cache_url|json))?\(\s*['"]([A-Z][A-Z0-9_]*)['"]\s*(,\s*default\s*=\s*` + literal + `)?`)
)

// fromPython reads os.environ["X"] (required), os.getenv("X", "d"),
// os.environ.get("X", "d"), django-environ's env("X", default=...) and
// pydantic BaseSettings classes.
func (e *envSet) fromPython(text, source string) {
	for _, m := range rePyEnvIndex.FindAllStringSubmatch(text, -1) {
		if m[2] == "" { // os.environ["X"] = ... sets, not reads
			e.add(m[1], "", true, source)
		}
	}
	for _, m := range rePyEnvGet.FindAllStringSubmatch(text, -1) {
		def := unquote(m[2:])
		if def == "None" {
			def = ""
		}
		e.add(m[1], def, false, source)
	}
	if strings.Contains(text, "environ") {
		for _, m := range rePyEnviron.FindAllStringSubmatch(text, -1) {
			e.add(m[1], unquote(m[3:]), m[2] == "", source)
		}
	}
	e.fromPydantic(text, source)
}

var (
	reSettingsClass = regexp.MustCompile(`(?m)^([ \t]*)class\s+\w+\s*\(([^)]*)\)\s*:[ \t]*(?:#.*)?$`)
	reEnvPrefix     = regexp.MustCompile(`env_prefix\s*=\s*['"]([^'"]*)['"]`)
	reSettingsField = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^=]+?)\s*(?:=\s*(.+?))?\s*(?:#.*)?$`)
	reFieldAlias    = regexp.MustCompile(`\b(?:validation_alias|alias|env)\s*=\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]`)
	reFieldDefault  = regexp.MustCompile(`\bdefault\s*=\s*` + literal)
	reFieldFirstArg = regexp.MustCompile(`^Field\(\s*` + literal)
	rePyLiteral     = regexp.MustCompile(`^` + literal + `$`)
)

// fromPydantic reads the fields of pydantic BaseSettings classes: each
// field is a variable named by the env_prefix and the field name in upper
// case (or its alias), required when it has no default.
func (e *envSet) fromPydantic(text, source string) {
	if !strings.Contains(text, "BaseSettings") {
		return
	}
	for _, loc := range reSettingsClass.FindAllStringSubmatchIndex(text, -1) {
		if !strings.Contains(text[loc[4]:loc[5]], "BaseSettings") {
			continue
		}
		indent := len(text[loc[2]:loc[3]])
		body := classBody(text[loc[1]:], indent)
		prefix := ""
		if m := reEnvPrefix.FindStringSubmatch(body); m != nil {
			prefix = m[1]
		}
		fieldIndent := -1
		for _, line := range strings.Split(body, "\n") {
			trimmed := strings.TrimSpace(line)
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			ind := len(line) - len(strings.TrimLeft(line, " \t"))
			if fieldIndent < 0 {
				fieldIndent = ind
			}
			if ind != fieldIndent {
				continue // inside a nested class or a method
			}
			m := reSettingsField.FindStringSubmatch(trimmed)
			if m == nil || strings.HasPrefix(m[1], "_") || m[1] == "model_config" || strings.Contains(m[2], "ClassVar") {
				continue
			}
			name, def, required := settingsField(prefix+m[1], strings.TrimSpace(m[3]))
			e.add(strings.ToUpper(name), def, required, source)
		}
	}
}

// settingsField reads a field's default expression: none or Field(...)
// makes it required; a literal, None or a default_factory does not.
func settingsField(name, expr string) (string, string, bool) {
	if expr == "" {
		return name, "", true
	}
	if strings.HasPrefix(expr, "Field(") {
		if m := reFieldAlias.FindStringSubmatch(expr); m != nil {
			name = m[1]
		}
		if m := reFieldDefault.FindStringSubmatch(expr); m != nil {
			return name, pyValue(unquote(m[1:])), false
		}
		if m := reFieldFirstArg.FindStringSubmatch(expr); m != nil {
			return name, pyValue(unquote(m[1:])), false
		}
		if strings.Contains(expr, "default_factory") || strings.Contains(expr, "default=None") ||
			strings.HasPrefix(expr, "Field(None") {
			return name, "", false
		}
		return name, "", true
	}
	if m := rePyLiteral.FindStringSubmatch(expr); m != nil {
		return name, pyValue(unquote(m[1:])), false
	}
	return name, "", false // None, a call or a name: the code has a fallback
}

// pyValue maps Python's literals to what an environment variable holds.
func pyValue(v string) string {
	switch v {
	case "True":
		return "true"
	case "False":
		return "false"
	}
	return v
}

// classBody returns the lines after a class header that are indented
// deeper than the class.
func classBody(rest string, indent int) string {
	lines := strings.SplitAfter(rest, "\n")
	var b strings.Builder
	for i, line := range lines {
		if i == 0 {
			continue // the rest of the header line
		}
		trimmed := strings.TrimSpace(line)
		if trimmed != "" && !strings.HasPrefix(trimmed, "#") {
			ind := len(line) - len(strings.TrimLeft(line, " \t"))
			if ind <= indent {
				break
			}
		}
		b.WriteString(line)
	}
	return b.String()
}
