package labelrule

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestRuleRepairsStripsAndCutsOnlyWhatItMust(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 600) // 1200 bytes, two per rune
	for _, tc := range []struct {
		name, in, want string
		changed        bool
	}{
		{"plain", "nginx", "nginx", false},
		{"quotes and backslashes are valid, escaped by the exposition", `a"b\c`, `a"b\c`, false},
		{"non-ASCII", "日本-ü", "日本-ü", false},
		{"newline and tab removed", "a\nb\tc\r", "abc", true},
		{"DEL and C1 removed", "a\x7fb\u0085c", "abc", true},
		{"invalid UTF-8 replaced", "bad\xffbyte", "bad\uFFFDbyte", true},
		{"cut at a rune boundary", long, strings.Repeat("é", 512), true},
		{"exactly the limit", strings.Repeat("x", MaxValueBytes), strings.Repeat("x", MaxValueBytes), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := Clean(tc.in)
			require.Equal(t, tc.want, got)
			require.True(t, utf8.ValidString(got))
			require.LessOrEqual(t, len(got), MaxValueBytes)
			require.Equal(t, tc.changed, changed)
			again, _ := Clean(got) // a repaired U+FFFD still counts as repaired
			require.Equal(t, got, again, "the rule is idempotent")
		})
	}
}
