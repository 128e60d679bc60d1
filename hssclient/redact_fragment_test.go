package hssclient

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/stretchr/testify/require"
)

// redacted is what replaces a credential in an error, and minFragment the
// shortest run of one that is cut even without the rest (16 characters of
// a random credential, or of its base64 or hex, are 64 bits or more).
const (
	redacted    = "[REDACTED]"
	minFragment = 16
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
	r := transport.NewRedactor(fragmentToken, "correct-horse-battery-staple-42")
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
	r := transport.NewRedactor(fragmentToken, "EchoedSecretKey-5f4dcc3b5aa765d61d83", "correct-horse-battery-staple-42")
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

// TestAGatewayEchoingPartOfTheTokenLeaksNoneOfIt: an error_msg cut short
// by the gateway carries the first 62 characters of the request's token,
// and the signing scheme's name, which is no secret, stays readable.
func TestAGatewayEchoingPartOfTheTokenLeaksNoneOfIt(t *testing.T) {
	var prefix string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		prefix = r.Header.Get("X-Auth-Token")[:min(62, len(r.Header.Get("X-Auth-Token")))]
		writeJSON(w, 400, map[string]string{"error_code": "APIG.0201",
			"error_msg": "SDK-HMAC-SHA256 request with token " + prefix + "... rejected"})
	}, func(cfg *Config) { cfg.Auth = fragmentAuth{}; cfg.MaxRetries = -1 })
	_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
	require.ErrorContains(t, err, "HTTP 400")
	require.ErrorContains(t, err, "SDK-HMAC-SHA256 request with token "+redacted)
	require.NotContains(t, err.Error(), prefix[:minFragment])
}

// fragmentAuth sends fragmentToken, signed like an AK/SK request too.
type fragmentAuth struct{}

func (fragmentAuth) Authorize(ctx context.Context, req *http.Request, body []byte) error {
	if err := (echoAuth{}).Authorize(ctx, req, body); err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", fragmentToken)
	return nil
}

func (fragmentAuth) Invalidate() bool { return false }
