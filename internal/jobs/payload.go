package jobs

import (
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/compress/s2"
)

// Stored payloads (docs/reliability.md, "Fourth pass").
//
// A delivery's payload is stored compressed with S2 (a faster Snappy), in
// the request's goroutine before it joins a batch: a GitHub payload is
// JSON with dozens of repeated API URLs and shrinks about 2.8 times for
// about 10 µs of CPU, which spares the writer most of its bytes (on
// SQLite, two or three of the four pages a 14 KB payload fills, each
// written to the WAL, synced and checkpointed; on PostgreSQL, the
// server's own compression and most of what goes to TOAST).
//
// A compressed payload is marked by a first byte of payloadS2, which a
// JSON document never starts with; anything else is stored as it came,
// as every release before this one stored every payload. So old rows,
// rows an older replica writes during an upgrade and payloads that do
// not shrink all read back unchanged.
const payloadS2 = 0x01

// minCompressed is the smallest payload worth compressing.
const minCompressed = 512

// maxScratch is the largest working buffer kept for reuse.
const maxScratch = 256 << 10

// scratch holds encodePayload's working buffers.
var scratch = sync.Pool{New: func() any { return new([]byte) }}

// encodePayload is the bytes to store for payload p: p itself when it is
// small or does not shrink, else the marker and p compressed. A payload
// that itself starts with the marker (never JSON, but the Store takes any
// bytes) is always compressed, so what is read back is never mistaken.
func encodePayload(p []byte) []byte {
	marked := len(p) > 0 && p[0] == payloadS2
	if len(p) < minCompressed && !marked {
		return p
	}
	buf := scratch.Get().(*[]byte)
	if n := s2.MaxEncodedLen(len(p)); cap(*buf) < n {
		*buf = make([]byte, n)
	}
	defer func() {
		// A large delivery's buffer is not kept for the next.
		if cap(*buf) <= maxScratch {
			scratch.Put(buf)
		}
	}()
	enc := s2.Encode((*buf)[:cap(*buf)], p)
	if 1+len(enc) >= len(p) && !marked {
		return p
	}
	out := make([]byte, 1+len(enc))
	out[0] = payloadS2
	copy(out[1:], enc)
	return out
}

// errCorruptPayload reports a stored payload that does not decode.
var errCorruptPayload = errors.New("stored payload is corrupt")

// decodePayload is the payload stored as b.
func decodePayload(b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != payloadS2 {
		return b, nil
	}
	p, err := s2.Decode(nil, b[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errCorruptPayload, err)
	}
	return p, nil
}

// payloadColumn scans a stored payload into *dst, decoded.
type payloadColumn struct{ dst *[]byte }

// Scan implements sql.Scanner.
func (c payloadColumn) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("a payload column holds %T, not bytes", src)
	}
	p, err := decodePayload(b)
	if err != nil {
		return err
	}
	if len(p) > 0 && len(b) > 0 && &p[0] == &b[0] {
		// The driver may reuse the bytes it scanned from.
		p = append([]byte(nil), p...)
	}
	*c.dst = p
	return nil
}
