package revise

import (
	"regexp"
	"slices"
	"strings"

	"github.com/devops-lead/devops-lead/internal/engine"
)

// The review-instruction reader: what reviewers most often ask of a
// DevOps pull request, read from a review's body or a line comment into
// instructions the built-in brain applies to the task's files. Review text
// is untrusted data: it only ever selects one of these edits and supplies
// its value, and every value is checked again where it is applied.

// The kinds of instruction the reader knows.
const (
	askPort      = "port"       // Value the port, From the port it replaces
	askVersion   = "version"    // Target a language (go, node, python, java) or an image repository
	askBaseImage = "base-image" // Value an image reference
	askRunner    = "runner"     // Value a runs-on label, From the one it replaces
	askEnv       = "env"        // Target the name, Value the value or a ${NAME} reference
	AskService   = "service"    // Value a backing service the compose specialist knows
	askStep      = "step"       // Value a run: command
	askRename    = "rename"     // Target the old name, Value the new one
	askDrop      = "drop"       // Value a path the pull request has
	askPinDigest = "pin-digest" // pin images by their registry digest
)

// ReviewAsk is one instruction read from a review.
type ReviewAsk struct {
	Kind   string `yaml:"kind"`
	Target string `yaml:"target,omitempty"`
	Value  string `yaml:"value,omitempty"`
	From   string `yaml:"from,omitempty"`
	// Path is the file the comment was on, when it was a line comment.
	Path string `yaml:"-"`
	// Said is the sentence it was read from, for the reply.
	Said string `yaml:"-"`
}

// reviewReading is what the reader made of some feedback: the
// instructions, and the sentences that ask for something it did not
// understand.
type reviewReading struct {
	Asks      []ReviewAsk
	Unclear   []string
	Satisfied []string // asks the brain always honours (no secret values)
}

// readFeedback reads every comment; earlier comments are read too (the
// specialist writes the files afresh, so what an earlier revision did must
// be done again), but only new comments' unclear sentences are reported.
func readFeedback(fb []engine.Feedback) reviewReading {
	var out reviewReading
	for _, f := range fb {
		r := readReview(f.Body)
		for i := range r.Asks {
			r.Asks[i].Path = f.Path
		}
		out.Asks = mergeAsks(out.Asks, r.Asks)
		if !f.Earlier {
			out.Unclear = append(out.Unclear, r.Unclear...)
			out.Satisfied = append(out.Satisfied, r.Satisfied...)
		}
	}
	return out
}

// readReview reads one comment body.
func readReview(body string) reviewReading {
	var out reviewReading
	for _, s := range reviewSentences(body) {
		asks := readSentence(s.text)
		if len(asks) == 0 && s.suggestion {
			continue
		}
		switch {
		case len(asks) > 0:
			out.Asks = mergeAsks(out.Asks, asks)
		case reSecretPolicy.MatchString(strings.ToLower(s.text)):
			out.Satisfied = append(out.Satisfied, s.text)
		case isRequest(s.text):
			out.Unclear = append(out.Unclear, s.text)
		}
	}
	return out
}

// reviewSentence is one sentence of a review, or one line of a
// ```suggestion block (a replacement line, read as a request).
type reviewSentence struct {
	text       string
	suggestion bool
}

var (
	reSentenceEnd = regexp.MustCompile(`([.!?])\s+`)
	reListMarker  = regexp.MustCompile(`^(?:[-*+]|\d+[.)]|\[[ xX]\])\s+`)
)

// reviewSentences splits a body into sentences: lines, then sentence ends.
// Quoted lines and code blocks are context, except GitHub's suggestion
// blocks, whose lines are what the reviewer wants the line to be.
func reviewSentences(body string) []reviewSentence {
	var out []reviewSentence
	fence, suggestion := false, false
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") {
			if !fence {
				fence, suggestion = true, strings.HasPrefix(t, "```suggestion")
			} else {
				fence, suggestion = false, false
			}
			continue
		}
		if fence {
			if suggestion && t != "" {
				out = append(out, reviewSentence{text: "use " + t, suggestion: true})
			}
			continue
		}
		if strings.HasPrefix(t, ">") {
			continue
		}
		t = reListMarker.ReplaceAllString(t, "")
		for _, s := range strings.Split(reSentenceEnd.ReplaceAllString(t, "$1\n"), "\n") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, reviewSentence{text: s})
			}
		}
	}
	return out
}

