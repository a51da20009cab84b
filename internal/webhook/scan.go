package webhook

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Reading the few fields intake needs (payload) out of a 14 KB webhook
// body with encoding/json costs two full passes over it: json.Unmarshal
// first validates the whole document, then decodes it, skipping what the
// struct does not name. That was a fifth of the handler's CPU. scanPayload
// does both in one pass that steps over the long strings (issue and
// comment bodies) a byte table at a time.
//
// It is a fast path, not a second JSON parser to trust: it succeeds only
// on a document that it has checked is valid JSON by the grammar
// encoding/json applies, and whose wanted fields are plain (the expected
// type or null, each key once, spelled exactly). On anything else (a
// syntax error, a type mismatch, a key in another case, which
// encoding/json would match, a duplicated key, deep nesting) it gives up
// and FromPayload runs json.Unmarshal, so the answer for those documents
// is encoding/json's own. FuzzScanPayload holds the two to the same result.

// maxScanDepth is the deepest nesting the fast path follows; deeper
// documents go to encoding/json (which allows 10,000 levels).
const maxScanDepth = 200

// scanner reads one document; off is the next byte.
type scanner struct {
	b   []byte
	off int
	ok  bool // false once the fast path gave up
}

// scanPayload fills p from body in one pass; false means "use
// encoding/json" (and p is then to be discarded).
func scanPayload(body []byte, p *payload) bool {
	s := scanner{b: body, ok: true}
	s.ws()
	if s.off >= len(s.b) || s.b[s.off] != '{' {
		return false
	}
	s.topLevel(p)
	if !s.ok {
		return false
	}
	s.ws()
	return s.off == len(s.b)
}

// fail gives up the fast path.
func (s *scanner) fail() { s.ok = false }

// ws skips JSON whitespace.
func (s *scanner) ws() {
	for s.off < len(s.b) {
		switch s.b[s.off] {
		case ' ', '\t', '\n', '\r':
			s.off++
		default:
			return
		}
	}
}

// member steps to the next member of an object whose '{' open consumed
// (n counts the members so far) and returns its key, with off at its
// value; false at the object's end or on giving up. In an object whose
// fields are wanted, a key with an escape or a non-ASCII byte gives up:
// decoded or case-folded, it could name a field for encoding/json.
func (s *scanner) member(n *int, wanted bool) ([]byte, bool) {
	if !s.ok {
		return nil, false
	}
	s.ws()
	if s.off >= len(s.b) {
		s.fail()
		return nil, false
	}
	switch c := s.b[s.off]; {
	case c == '}':
		s.off++
		return nil, false
	case *n > 0 && c != ',':
		s.fail()
		return nil, false
	case *n > 0:
		s.off++
		s.ws()
	}
	*n++
	if s.off >= len(s.b) || s.b[s.off] != '"' {
		s.fail()
		return nil, false
	}
	key, plain := s.str()
	if !s.ok {
		return nil, false
	}
	s.ws()
	if s.off >= len(s.b) || s.b[s.off] != ':' {
		s.fail()
		return nil, false
	}
	s.off++
	s.ws()
	if wanted && !plain {
		s.fail()
		return nil, false
	}
	return key, true
}

// open consumes an object's '{' at depth.
func (s *scanner) open(depth int) bool {
	if depth > maxScanDepth || s.off >= len(s.b) || s.b[s.off] != '{' {
		s.fail()
		return false
	}
	s.off++
	return true
}

// strByte classes the bytes of a string: 0 ordinary ASCII, 1 the end or
// an escape or a control character (handled one by one), 2 non-ASCII.
var strByte = func() (t [256]byte) {
	for c := range 0x20 {
		t[c] = 1
	}
	t['"'], t['\\'] = 1, 1
	for c := 0x80; c < 0x100; c++ {
		t[c] = 2
	}
	return t
}()

// str reads the string at off ('"' expected) and returns its raw content
// (between the quotes, escapes not decoded); plain reports that it has no
// escape and no non-ASCII byte, so the content is the value.
func (s *scanner) str() (raw []byte, plain bool) {
	start := s.off + 1
	i := start
	plain = true
	b := s.b
	for {
		// Eight bytes at a time while none is special (SWAR: each test
		// is exact for the word as a whole), then a byte at a time.
		for i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			if special(w) {
				break
			}
			i += 8
		}
		for i < len(b) && strByte[b[i]] == 0 {
			i++
		}
		if i >= len(b) {
			s.fail()
			return nil, false
		}
		switch c := b[i]; {
		case c == '"':
			s.off = i + 1
			return b[start:i], plain
		case c == '\\':
			plain = false
			if i+1 >= len(b) {
				s.fail()
				return nil, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					s.fail()
					return nil, false
				}
				i += 6
			default:
				s.fail()
				return nil, false
			}
		case c < 0x20:
			s.fail()
			return nil, false
		default: // non-ASCII: any byte is valid JSON (invalid UTF-8 becomes U+FFFD)
			plain = false
			i++
		}
	}
}

