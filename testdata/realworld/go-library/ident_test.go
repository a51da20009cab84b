package ident

import "testing"

func TestNew(t *testing.T) {
	if New() == New() {
		t.Fatal("two IDs are equal")
	}
}