// reRequest finds the words that make a sentence ask for something; a
// sentence without them is context ("the job fails on Node 18") or thanks.
var reRequest = regexp.MustCompile(`(?i)(^|[;,]\s*|\b(?:please|should|could|would|to|and|just)\s+)use\b|^base\s+(?:this|it)\s+on\b|\b(please|should|shouldn't|need|needs|must|add|remove|delete|drop|change|set|bump|update|upgrade|make|rename|pin|switch|move|replace|don't|do not|want|would|could|let's|instead|how about|expose|keep|run)\b`)

// reOwnRegret matches a reviewer's remark about their own earlier comment
// ("I should have been clearer"), which asks nothing.
var reOwnRegret = regexp.MustCompile(`(?i)\b(?:i|we)\s+(?:should|could|would)(?:n't| not)?\s+have\b`)

// isRequest reports whether a sentence the reader found no instruction in
// still asks for something, so the reply must say it was not done.
func isRequest(s string) bool { return reRequest.MatchString(reOwnRegret.ReplaceAllString(s, " ")) }

// reSecretPolicy matches asks never to write a secret's value, which the
// built-in brain always honours.
var reSecretPolicy = regexp.MustCompile(`\b(don't|do not|never)\s+(commit|hardcode|hard-code|put|store|write)\b.*\b(token|password|secret|key|credential)s?\b`)

// readSentence returns the instructions in one sentence.
func readSentence(s string) []ReviewAsk {
	if !isRequest(s) {
		return nil
	}
	low := strings.ToLower(s)
	var out []ReviewAsk
	add := func(a ReviewAsk) {
		a.Said = s
		out = append(out, a)
	}
	if a, ok := readPinDigest(low); ok {
		add(a)
	}
	// Image references first: their tags must not read as versions. URLs
	// are no images ("postgres://app:pw@db").
	low = reURL.ReplaceAllString(low, " ")
	rest := low
	for _, a := range readImages(s, low) {
		add(a)
	}
	rest = reImageRef.ReplaceAllString(rest, " ")
	if a, ok := readRunner(rest); ok {
		add(a)
	}
	rest = reRunnerLabel.ReplaceAllString(rest, " ")
	if a, ok := readPort(rest); ok {
		add(a)
	}
	for _, a := range readVersion(rest) {
		add(a)
	}
	for _, a := range readEnv(s) {
		add(a)
	}
	if a, ok := readService(low); ok {
		add(a)
	}
	if a, ok := readStep(s); ok {
		add(a)
	}
	for _, a := range readRename(s) {
		add(a)
	}
	if a, ok := readDrop(s); ok {
		add(a)
	}
	return out
}

// mergeAsks appends asks not already present (same kind, target and
// value); a repeat that knows what it replaces fills in From.
func mergeAsks(have, more []ReviewAsk) []ReviewAsk {
	for _, a := range more {
		i := slices.IndexFunc(have, func(h ReviewAsk) bool {
			return h.Kind == a.Kind && h.Target == a.Target && h.Value == a.Value
		})
		if i < 0 {
			have = append(have, a)
			continue
		}
		if have[i].From == "" {
			have[i].From = a.From
		}
	}
	return have
}

var reURL = regexp.MustCompile(`[a-z][a-z0-9+.-]*://\S+`)

var rePinDigest = regexp.MustCompile(`\b(pin|pinned|pinning|lock)\b.*\b(digests?|sha256)\b|\bdigest-pin|@sha256\b|\bby (its |their )?(sha256 )?digests?\b`)