// special reports whether any byte of w ends a run of ordinary string
// bytes: a control character (below 0x20), '"', '\\' or a non-ASCII byte.
func special(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (w - 0x20*ones) &^ w & highs // a byte below 0x20
	q := w ^ '"'*ones
	quote := (q - ones) &^ q & highs // a zero byte of q: a '"' in w
	e := w ^ '\\'*ones
	escape := (e - ones) &^ e & highs
	return below|quote|escape|w&highs != 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// stringValue reads a wanted string field: a string sets *dst, null
// leaves it; any other type gives up.
func (s *scanner) stringValue(dst *string) {
	if s.off >= len(s.b) {
		s.fail()
		return
	}
	switch s.b[s.off] {
	case '"':
		start := s.off
		raw, plain := s.str()
		if !s.ok {
			return
		}
		if plain || utf8.Valid(raw) && !containsBackslash(raw) {
			*dst = string(raw)
			return
		}
		// Escapes or invalid UTF-8: decode the token as encoding/json does.
		if err := json.Unmarshal(s.b[start:s.off], dst); err != nil {
			s.fail()
		}
	case 'n':
		s.literal("null")
	default:
		s.fail()
	}
}

func containsBackslash(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

// intValue reads a wanted integer field: an integer within 64 bits sets
// *dst, null leaves it; a fraction, an exponent or another type gives up.
func (s *scanner) intValue(dst *int64) {
	if s.off >= len(s.b) {
		s.fail()
		return
	}
	if s.b[s.off] == 'n' {
		s.literal("null")
		return
	}
	start := s.off
	s.number()
	if !s.ok {
		return
	}
	n, err := strconv.ParseInt(string(s.b[start:s.off]), 10, 64)
	if err != nil {
		s.fail()
		return
	}
	*dst = n
}

// number steps over a JSON number.
func (s *scanner) number() {
	b, i := s.b, s.off
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		s.fail()
		return
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.fail()
			return
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.fail()
			return
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	s.off = i
}

// literal steps over true, false or null, exactly.
func (s *scanner) literal(word string) {
	if len(s.b)-s.off < len(word) || string(s.b[s.off:s.off+len(word)]) != word {
		s.fail()
		return
	}
	s.off += len(word)
}

// skip steps over any value, checking its syntax.
func (s *scanner) skip(depth int) {
	if s.off >= len(s.b) {
		s.fail()
		return
	}
	switch c := s.b[s.off]; {
	case c == '"':
		s.str()
	case c == '{':
		if s.open(depth + 1) {
			for n := 0; ; {
				if _, ok := s.member(&n, false); !ok {
					break
				}
				s.skip(depth + 1)
			}
		}
	case c == '[':
		s.array(depth + 1)
	case c == 't':
		s.literal("true")
	case c == 'f':
		s.literal("false")
	case c == 'n':
		s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		s.number()
	default:
		s.fail()
	}
}

// array steps over an array.
func (s *scanner) array(depth int) {
	if depth > maxScanDepth {
		s.fail()
		return
	}
	s.off++ // '['
	s.ws()
	if s.off < len(s.b) && s.b[s.off] == ']' {
		s.off++
		return
	}
	for s.ok {
		s.ws()
		s.skip(depth)
		if !s.ok {
			return
		}
		s.ws()
		if s.off >= len(s.b) {
			s.fail()
			return
		}
		switch s.b[s.off] {
		case ',':
			s.off++
		case ']':
			s.off++
			return
		default:
			s.fail()
			return
		}
	}
}

// fields is the set of wanted keys of one object, so that a key seen twice
// (which encoding/json merges) goes to encoding/json.
type fields uint32

// once marks bit as seen, giving up if it was.
func (s *scanner) once(seen *fields, bit int) bool {
	if *seen&(1<<bit) != 0 {
		s.fail()
		return false
	}
	*seen |= 1 << bit
	return true
}

// match reports whether key is name exactly; a key equal to name but for
// ASCII case, which encoding/json would take for the field, gives up.
func (s *scanner) match(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	if string(key) == name {
		return true
	}
	for i := range len(key) {
		a, b := key[i], name[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	s.fail()
	return false
}

// nested reports whether a wanted object-valued field holds an object
// (off at its '{'); null is stepped over (the field stays nil), any other
// type gives up.
func (s *scanner) nested() bool {
	if s.off >= len(s.b) {
		s.fail()
		return false
	}
	switch s.b[s.off] {
	case '{':
		return true
	case 'n':
		s.literal("null")
	default:
		s.fail()
	}
	return false
}

// topLevel reads the payload object.
func (s *scanner) topLevel(p *payload) {
	const depth = 1
	if !s.open(depth) {
		return
	}
	var seen fields
	for n := 0; ; {
		key, ok := s.member(&n, true)
		if !ok {
			return
		}
		switch {
		case s.match(key, "action"):
			if s.once(&seen, 0) {
				s.stringValue(&p.Action)
			}
		case s.match(key, "installation"):
			if s.once(&seen, 1) && s.nested() {
				p.Installation = &struct {
					ID int64 `json:"id"`
				}{}
				s.oneField(depth+1, "id", func() { s.intValue(&p.Installation.ID) })
			}
		case s.match(key, "repository"):
			if s.once(&seen, 2) && s.nested() {
				p.Repository = &struct {
					FullName string `json:"full_name"`
				}{}
				s.oneField(depth+1, "full_name", func() { s.stringValue(&p.Repository.FullName) })
			}
		case s.match(key, "issue"):
			if s.once(&seen, 3) && s.nested() {
				p.Issue = s.object(depth + 1)
			}
		case s.match(key, "pull_request"):
			if s.once(&seen, 4) && s.nested() {
				p.PullRequest = s.object(depth + 1)
			}
		case s.match(key, "comment"):
			if s.once(&seen, 5) && s.nested() {
				p.Comment = s.object(depth + 1)
			}
		case s.match(key, "review"):
			if s.once(&seen, 6) && s.nested() {
				p.Review = s.object(depth + 1)
			}
		case s.match(key, "label"):
			if s.once(&seen, 7) && s.nested() {
				p.Label = &struct {
					Name string `json:"name"`
				}{}
				s.oneField(depth+1, "name", func() { s.stringValue(&p.Label.Name) })
			}
		case s.match(key, "changes"):
			if s.once(&seen, 8) {
				start := s.off
				s.skip(depth)
				p.Changes = json.RawMessage(s.b[start:s.off])
			}
		case s.match(key, "after"):
			if s.once(&seen, 9) {
				s.stringValue(&p.After)
			}
		case s.match(key, "sender"):
			if s.once(&seen, 10) && s.nested() {
				p.Sender = &struct {
					Login string `json:"login"`
					Type  string `json:"type"`
				}{}
				s.sender(depth+1, &p.Sender.Login, &p.Sender.Type)
			}
		case s.ok:
			s.skip(depth)
		}
	}
}

// oneField reads an object of which one field (name) is wanted, by read.
func (s *scanner) oneField(depth int, name string, read func()) {
	if !s.open(depth) {
		return
	}
	var seen fields
	for n := 0; ; {
		key, ok := s.member(&n, true)
		if !ok {
			return
		}
		switch {
		case s.match(key, name):
			if s.once(&seen, 0) {
				read()
			}
		case s.ok:
			s.skip(depth)
		}
	}
}

// sender reads the sender's login and type.
func (s *scanner) sender(depth int, login, typ *string) {
	if !s.open(depth) {
		return
	}
	var seen fields
	for n := 0; ; {
		key, ok := s.member(&n, true)
		if !ok {
			return
		}
		switch {
		case s.match(key, "login"):
			if s.once(&seen, 0) {
				s.stringValue(login)
			}
		case s.match(key, "type"):
			if s.once(&seen, 1) {
				s.stringValue(typ)
			}
		case s.ok:
			s.skip(depth)
		}
	}
}

// object reads an issue, pull request, comment or review.
func (s *scanner) object(depth int) *object {
	o := &object{}
	if !s.open(depth) {
		return o
	}
	var seen fields
	for n := 0; ; {
		key, ok := s.member(&n, true)
		if !ok {
			return o
		}
		switch {
		case s.match(key, "id"):
			if s.once(&seen, 0) {
				s.intValue(&o.ID)
			}
		case s.match(key, "number"):
			if s.once(&seen, 1) {
				v := int64(o.Number)
				s.intValue(&v)
				if int64(int(v)) != v {
					s.fail() // beyond int: encoding/json's type error
				}
				o.Number = int(v)
			}
		case s.match(key, "updated_at"):
			if s.once(&seen, 2) {
				s.stringValue(&o.UpdatedAt)
			}
		case s.match(key, "submitted_at"):
			if s.once(&seen, 3) {
				s.stringValue(&o.SubmittedAt)
			}
		case s.ok:
			s.skip(depth)
		}
	}
}
