// Package labelrule is the one rule every label value from the HSS API
// passes before it reaches a series, whichever source read it.
package labelrule

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxValueBytes is the longest label value the exporter emits.
//
// Label values come straight from the HSS API, so they are sanitised by one
// rule before they reach a series:
//  1. invalid UTF-8 byte sequences are replaced by U+FFFD;
//     a value that arrives holding U+FFFD counts as repaired too: the JSON
//     decoder of the API's answers has already replaced invalid UTF-8 (and
//     lone surrogate escapes) with it before the rule sees the value;
//  2. control characters (Unicode category Cc: C0, DEL, C1, including
//     newline and tab) are removed;
//  3. the result is cut to at most MaxValueBytes bytes, at a rune
//     boundary, so it stays valid UTF-8.
//
// Every value changed by the rule is counted in
// hss_exporter_label_values_sanitized_total{target}.
const MaxValueBytes = 1024

// Clean returns s under the rule, and whether the rule changed it.
func Clean(s string) (string, bool) {
	if isClean(s) {
		return s, false
	}
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) > MaxValueBytes {
		cut := MaxValueBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s, true
}

// isClean is the fast path: almost every upstream value is short,
// printable ASCII or valid UTF-8 without control characters. U+FFFD is
// not clean even when validly encoded: it marks a value the decoder
// repaired, which the counter must see.
func isClean(s string) bool {
	if len(s) > MaxValueBytes {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsControl(r) {
			return false
		}
		i += size
	}
	return true
}