func readPinDigest(low string) (ReviewAsk, bool) {
	if rePinDigest.MatchString(low) {
		return ReviewAsk{Kind: askPinDigest}, true
	}
	return ReviewAsk{}, false
}

// reImageRef matches an image reference with a tag ("python:3.12-slim",
// "ghcr.io/o/app:1.2"); the repository must hold a letter, so "8080:80"
// and "127.0.0.1:5432" are not images.
var reImageRef = regexp.MustCompile(`\b([a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*):([a-z0-9][a-z0-9._-]{0,127})\b`)

// readImages reads image references: one a sentence names as a base
// ("FROM", "base") is a base image; another sets that image's tag.
func readImages(s, low string) []ReviewAsk {
	var out []ReviewAsk
	base := strings.Contains(low, "base") || strings.Contains(s, "FROM ")
	replaced := map[string]string{} // repository -> the tag a reference replaces
	for _, m := range reImageRef.FindAllStringSubmatchIndex(low, -1) {
		repo, tag := low[m[2]:m[3]], strings.TrimRight(low[m[4]:m[5]], ".-_")
		if !strings.ContainsAny(repo, "abcdefghijklmnopqrstuvwxyz") || repo == "sha256" || strings.HasSuffix(repo, "http") || strings.HasSuffix(repo, "https") {
			continue
		}
		// "node:24.1 instead of the rolling node:24": the second one is
		// what the first replaces, not a second request.
		if reReplacedBefore.MatchString(low[:m[0]]) {
			replaced[repo] = tag
			continue
		}
		if base {
			out = append(out, ReviewAsk{Kind: askBaseImage, Value: repo + ":" + tag})
			continue
		}
		out = append(out, ReviewAsk{Kind: askVersion, Target: repo, Value: tag})
	}
	for i, a := range out {
		if a.Kind == askVersion && replaced[a.Target] != "" {
			out[i].From = replaced[a.Target]
		}
	}
	return out
}

// reReplacedBefore matches the words that, just before an image
// reference, make it the one being replaced ("instead of the rolling").
var reReplacedBefore = regexp.MustCompile(`\b(?:instead of|rather than|in place of)\s+(?:the\s+|a\s+)?(?:[a-z-]+\s+)?$`)

var reRunnerLabel = regexp.MustCompile(`\b(?:ubuntu|windows|macos)-(?:latest|\d+(?:\.\d+)?(?:-arm)?)\b|\bself-hosted\b`)

// readRunner reads a runs-on label; "from A to B" and "B instead of A"
// say which one is new.
func readRunner(low string) (ReviewAsk, bool) {
	labels := reRunnerLabel.FindAllString(low, -1)
	if len(labels) == 0 {
		return ReviewAsk{}, false
	}
	a := ReviewAsk{Kind: askRunner, Value: labels[len(labels)-1]}
	if i := strings.Index(low, "from "+labels[0]); i >= 0 && len(labels) > 1 {
		a.From, a.Value = labels[0], labels[1]
	} else if strings.Contains(low, labels[0]+" instead") {
		a.Value = labels[0]
		if len(labels) > 1 {
			a.From = labels[1]
		}
	}
	return a, true
}

var (
	rePortWord    = regexp.MustCompile(`\b(expose[sd]?|port|ports|containerport|targetport|listen(?:s|ing)?)\b`)
	reNumber      = regexp.MustCompile(`\b\d{2,5}\b`)
	reFromTo      = regexp.MustCompile(`\bfrom\s+(?:[a-z]+\s+)?v?(\d+(?:\.\d+){0,2})\s+to\s+(?:[a-z]+\s+)?v?(\d+(?:\.\d+){0,2})\b`)
	reInsteadOf   = regexp.MustCompile(`\b(\d+(?:\.\d+){0,2}),?\s+(?:instead of|rather than|and not|not)\s+(?:just\s+)?(\d+(?:\.\d+){0,2})\b`)
	rePortInstead = regexp.MustCompile(`\b(?:expose|port|containerport)\s+(\d{2,5})\s+instead\b`)
	rePortWanted  = regexp.MustCompile(`\b(?:expose|port|containerport|targetport)\s*(?:to|=|:|of)?\s*(\d{2,5})\b`)
)

