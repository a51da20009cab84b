package change

import (
	"strings"
	"testing"
)

func TestPutRemoveAndDiff(t *testing.T) {
	c := New("ci", "cicd-specialist")
	c.Put("b.txt", []byte("new\n"), nil, "")
	c.Put("a.txt", []byte("one\ntwo\n"), []byte("one\n"), "why")
	c.Put("same.txt", []byte("x"), []byte("x"), "") // unchanged: not recorded
	c.Remove("gone.txt", []byte("bye\n"), "")
	if got := strings.Join(c.Paths(), ","); got != "a.txt,b.txt,gone.txt" {
		t.Fatalf("paths = %s", got)
	}
	if f := c.Get("a.txt"); f.Op != Modify || f.Note != "why" {
		t.Fatalf("a.txt = %+v", f)
	}
	if f := c.Get("b.txt"); f.Op != Add {
		t.Fatalf("b.txt op = %s", f.Op)
	}
	// A second Put replaces the content but keeps the original Old.
	c.Put("a.txt", []byte("one\nthree\n"), []byte("ignored\n"), "")
	if f := c.Get("a.txt"); string(f.Old) != "one\n" || string(f.Content) != "one\nthree\n" {
		t.Fatalf("a.txt after second put = %q -> %q", f.Old, f.Content)
	}
	d := c.Diff()
	for _, want := range []string{"diff --git a/a.txt b/a.txt", "+three", "--- /dev/null", "+++ b/b.txt", "+++ /dev/null", "-bye"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if add, del := c.Get("gone.txt").Stat(); add != 0 || del != 1 {
		t.Errorf("gone.txt stat = +%d -%d", add, del)
	}
	if c.Empty() || (*ChangeSet)(nil).Empty() != true {
		t.Error("Empty")
	}
	c.Put("a.txt", []byte("one\n"), []byte("one\n"), "") // back to the original: dropped
	if c.Get("a.txt") != nil {
		t.Error("a file put back to its old content must be dropped")
	}
}
