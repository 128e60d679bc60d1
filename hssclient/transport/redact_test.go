package transport

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fragmentToken stands for an IAM token: hundreds of characters, a fixed
// prefix every token shares.
const fragmentToken = "MIIEfragmentToken" + "q8ZvT3mWx0LkR7yBn2HsJd5PcFa9UeGi4Ot1YrNl6QwKzXbVj" +
	"MhCpE8gSuA3fDo0IyTtR5nLk7WqZ2xHvJ9bMcPe4sGa1UdNi6FoY3rKlQwXzB8tVjH2mCp"

// fragmentForms are the ways a cut-short echo of a secret may come back.
var fragmentForms = map[string]func(string) string{
	"as sent":           func(s string) string { return s },
	"lower case":        strings.ToLower,
	"base64":            func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
	"base64url no pad":  func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) },
	"base64, shifted 1": func(s string) string { return base64.StdEncoding.EncodeToString([]byte("t=" + s + ";")) },
	"base64, shifted 2": func(s string) string { return base64.StdEncoding.EncodeToString([]byte("tk=" + s)) },
	"hex":               func(s string) string { return hex.EncodeToString([]byte(s)) },
	"HEX":               func(s string) string { return strings.ToUpper(hex.EncodeToString([]byte(s))) },
}

func TestACutShortSecretIsCutToo(t *testing.T) {
	t.Parallel()
	r := NewRedactor(fragmentToken, "correct-horse-battery-staple-42")
	fragments := map[string]string{
		"62-character prefix": fragmentToken[:62],
		"40-character suffix": fragmentToken[len(fragmentToken)-40:],
		"20 from the middle":  fragmentToken[70:90],
		"password prefix":     "correct-horse-battery",
	}
	for fragName, fragment := range fragments {
		for formName, form := range fragmentForms {
			echoed := form(fragment)
			got := r.Clean("token " + echoed + " is not valid")
			require.Contains(t, got, redacted, "%s %s: %q", fragName, formName, got)
			require.True(t, strings.HasPrefix(got, "token ") && strings.HasSuffix(got, " is not valid"),
				"%s %s: the words around stay: %q", fragName, formName, got)
			// At most a few characters of the encoded edges may remain.
			require.Less(t, len(got)-len("token  is not valid")-len(redacted), minFragment,
				"%s %s leaves too much: %q", fragName, formName, got)
		}
	}
}

func TestOrdinaryTextSharingAFewCharactersWithASecretStays(t *testing.T) {
	t.Parallel()
	r := NewRedactor(fragmentToken, "EchoedSecretKey-5f4dcc3b5aa765d61d83", "correct-horse-battery-staple-42")
	for _, text := range []string{
		"The request you have made requires authentication.",
		"Incorrect IAM authentication information: the token MIIE... has expired",
		"request_id 5f4dcc3b-5aa7-65d6-1d83-0a1b2c3d4e5f at 2026-12-07T01:25:12.000000Z",
		"over ratelimit, limit:5, time:1 minute",
		fragmentToken[:minFragment-1] + " is fifteen characters of it",
		"correct-horse-b is one short of the password",
	} {
		require.Equal(t, text, r.Clean(text))
	}
}