// readPort reads a port to expose or publish.
func readPort(low string) (ReviewAsk, bool) {
	if !rePortWord.MatchString(low) {
		return ReviewAsk{}, false
	}
	a := ReviewAsk{Kind: askPort}
	switch {
	case reFromTo.MatchString(low):
		m := reFromTo.FindStringSubmatch(low)
		a.From, a.Value = m[1], m[2]
	case reInsteadOf.MatchString(low):
		m := reInsteadOf.FindStringSubmatch(low)
		a.Value, a.From = m[1], m[2]
	case rePortInstead.MatchString(low):
		a.Value = rePortInstead.FindStringSubmatch(low)[1]
	case rePortWanted.MatchString(low):
		all := rePortWanted.FindAllStringSubmatch(low, -1)
		a.Value = all[len(all)-1][1]
	default:
		return ReviewAsk{}, false
	}
	if !validPort(a.Value) || (a.From != "" && !validPort(a.From)) {
		return ReviewAsk{}, false
	}
	if a.From == "" {
		// Two ports in the sentence: the other one is the one replaced.
		var others []string
		for _, n := range reNumber.FindAllString(low, -1) {
			if n != a.Value && !slices.Contains(others, n) {
				others = append(others, n)
			}
		}
		if len(others) == 1 && validPort(others[0]) {
			a.From = others[0]
		}
	}
	return a, true
}

// validPort reports whether s is a TCP port number.
func validPort(s string) bool {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
		n = n*10 + int(r-'0')
		if n > 65535 {
			return false
		}
	}
	return n > 0
}

// languages maps the words reviewers use to the language a version is of.
var languages = map[string]string{
	"go": "go", "golang": "go", "node": "node", "nodejs": "node", "node.js": "node",
	"python": "python", "java": "java", "jdk": "java", "temurin": "java",
}

var (
	reToolAction = regexp.MustCompile(`\b(?:setup|actions)-(?:node|go|python|java)\b|\bactions/[a-z-]+@\S+`)
	reLangKey    = regexp.MustCompile(`\b(node|go|python|java)-version:\s*['"]?(\d+(?:\.\d+){0,2}(?:\.x)?)`)
	reLangWord   = regexp.MustCompile(`\b(go|golang|node|nodejs|node\.js|python|java|jdk|temurin)\b(?:\s+version)?\s+(?:to\s+)?v?(\d+(?:\.\d+){0,2})\b`)
	reLangAny    = regexp.MustCompile(`\b(go|golang|node|nodejs|node\.js|python|java|jdk|temurin)\b`)
)

// readVersion reads language versions ("Node 20", "go-version: 1.22",
// "from 17 to Java 21", "Go 1.23 and Python 3.12"). An action's own
// version (setup-node v4) is not a language version: action pins come from
// the pin table, not reviews.
func readVersion(low string) []ReviewAsk {
	low = reToolAction.ReplaceAllString(low, " ")
	if m := reLangKey.FindStringSubmatch(low); m != nil {
		return validVersions(ReviewAsk{Kind: askVersion, Target: m[1], Value: m[2]})
	}
	lang := reLangAny.FindStringSubmatch(low)
	if lang == nil {
		return nil
	}
	if m := reFromTo.FindStringSubmatch(low); m != nil {
		return validVersions(ReviewAsk{Kind: askVersion, Target: languages[lang[1]], From: m[1], Value: m[2]})
	}
	var out []ReviewAsk
	for _, m := range reLangWord.FindAllStringSubmatch(low, -1) {
		out = append(out, validVersions(ReviewAsk{Kind: askVersion, Target: languages[m[1]], Value: m[2]})...)
	}
	return out
}

