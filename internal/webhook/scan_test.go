package webhook

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// scanSeeds are documents the fast path must read as encoding/json does,
// or leave to it: GitHub's shapes, and the corners where the two could
// differ (escapes, case, duplicates, types, nulls, syntax).
var scanSeeds = []string{
	`{"action":"labeled","installation":{"id":42},"repository":{"full_name":"acme/api","default_branch":"main"},"sender":{"login":"alice","type":"User"},"label":{"name":"devops"},"issue":{"id":1000001,"number":1,"updated_at":"2026-11-20T10:00:00Z","title":"Add CI","body":"xxxx"}}`,
	`{"action":"edited","comment":{"id":2,"updated_at":"2026-11-20T10:00:09Z"},"changes":{"body":{"from":"b"}}}`,
	`{"action":"edited","changes":null}`,
	`{"action":"synchronize","after":"abc","pull_request":{"id":9,"number":3,"updated_at":"2026-11-20T11:00:00Z"}}`,
	`{"action":"submitted","review":{"id":77,"submitted_at":"2026-11-20T10:00:00Z"}}`,
	` {"action" : "labeled" , "label" : { "name" : "dev\u006fps" } } `,
	`{"label":{"name":"caf\u00e9 \ud83d\ude00 \ud800 x"}}`,
	"{\"label\":{\"name\":\"caf\xc3\xa9 \xff\xfe\"}}",
	`{"\u0061ction":"labeled"}`,
	`{"Action":"labeled"}`,
	`{"ACTION":"labeled","action":"x"}`,
	`{"action":"a","action":"b"}`,
	`{"issue":{"id":1},"issue":{"number":2}}`,
	`{"issue":{"ID":1,"id":2}}`,
	`{"action":5}`,
	`{"action":null,"issue":null,"installation":null}`,
	`{"issue":{"id":1.5}}`,
	`{"issue":{"id":1e3}}`,
	`{"issue":{"id":-0,"number":-7}}`,
	`{"issue":{"id":99999999999999999999}}`,
	`{"issue":{"id":"1"}}`,
	`{"issue":"x"}`,
	`{"issue":[1]}`,
	`{"comment":{"id":true}}`,
	`{"sender":{"login":"dependabot[bot]","type":"Bot","site_admin":false}}`,
	`{"x":[1,-2.5e+3,true,false,null,"s",{"a":[]},[]],"y":{}}`,
	`{"x":[1,]}`,
	`{"x":{"a":1,}}`,
	`{"x":01}`,
	`{"x":1.}`,
	`{"x":-}`,
	`{"x":.5}`,
	`{"x":tru}`,
	`{"x":nul}`,
	`{"x":"a\qb"}`,
	"{\"x\":\"a\tb\"}",
	`{"x":"\u12"}`,
	`{"x":1}x`,
	`{"x":1}{}`,
	`{"x":1`,
	`{"x"`,
	`{"x":"`,
	`{`,
	`{}`,
	`null`,
	`[]`,
	`"s"`,
	``,
	`   `,
	`{"x":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`,
	`{"ſender":{"login":"a"}}`,
	`{"changes":{"title":{"from":"a\"b"}}, "action":"edited"}`,
	`{"installation":{"id":1,"account":{"login":"o","id":2}},"repository":{"id":3,"owner":{"login":"o"},"full_name":"o/r"}}`,
}

func FuzzScanPayload(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkScan(t, body)
	})
}

// checkScan holds the fast path to encoding/json: when it reads a
// document, encoding/json must take the document too and read the same
// fields.
func checkScan(t *testing.T, body []byte) {
	t.Helper()
	var fast payload
	if !scanPayload(body, &fast) {
		return
	}
	var slow payload
	if err := json.Unmarshal(body, &slow); err != nil {
		t.Fatalf("the fast path read %q, which encoding/json refuses: %v", body, err)
	}
	if !bytes.Equal(fast.Changes, slow.Changes) {
		t.Fatalf("%q: changes %q, encoding/json %q", body, fast.Changes, slow.Changes)
	}
	fast.Changes, slow.Changes = nil, nil
	if !reflect.DeepEqual(fast, slow) {
		fj, _ := json.Marshal(fast)
		sj, _ := json.Marshal(slow)
		t.Fatalf("%q: the fast path read %s, encoding/json %s", body, fj, sj)
	}
}

