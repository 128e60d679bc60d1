package inventory

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestSanitizerRule(t *testing.T) {
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
		{"exactly the limit", strings.Repeat("x", MaxLabelValueBytes), strings.Repeat("x", MaxLabelValueBytes), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := &sanitizer{}
			got := z.clean(tc.in)
			require.Equal(t, tc.want, got)
			require.True(t, utf8.ValidString(got))
			require.LessOrEqual(t, len(got), MaxLabelValueBytes)
			require.Equal(t, tc.changed, z.changed == 1)
			require.Equal(t, got, (&sanitizer{}).clean(got), "the rule is idempotent")
		})
	}
}