// validVersions keeps the asks whose version has its language's shape
// ("let's go to 22.04" is no Go version).
func validVersions(as ...ReviewAsk) []ReviewAsk {
	var out []ReviewAsk
	for _, a := range as {
		if langVersions[a.Target].MatchString(a.Value) {
			out = append(out, a)
		}
	}
	return out
}

// langVersions are the shapes each language's versions take.
var langVersions = map[string]*regexp.Regexp{
	"go":     regexp.MustCompile(`^1\.\d+(?:\.\d+)?$`),
	"python": regexp.MustCompile(`^3(?:\.\d+){0,2}$`),
	"node":   regexp.MustCompile(`^\d{1,2}(?:\.\d+){0,2}$`),
	"java":   regexp.MustCompile(`^\d{1,2}(?:\.\d+){0,2}$`),
}

var (
	reEnvAssign = regexp.MustCompile(`\b([A-Z][A-Z0-9_]*[A-Z0-9])=("[^"]*"|'[^']*'|[^\s,;]+)`)
	reEnvWords  = regexp.MustCompile(`(?i)\b(?:env(?:ironment)?\s+var(?:iable)?|env)\s+` + "`?" + `([A-Z][A-Z0-9_]*[A-Z0-9])` + "`?" + `\s+(?:to|=|with value|set to)\s+` + "`?" + `([^\s,;` + "`" + `]+)`)
)

// readEnv reads environment variables to add. A name that looks like a
// secret never keeps the value the review gave: it becomes a ${NAME}
// reference (a repository or CI secret), and the value is dropped.
func readEnv(s string) []ReviewAsk {
	var out []ReviewAsk
	seen := map[string]bool{}
	add := func(name, value string) {
		if seen[name] {
			return
		}
		seen[name] = true
		value = strings.Trim(strings.TrimRight(value, ".!?)"), `"'`)
		if secretLooking(name, value) {
			value = "${" + name + "}"
		}
		out = append(out, ReviewAsk{Kind: askEnv, Target: name, Value: value})
	}
	for _, m := range reEnvWords.FindAllStringSubmatch(s, -1) {
		add(m[1], m[2])
	}
	for _, m := range reEnvAssign.FindAllStringSubmatch(s, -1) {
		add(m[1], m[2])
	}
	return out
}

var (
	reSecretName = regexp.MustCompile(`PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|(^|_)KEY$|(^|_)PASS$|AUTH`)
	reUserInfo   = regexp.MustCompile(`://[^/@\s]+:[^/@\s]+@`)
)

// secretLooking reports whether an environment variable holds a secret by
// its name (a *_FILE or *_PATH name holds where one is, not the secret) or
// by its value (a URL with a password in it).
func secretLooking(name, value string) bool {
	if reUserInfo.MatchString(value) {
		return true
	}
	for _, suf := range []string{"_FILE", "_PATH", "_DIR"} {
		if strings.HasSuffix(name, suf) {
			return false
		}
	}
	return reSecretName.MatchString(name)
}

// backingNames maps what reviewers call a backing service to the compose
// specialist's name for it.
var backingNames = map[string]string{
	"postgres": "postgres", "postgresql": "postgres", "mysql": "mysql", "redis": "redis",
	"mongo": "mongodb", "mongodb": "mongodb", "rabbitmq": "rabbitmq",
}

var reService = regexp.MustCompile(`\badd\b(?:\s+(?:a|an|the))?\s+(postgres|postgresql|mysql|redis|mongo|mongodb|rabbitmq)\b`)

func readService(low string) (ReviewAsk, bool) {
	m := reService.FindStringSubmatch(low)
	if m == nil {
		return ReviewAsk{}, false
	}
	return ReviewAsk{Kind: AskService, Value: backingNames[m[1]]}, true
}

