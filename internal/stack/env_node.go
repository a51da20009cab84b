package stack

import (
	"regexp"
	"strings"
)

var (
	reJSEnv         = regexp.MustCompile(`(?:process|Bun)\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"` + "`" + `]([A-Za-z_][A-Za-z0-9_]*)['"` + "`" + `]\s*\])`)
	reJSDefault     = regexp.MustCompile(`^(?:\s*,\s*\d+)?\s*\)?\s*(?:\|\||\?\?|\?[^:;?]{0,80}:)\s*` + literal)
	reJSDestructure = regexp.MustCompile(`(?:const|let|var)\s*\{([^{}]*)\}\s*=\s*process\.env\b`)
	reJSDestrItem   = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*\w+\s*)?(?:=\s*` + literal + `)?\s*$`)
	reJSSchema      = regexp.MustCompile(`\b(cleanEnv|z\.object|Joi\.object|Joi\.object\(\)\.keys|createEnv)\(`)
	reSchemaKey     = regexp.MustCompile(`^\s*(?:['"]([A-Za-z_][A-Za-z0-9_]*)['"]|([A-Za-z_][A-Za-z0-9_]*))\s*:\s*([\s\S]*)$`)
	reUpperName     = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	reSchemaDefault = regexp.MustCompile(`(?:\bdefault\s*:\s*|\.default\(\s*)` + literal)
	reZodOptional   = regexp.MustCompile(`\.(?:optional|nullish|nullable)\(`)
)

// fromJS reads process.env.X, process.env["X"] (with a `|| "d"` or
// `?? d` default), destructuring of process.env, and envalid, zod and Joi
// schemas: a schema key is required unless it has a default or is
// optional.
func (e *envSet) fromJS(text, source string) {
	for _, m := range reJSSchema.FindAllStringSubmatchIndex(text, -1) {
		kind := text[m[2]:m[3]]
		// cleanEnv(process.env, { ... }): the schema is the first object.
		body, ok := objectLiteralAt(text, m[1])
		if !ok {
			continue
		}
		e.schemaEntries(kind, body, source)
	}
	e.fromJSReads(text, source)
}

// schemaEntries reads the keys of an env schema object. createEnv (t3
// env) holds zod schemas in its server, shared and client objects.
func (e *envSet) schemaEntries(kind, body, source string) {
	if kind == "createEnv" {
		for _, entry := range topLevelEntries(body) {
			km := reSchemaKey.FindStringSubmatch(entry)
			if km == nil {
				continue
			}
			switch km[1] + km[2] {
			case "server", "shared", "client":
				if inner, ok := objectLiteralAt(km[3], 0); ok {
					e.schemaEntries("z.object", inner, source)
				}
			}
		}
		return
	}
	for _, entry := range topLevelEntries(body) {
		km := reSchemaKey.FindStringSubmatch(entry)
		if km == nil {
			continue
		}
		name := km[1] + km[2]
		if !reUpperName.MatchString(name) {
			continue
		}
		expr := km[3]
		def := ""
		hasDefault := false
		if dm := reSchemaDefault.FindStringSubmatch(expr); dm != nil {
			def, hasDefault = unquote(dm[1:]), true
		}
		var required bool
		switch kind {
		case "cleanEnv":
			required = !hasDefault
		case "z.object":
			required = !hasDefault && !reZodOptional.MatchString(expr)
		default: // Joi
			required = !hasDefault && strings.Contains(expr, ".required()")
		}
		e.add(name, def, required, source)
	}
}

// fromJSReads reads process.env accesses and destructuring.
func (e *envSet) fromJSReads(text, source string) {
	for _, loc := range reJSEnv.FindAllStringSubmatchIndex(text, -1) {
		name := ""
		if loc[2] >= 0 {
			name = text[loc[2]:loc[3]]
		} else {
			name = text[loc[4]:loc[5]]
		}
		def := ""
		if m := reJSDefault.FindStringSubmatch(window(text, loc[1], 120)); m != nil {
			def = unquote(m[1:])
		}
		e.add(name, def, false, source)
	}
	for _, m := range reJSDestructure.FindAllStringSubmatch(text, -1) {
		for _, item := range strings.Split(m[1], ",") {
			if im := reJSDestrItem.FindStringSubmatch(item); im != nil {
				e.add(im[1], unquote(im[2:]), false, source)
			}
		}
	}
}

// scanJS walks text[from:to] outside string literals and calls visit
// with each byte's index and the bracket depth after it; visit returns
// false to stop.
func scanJS(text string, from, to int, visit func(j int, c byte, depth int) bool) {
	depth := 0
	var quote byte
	for j := from; j < to; j++ {
		c := text[j]
		if quote != 0 {
			if c == '\\' {
				j++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '"', '\'', '`':
			quote = c
			continue
		case '{', '(', '[':
			depth++
		case '}', ')', ']':
			depth--
		}
		if !visit(j, c, depth) {
			return
		}
	}
}

// objectLiteralAt returns the text inside the first {...} at or after i
// (within 256 bytes), balanced and at most 16 KiB long.
func objectLiteralAt(text string, i int) (string, bool) {
	open := strings.IndexByte(window(text, i, 256), '{')
	if open < 0 {
		return "", false
	}
	start := i + open
	body, found := "", false
	scanJS(text, start, min(len(text), start+16<<10), func(j int, c byte, depth int) bool {
		if depth == 0 && (c == '}' || c == ')' || c == ']') {
			body, found = text[start+1:j], true
			return false
		}
		return true
	})
	return body, found
}

// topLevelEntries splits an object literal's body at its top-level
// commas.
func topLevelEntries(body string) []string {
	var out []string
	last := 0
	scanJS(body, 0, len(body), func(j int, c byte, depth int) bool {
		if c == ',' && depth == 0 {
			out = append(out, body[last:j])
			last = j + 1
		}
		return true
	})
	if strings.TrimSpace(body[last:]) != "" {
		out = append(out, body[last:])
	}
	return out
}