func TestScanPayloadAgreesWithEncodingJSON(t *testing.T) {
	taken := 0
	for _, s := range scanSeeds {
		var p payload
		if scanPayload([]byte(s), &p) {
			taken++
		}
		checkScan(t, []byte(s))
		// Every prefix of a document: cut anywhere, never read as whole.
		for i := range len(s) {
			checkScan(t, []byte(s[:i]))
		}
	}
	// The plain documents take the fast path (else it would be no faster).
	for _, s := range scanSeeds[:5] {
		var p payload
		if !scanPayload([]byte(s), &p) {
			t.Errorf("a plain GitHub payload left the fast path: %s", s)
		}
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var p payload
		if !scanPayload(b, &p) {
			t.Errorf("%s left the fast path", name)
		}
		checkScan(t, b)
	}
	t.Logf("%d of %d seeds took the fast path", taken, len(scanSeeds))
}

// The corners the fast path leaves to encoding/json keep its answers:
// refused, or taken with the identity from the body.
func TestScanPayloadLeavesTheOddToEncodingJSON(t *testing.T) {
	for _, s := range []string{`{"Action":"labeled"}`, `{"\u0061ction":"labeled"}`, `{"action":"a","action":"b"}`, `{"issue":{"id":1.5}}`, `{"x":1}x`, `null`} {
		var p payload
		if scanPayload([]byte(s), &p) {
			t.Errorf("the fast path read %s, which is encoding/json's to decide", s)
		}
	}
	d, err := FromPayload("d", "issues", []byte(`{"Action":"labeled","installation":{"id":1}}`))
	if err != nil || d.Action != "labeled" || d.Installation != 1 {
		t.Fatalf("a key in another case: %+v, %v (encoding/json matches it)", d, err)
	}
	if _, err := FromPayload("d", "issues", []byte(`{"action":"labeled"} {}`)); err == nil {
		t.Fatal("trailing data was taken")
	}
	d, err = FromPayload("d", "issues", []byte(`{"action":"labeled","installation":{"id":1},"issue":{"id":"x","number":4}}`))
	if err != nil || !strings.HasPrefix(d.Identity, "issues/sha256:") || d.Number != 4 {
		t.Fatalf("an odd identity field: %+v, %v", d, err)
	}
}

func BenchmarkFromPayload(b *testing.B) {
	body := []byte(`{"action":"labeled","installation":{"id":42},"repository":{"full_name":"acme/api","default_branch":"main"},` +
		`"sender":{"login":"alice","type":"User"},"label":{"name":"devops"},"issue":{"id":1000001,"number":1,"updated_at":"2026-11-20T10:00:00Z","title":"Add CI","body":"` +
		strings.Repeat("x", 13500) + `"}}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := FromPayload("id", "issues", body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalPayload(b *testing.B) {
	body := []byte(`{"action":"labeled","installation":{"id":42},"repository":{"full_name":"acme/api","default_branch":"main"},` +
		`"sender":{"login":"alice","type":"User"},"label":{"name":"devops"},"issue":{"id":1000001,"number":1,"updated_at":"2026-11-20T10:00:00Z","title":"Add CI","body":"` +
		strings.Repeat("x", 13500) + `"}}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var p payload
		if err := json.Unmarshal(body, &p); err != nil {
			b.Fatal(err)
		}
	}
}

// special is exact for a word as a whole: it reports a special byte when,
// and only when, one of the eight is.
func TestSpecialWordTest(t *testing.T) {
	truth := func(w uint64) bool {
		for i := range 8 {
			if strByte[byte(w>>(8*i))] != 0 {
				return true
			}
		}
		return false
	}
	r := rand.New(rand.NewPCG(1, 2))
	plain := []byte("abcXYZ019 -_/{}:,!~")
	for i := range 200000 {
		var w uint64
		for j := range 8 {
			c := plain[r.IntN(len(plain))]
			if i%3 == 0 && r.IntN(8) == 0 {
				c = byte(r.IntN(256)) // now and then any byte
			}
			w |= uint64(c) << (8 * j)
		}
		if special(w) != truth(w) {
			t.Fatalf("special(%#x) = %v", w, special(w))
		}
	}
	for c := range 256 {
		w := uint64(0x6161616161616161)&^0xff00 | uint64(c)<<8
		if special(w) != truth(w) {
			t.Fatalf("byte %#x: special(%#x) = %v", c, w, special(w))
		}
	}
}
