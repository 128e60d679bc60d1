package hssclient

import (
	"context"
	"net/http"
	"testing"

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

// TestAGatewayEchoingPartOfTheTokenLeaksNoneOfIt: an error_msg cut short
// by the gateway carries the first 62 characters of the request's token,
// and the signing scheme's name, which is no secret, stays readable.
func TestAGatewayEchoingPartOfTheTokenLeaksNoneOfIt(t *testing.T) {
	t.Parallel()
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
