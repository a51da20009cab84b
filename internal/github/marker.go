package github

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Markers are hidden HTML comments that let the bot find what it wrote
// before: "<!-- devops-lead:KIND -->", optionally carrying JSON data:
// "<!-- devops-lead:KIND {...} -->".
const markerPrefix = "<!-- devops-lead:"

// Marker returns the bare marker of a kind ("plan", "task:ci",
// "refusal"...).
func Marker(kind string) string { return markerPrefix + kind + " -->" }

// WithData returns the marker of a kind carrying v as JSON. "--" never
// appears inside it, so the HTML comment cannot be closed early.
func WithData(kind string, v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("marker %s: %w", kind, err)
	}
	data := strings.ReplaceAll(strings.TrimSpace(b.String()), "--", `-\u002d`)
	return markerPrefix + kind + " " + data + " -->", nil
}

// HasMarker reports whether body carries the marker of a kind (bare or
// with data).
func HasMarker(body, kind string) bool {
	return strings.Contains(body, markerPrefix+kind+" -->") || strings.Contains(body, markerPrefix+kind+" {")
}

// Data decodes the JSON a kind's marker carries in body into v. It
// reports false when body has no such marker with data.
func Data(body, kind string, v any) (bool, error) {
	start := strings.Index(body, markerPrefix+kind+" {")
	if start < 0 {
		return false, nil
	}
	rest := body[start+len(markerPrefix)+len(kind)+1:]
	end := strings.Index(rest, " -->")
	if end < 0 {
		return false, fmt.Errorf("marker %s: not closed", kind)
	}
	if err := json.Unmarshal([]byte(rest[:end]), v); err != nil {
		return false, fmt.Errorf("marker %s: %w", kind, err)
	}
	return true, nil
}
