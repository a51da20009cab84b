// Package intent reads an issue the way a person does: it separates what
// is asked from the template around it (headings, checklists of the
// template itself, HTML comments), from context (background, what the
// repository already has, related work), from acceptance criteria (which
// refine the request but do not add to it), from quoted text, logs and
// code, and from what is explicitly not wanted. Read then matches the
// request's words against the lead's word lists.
//
// An issue is untrusted text: it is only split and matched, never
// followed.
package intent

import (
	"regexp"
	"strings"
)

// Kind is the role a part of an issue plays.
type Kind int

const (
	// Ask is what the issue requests: the title, prose outside the other
	// parts, and the items of request sections.
	Ask Kind = iota
	// Criteria are acceptance criteria, a definition of done or a test
	// plan: they refine the tasks, they neither add nor decline any.
	Criteria
	// Context is background: the problem, what exists today, alternatives
	// considered, related work, references.
	Context
	// Excluded is what the issue says it does not want: out of scope,
	// non-goals, later phases, "instead of X", "no need for X".
	Excluded
	// Code is quoted text, logs, fenced and indented code.
	Code
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case Ask:
		return "ask"
	case Criteria:
		return "criteria"
	case Context:
		return "context"
	case Excluded:
		return "excluded"
	case Code:
		return "code"
	}
	return "unknown"
}

// Part is one piece of an issue with its role and the heading it sat
// under ("" before any heading).
type Part struct {
	Kind    Kind
	Heading string
	Text    string
}

// Doc is an issue split into parts.
type Doc struct {
	Title string
	Parts []Part
}