var (
	reCommandTool = `(?:npm|pnpm|yarn|npx|bun|go|make|pytest|python|python3|pip|uv|poetry|tox|ruff|cargo|mvn|gradle|\./gradlew|\./mvnw|docker|helm|terraform|kubectl|bundle|rake|composer|php|dotnet|\./[\w./-]+)`
	reStepTick    = regexp.MustCompile("`(" + reCommandTool + `\b[^` + "`" + `]*)` + "`")
	reStepPlain   = regexp.MustCompile(`(?i)\b(?:step|job)\b[^.]*?\b(?:runs?|running|to run|that runs)\s+(` + reCommandTool + `\b[^.,;]*?)(?:\s+(?:in|before|after|on|to)\b|[.,;!?]|$)`)
)

// readStep reads a workflow step to add: a command in backticks, or
// "a step that runs <command>".
func readStep(s string) (ReviewAsk, bool) {
	if m := reStepTick.FindStringSubmatch(s); m != nil {
		return ReviewAsk{Kind: askStep, Value: strings.TrimSpace(m[1])}, true
	}
	if m := reStepPlain.FindStringSubmatch(s); m != nil {
		return ReviewAsk{Kind: askStep, Value: strings.TrimSpace(m[1])}, true
	}
	return ReviewAsk{}, false
}

var (
	reRenameStart = regexp.MustCompile(`(?i)\brename\b`)
	reRenamePair  = regexp.MustCompile(`(?i)^(?:the\s+)?(?:(?:service|job|file|workflow)\s+)?` + "`?" + `([\w./-]+)` + "`?" + `(?:\s+(?:service|job|file|workflow))?\s+(?:to|into|as)\s+` + "`?" + `([\w./-]+)`)
	kindWords     = []string{"service", "job", "file", "workflow", "container", "it", "this", "that", "them"}
)

// readRename reads "rename X to Y" (and "X to Y and Z to W" after it).
func readRename(s string) []ReviewAsk {
	loc := reRenameStart.FindStringIndex(s)
	if loc == nil {
		return nil
	}
	var out []ReviewAsk
	rest := s[loc[1]:]
	for _, part := range regexp.MustCompile(`\s+and\s+|,\s*`).Split(rest, -1) {
		m := reRenamePair.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			continue
		}
		from, to := m[1], strings.TrimRight(m[2], ".")
		if slices.Contains(kindWords, strings.ToLower(from)) || to == "" {
			continue
		}
		out = append(out, ReviewAsk{Kind: askRename, Target: from, Value: to})
	}
	return out
}

var (
	reDropWhat = regexp.MustCompile(`(?i)\b(?:remove|delete|drop)\s+(?:the\s+|this\s+)?(?:file\s+)?` + "`?" + `((?:[\w.-]+/)*(?:Dockerfile[\w.-]*|[\w.-]+\.(?:ya?ml|json|tf|toml|Dockerfile|dockerignore|env|sh|cfg|conf)|\.dockerignore))` + "`?")
	reDropIt   = regexp.MustCompile(`(?i)\b(?:remove|delete|drop)\s+(it|this file)\b`)
	reFileName = regexp.MustCompile(`(?:[\w.-]+/)*(?:Dockerfile[\w.-]*|[\w.-]+\.(?:ya?ml|json|tf|toml|dockerignore|sh))\b`)
)

// readDrop reads a file to drop from the pull request: named, or "remove
// it" in a sentence naming one file. On a line comment, "remove this file"
// is the commented file (the applier fills that in from the path).
func readDrop(s string) (ReviewAsk, bool) {
	if m := reDropWhat.FindStringSubmatch(s); m != nil && !strings.Contains(strings.ToLower(s), " mention") {
		return ReviewAsk{Kind: askDrop, Value: m[1]}, true
	}
	if reDropIt.MatchString(s) {
		names := reFileName.FindAllString(s, -1)
		if len(names) == 1 {
			return ReviewAsk{Kind: askDrop, Value: names[0]}, true
		}
		if strings.Contains(strings.ToLower(s), "this file") {
			return ReviewAsk{Kind: askDrop}, true
		}
	}
	return ReviewAsk{}, false
}
