// Package ident generates and parses 128-bit identifiers.
package ident

import (
	"crypto/rand"
	"encoding/hex"
)

// ID is a 16-byte identifier.
type ID [16]byte

// New returns a random ID.
func New() ID {
	var id ID
	_, _ = rand.Read(id[:])
	id[6] = id[6]&0x0f | 0x40
	return id
}

// String formats the ID as 32 hex digits.
func (id ID) String() string { return hex.EncodeToString(id[:]) }
