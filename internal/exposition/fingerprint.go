package exposition

import (
	"encoding/binary"
	"hash/maphash"
)

// Fingerprints of a unit's members, which a Plan sums: a source hashes
// what each member's series show, so a unit whose sum is unchanged is not
// encoded again. They are compared only within a process, so a seed made
// at start will do.

// HashStrings hashes values, each ended by 0xff, never in valid UTF-8, so
// that no two lists hash alike by shifting a byte from one value to the
// next.
func HashStrings(seed maphash.Seed, values ...string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	for _, v := range values {
		h.WriteString(v)
		h.WriteByte(0xff)
	}
	return h.Sum64()
}

// HashWords hashes a few words into one.
func HashWords(seed maphash.Seed, words ...uint64) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	var b [8]byte
	for _, w := range words {
		binary.LittleEndian.PutUint64(b[:], w)
		h.Write(b[:])
	}
	return h.Sum64()
}