// Text joins the title (when Ask is among the kinds) and the parts of
// the given kinds, one per line.
func (d Doc) Text(kinds ...Kind) string {
	var b strings.Builder
	want := map[Kind]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	if want[Ask] && d.Title != "" {
		b.WriteString(d.Title)
		b.WriteByte('\n')
	}
	for _, p := range d.Parts {
		if want[p.Kind] {
			b.WriteString(p.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// maxBody bounds the text Split reads; issues are capped by GitHub at
// 65,536 characters, so this only guards odd inputs.
const maxBody = 256 << 10

var (
	headingRe  = regexp.MustCompile(`^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$`)
	boldRe     = regexp.MustCompile(`^\s*(?:\*\*|__)([^*_]{2,80}?)(?:\*\*|__)\s*:?\s*(.*)$`)
	labelRe    = regexp.MustCompile(`^\s*([A-Za-z][A-Za-z /'’-]{2,40}):\s*(.*)$`)
	fenceRe    = regexp.MustCompile("^\\s{0,3}(```+|~~~+)")
	checkRe    = regexp.MustCompile(`^\s*[-*+]\s+\[[ xX]\]\s+(.*)$`)
	logLineRe  = regexp.MustCompile(`^\s*(\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\[\d\d:\d\d|\$ |> |at [\w.$]+\(|Traceback \(most recent|(ERROR|WARN|WARNING|INFO|DEBUG|FATAL|panic)[:\] ])`)
	htmlComRe  = regexp.MustCompile(`(?s)<!--.*?-->`)
	sentenceRe = regexp.MustCompile(`[.!?;](\s+|$)`)
	// pathCodeRe matches inline code that holds a path or an image name
	// (quadlets/app.container, prom/blackbox-exporter): file names are not
	// requests.
	pathCodeRe = regexp.MustCompile("`[^`\n]*/[^`\n]*`")
	// compoundRe matches names of three or more hyphenated parts
	// (grafana-agent-k8s-operator): a product's name, whose parts are not
	// requests.
	compoundRe = regexp.MustCompile(`\b[A-Za-z0-9]+(?:-[A-Za-z0-9]+){2,}\b`)
	// urlRe matches links: their words are addresses, not requests.
	urlRe = regexp.MustCompile(`https?://[^\s)>\]]+`)
)

// Split separates an issue's body into parts by their role.
func Split(title, body string) Doc {
	if len(body) > maxBody {
		body = body[:maxBody]
	}
	d := Doc{Title: strings.TrimSpace(title)}
	body = htmlComRe.ReplaceAllString(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	section, heading := Ask, ""
	var fence string
	var code []string
	add := func(k Kind, text string) {
		if strings.TrimSpace(text) == "" {
			return
		}
		d.Parts = append(d.Parts, Part{Kind: k, Heading: heading, Text: strings.TrimSpace(text)})
	}
	prevBlank := true
	// para gathers the lines of one paragraph or list item: a sentence
	// wrapped over several lines is read whole.
	var para []string
	paraSection := Ask
	flush := func() {
		if len(para) > 0 {
			text := urlRe.ReplaceAllString(strings.Join(para, " "), " ")
			text = compoundRe.ReplaceAllStringFunc(text, func(w string) string { return strings.ReplaceAll(w, "-", "") })
			addLine(add, paraSection, pathCodeRe.ReplaceAllString(text, " "))
			para = nil
		}
	}
	for _, line := range strings.Split(body, "\n") {
		if fence != "" {
			if m := fenceRe.FindStringSubmatch(line); m != nil && strings.HasPrefix(m[1], fence[:1]) && len(m[1]) >= len(fence) {
				add(Code, strings.Join(code, "\n"))
				fence, code = "", nil
			} else {
				code = append(code, line)
			}
			continue
		}
		if m := fenceRe.FindStringSubmatch(line); m != nil {
			flush()
			fence = m[1]
			continue
		}
		blank := strings.TrimSpace(line) == ""
		prose := !blank && !headingRe.MatchString(line) && !(boldRe.MatchString(line) && boldHeading(boldRe.FindStringSubmatch(line)[1])) &&
			!(labelRe.MatchString(line) && knownHeading(labelRe.FindStringSubmatch(line)[1])) && !strings.HasPrefix(strings.TrimSpace(line), ">") &&
			!(prevBlank && (strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t")) && !listItem(line)) &&
			!logLineRe.MatchString(line) && !checkRe.MatchString(line)
		if !prose || listItem(line) {
			flush()
		}
		switch {
		case blank:
		case headingRe.MatchString(line):
			heading = strings.TrimSpace(strings.Trim(headingRe.FindStringSubmatch(line)[1], "*_: "))
			section = sectionKind(heading)
		case boldRe.MatchString(line) && boldHeading(boldRe.FindStringSubmatch(line)[1]):
			m := boldRe.FindStringSubmatch(line)
			heading, section = strings.TrimSpace(m[1]), sectionKind(m[1])
			addLine(add, section, m[2])
		case labelRe.MatchString(line) && knownHeading(labelRe.FindStringSubmatch(line)[1]):
			m := labelRe.FindStringSubmatch(line)
			heading, section = strings.TrimSpace(m[1]), sectionKind(m[1])
			addLine(add, section, m[2])
		case strings.HasPrefix(strings.TrimSpace(line), ">"):
			add(Code, strings.TrimLeft(strings.TrimSpace(line), "> "))
		case prevBlank && (strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t")) && !listItem(line):
			add(Code, line)
		case logLineRe.MatchString(line):
			add(Code, line)
		case checkRe.MatchString(line):
			item := checkRe.FindStringSubmatch(line)[1]
			done := strings.Contains(strings.ToLower(line), "[x]")
			if boilerplate(item) || (done && section == Ask) {
				// A template's own item, or work already done.
				add(Context, item)
			} else {
				addLine(add, section, item)
			}
		default:
			para = append(para, strings.TrimSpace(line))
			paraSection = section
		}
		prevBlank = blank
	}
	flush()
	if fence != "" {
		add(Code, strings.Join(code, "\n"))
	}
	return d
}

// addLine adds a line of prose: in an Ask section each sentence is
// classified on its own (context, excluded clauses); other sections keep
// their kind.
func addLine(add func(Kind, string), section Kind, line string) {
	if section != Ask {
		add(section, line)
		return
	}
	for _, s := range sentences(line) {
		k := sentenceKind(s)
		if k != Ask {
			add(k, s)
			continue
		}
		ask, excluded := splitExcluded(s)
		add(Ask, ask)
		add(Excluded, excluded)
	}
}

// sentences splits prose at sentence ends.
func sentences(line string) []string {
	var out []string
	last := 0
	for _, loc := range sentenceRe.FindAllStringIndex(line, -1) {
		// "e.g." and "etc." are not sentence ends.
		if before := strings.ToLower(line[last:loc[0]]); line[loc[0]] == '.' &&
			(strings.HasSuffix(before, "e.g") || strings.HasSuffix(before, "i.e") || strings.HasSuffix(before, "etc") || strings.HasSuffix(before, " vs")) {
			continue
		}
		out = append(out, line[last:loc[1]])
		last = loc[1]
	}
	if last < len(line) {
		out = append(out, line[last:])
	}
	return out
}

// listItem reports whether an indented line is a nested list item.
func listItem(line string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "+ ") ||
		len(t) > 2 && t[0] >= '0' && t[0] <= '9' && (t[1] == '.' || t[1] == ')')
}

// headingWords maps heading phrases to the kind of their section. The
// first match in order wins, so longer phrases come first where they
// overlap.
var headingWords = []struct {
	kind  Kind
	words []string
}{
	{Excluded, []string{"out of scope", "not in scope", "non goals", "nongoals", "non goal", "future work", "future",
		"later", "follow up", "follow ups", "followups", "phase 2", "next steps", "won t do", "not included"}},
	{Criteria, []string{"acceptance criteria", "acceptance", "definition of done", "done when", "success criteria",
		"criteria", "how to test", "test plan", "testing", "verification", "how to verify", "expected result",
		"expected results", "expected outcome"}},
	{Context, []string{"is your feature request related to a problem", "related to a problem", "problem", "background",
		"context", "additional context", "additional information", "alternatives", "alternative", "motivation",
		"current state", "current behavior", "current behaviour", "current setup", "current situation", "what we have",
		"existing", "notes", "note", "references", "reference", "related", "related issues", "links", "resources",
		"dependencies", "depends on", "logs", "log output", "environment", "steps to reproduce", "reproduction",
		"screenshots", "versions", "system information", "why", "rationale", "risks", "open questions", "questions",
		"prior art", "further reading", "timeline", "estimate", "effort", "impact", "checklist", "pre flight checklist",
		"prerequisites", "who", "assignee", "labels", "priority"}},
	{Ask, []string{"describe the solution", "solution", "proposal", "proposed", "description", "summary", "request",
		"feature", "task", "tasks", "todo", "to do", "goal", "goals", "scope", "in scope", "requirements",
		"deliverables", "what", "what needs to be done", "implementation", "plan", "details", "nice to have",
		"user story", "use case", "use cases", "objective", "instructions"}},
}

// sectionKind classifies a heading; unknown headings hold requests.
func sectionKind(heading string) Kind {
	h := norm(heading)
	for _, hw := range headingWords {
		for _, w := range hw.words {
			if strings.Contains(h, " "+w+" ") || strings.Contains(h, " "+w+"s ") {
				return hw.kind
			}
		}
	}
	return Ask
}

// knownHeading reports whether a "Label:" line starts a known section
// (not just any sentence with a colon).
func knownHeading(label string) bool {
	h := norm(label)
	for _, hw := range headingWords {
		for _, w := range hw.words {
			if h == " "+w+" " {
				return true
			}
		}
	}
	return false
}

// isHeadingText reports whether bold text on its own line reads as a
// heading: short, and not a whole sentence.
func isHeadingText(s string) bool {
	return len(strings.Fields(s)) <= 10 && !strings.HasSuffix(strings.TrimSpace(s), ".")
}

// boldHeading reports whether bold text on its own line is a heading: a
// short phrase, or a template's question ("Is your feature request
// related to a problem? Please describe.").
func boldHeading(s string) bool {
	return isHeadingText(s) || (len(strings.Fields(s)) <= 14 && sectionKind(s) != Ask)
}

// boilerplate reports whether a checklist item belongs to the issue
// template itself ("I have searched existing issues").
func boilerplate(item string) bool {
	t := norm(item)
	for _, w := range []string{"i have", "i ve", "i searched", "searched", "code of conduct", "contributing", "i agree",
		"i read", "i checked", "i confirm", "this is not a duplicate", "latest version", "willing to"} {
		if strings.Contains(t, " "+w+" ") {
			return true
		}
	}
	return false
}

// contextMarkers make a sentence of an ask section background: it says
// what exists or what relates to the request, not what to build.
var contextMarkers = []string{
	"already", "we have", "we use", "we run", "we deploy", "our current",
	"already have", "already has", "we already", "already use", "already uses", "already using", "already exists",
	"already exist", "already in place", "already deployed", "currently use", "currently uses", "currently using",
	"currently have", "currently has", "currently deploy", "currently deployed", "currently run", "currently runs",
	"today", "right now", "at the moment", "currently", "nowadays", "in parallel with", "parallel to", "depends on", "blocked by",
	"related to", "see also", "similar to", "like we did", "as we did", "was done in", "for reference",
	"we used to", "used to use", "previously", "in the past", "part of the epic", "part of epic",
	"this is part of", "split from", "follow up to", "follow up of", "after this", "once this is", "once this lands",
	"in a later", "in a separate", "separate issue", "another issue", "future issue", "later on", "eventually",
	"long term", "in the future", "down the road", "not part of this", "out of scope",
}

// needMarkers turn a context sentence back into a request: "we currently
// have no CI" states the need.
var needMarkers = []string{" no ", " not ", " n t ", " without ", " missing ", " lack ", " lacks ", " none ", " nothing "}

// laterMarkers make a context sentence excluded: the work is for later.
var laterMarkers = []string{"in a later", "in a separate", "separate issue", "another issue", "future issue", "later on",
	"eventually", "long term", "in the future", "down the road", "not part of this", "out of scope"}

// templateText are phrases of issue templates' own prompts, left in
// place by people who did not replace them.
var templateText = []string{"clear and concise description", "template placeholder", "add any other context",
	"describe the solution you d like", "describe alternatives you ve considered", "a description of what the problem is"}

// sentenceKind classifies one sentence of an ask section.
func sentenceKind(s string) Kind {
	t := norm(s)
	for _, m := range templateText {
		if strings.Contains(t, " "+m+" ") {
			return Context
		}
	}
	for _, m := range laterMarkers {
		if strings.Contains(t, " "+m+" ") {
			return Excluded
		}
	}
	for _, m := range contextMarkers {
		if strings.Contains(t, " "+m+" ") {
			for _, n := range needMarkers {
				if strings.Contains(t, n) {
					return Ask
				}
			}
			return Context
		}
	}
	return Ask
}

// excludeMarkers start a clause the request does not want.
var excludeMarkers = []string{"instead of", "rather than", "no need for", "no need to", "don t need", "do not need",
	"don t want", "do not want", "doesn t need", "does not need", "without using", "not using", "not use",
	"not on", "not via", "not with", "other than", "except for", "but not", "we don t use", "we do not use", "not interested in",
	"avoid", "no"}

// splitExcluded cuts the clauses a sentence excludes ("Terraform instead
// of CloudFormation", "no Kubernetes") from what it asks: an excluded
// clause runs from its marker to the next comma, semicolon or " and "
// after at least one word, or four words at most for a bare "no".
func splitExcluded(s string) (ask, excluded string) {
	words := strings.Fields(s)
	var keep, drop []string
	for i := 0; i < len(words); i++ {
		n := matchMarker(words, i)
		if n == 0 {
			keep = append(keep, words[i])
			continue
		}
		bare := n == 1 && clean(words[i]) == "no"
		limit := len(words)
		if bare {
			limit = min(len(words), i+1+2)
		}
		j := i + n
		for ; j < limit; j++ {
			w := words[j]
			drop = append(drop, w)
			if j > i+n-1 && (strings.HasSuffix(w, ",") || strings.HasSuffix(w, ";") || strings.HasSuffix(w, ".") ||
				(j+1 < len(words) && (clean(words[j+1]) == "and" || clean(words[j+1]) == "but" || clean(words[j+1]) == "so"))) {
				j++
				break
			}
		}
		drop = append(drop, "|")
		i = j - 1
	}
	return strings.Join(keep, " "), strings.Trim(strings.Join(drop, " "), " |")
}

// matchMarker returns how many words an exclusion marker takes at
// words[i], or 0.
func matchMarker(words []string, i int) int {
	// "on Docker Hub, not GitHub Packages"
	if clean(words[i]) == "not" && i > 0 && strings.HasSuffix(words[i-1], ",") {
		return 1
	}
	for _, m := range excludeMarkers {
		mw := strings.Fields(strings.ReplaceAll(m, " t ", "t "))
		if m == "no" {
			// "no" excludes only a thing the request could ask for: a bare
			// "no" before "downtime" or "longer" is just English.
			if clean(words[i]) == "no" && i+1 < len(words) && excludable[clean(words[i+1])] {
				return 1
			}
			continue
		}
		if i+len(mw) > len(words) {
			continue
		}
		ok := true
		for k, w := range mw {
			if strings.ReplaceAll(clean(words[i+k]), "'", "") != strings.ReplaceAll(w, "'", "") {
				ok = false
				break
			}
		}
		if ok {
			return len(mw)
		}
	}
	return 0
}

// excludable are the words after a bare "no" that name DevOps work.
var excludable = map[string]bool{
	"kubernetes": true, "k8s": true, "helm": true, "terraform": true, "docker": true, "compose": true,
	"aws": true, "gcp": true, "azure": true, "cloudflare": true, "monitoring": true, "alerts": true,
	"ci": true, "cd": true, "deployment": true, "deployments": true, "deploy": true, "database": true,
	"postgres": true, "redis": true, "mysql": true, "dashboard": true, "dashboards": true, "grafana": true,
	"prometheus": true, "infrastructure": true, "cloud": true, "publishing": true, "registry": true,
}

// clean lower-cases a word and trims punctuation around it.
func clean(w string) string {
	return strings.ToLower(strings.Trim(w, ".,;:!?()[]{}\"`*_"))
}

// norm lower-cases text and turns everything but letters and digits into
// single spaces, with a space at each end, so phrases match whole words.
func norm(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	space := true
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}
