package suggest

import "testing"

func TestNearest(t *testing.T) {
	words := []string{"plan", "apply", "status", "retry"}
	for in, want := range map[string]string{"aply": "apply", "PLNA": "plan", "stat": "status", "zzzzzz": "", "": ""} {
		if got := Nearest(in, words, 2); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance = %d", d)
	}
}
