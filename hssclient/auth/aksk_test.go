package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAKSKAuthSignsWithSecurityToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, token string
		wantSigned  string
	}{
		{"permanent keys", "", "region;x-project-id;x-sdk-date"},
		{"temporary keys", "sec-token-value", "region;x-project-id;x-sdk-date;x-security-token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auth := NewAKSK("HSSAKEXAMPLE0000001", "the-secret", tc.token)
			auth.(*akskAuth).now = func() time.Time { return time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC) }
			req, err := http.NewRequest(http.MethodGet, "https://hss.cn-north-4.myhuaweicloud.com/v5/p/image/local/containers?offset=0", nil)
			require.NoError(t, err)
			req.Header.Set("region", "cn-north-4")
			req.Header.Set("X-Project-Id", "p")
			require.NoError(t, auth.Authorize(context.Background(), req, nil))

			require.Equal(t, tc.token, req.Header.Get("X-Security-Token"))
			require.Equal(t, "20261126T080000Z", req.Header.Get("X-Sdk-Date"))
			m := authRE.FindStringSubmatch(req.Header.Get("Authorization"))
			require.NotNil(t, m, req.Header.Get("Authorization"))
			require.Equal(t, "HSSAKEXAMPLE0000001", m[1])
			require.Equal(t, tc.wantSigned, m[2])
			_, ok := verifyRequest(req, nil, map[string]string{"HSSAKEXAMPLE0000001": "the-secret"})
			require.True(t, ok)
			require.False(t, auth.Invalidate(), "a rejected static key must not be retried")
		})
	}
}

// TestAKSKAuthSignsTheTokenItself shows the token is covered by the
// signature: swapping it after signing breaks verification.
func TestAKSKAuthSignsTheTokenItself(t *testing.T) {
	t.Parallel()
	auth := NewAKSK("AK", "SK", "token-1")
	req, err := http.NewRequest(http.MethodGet, "https://h.example.com/v5/p/x", nil)
	require.NoError(t, err)
	require.NoError(t, auth.Authorize(context.Background(), req, nil))
	req.Header.Set("X-Security-Token", "token-2")
	_, ok := verifyRequest(req, nil, map[string]string{"AK": "SK"})
	require.False(t, ok)
}

func TestAuthenticatorsNeverPrintSecrets(t *testing.T) {
	t.Parallel()
	const sk, token, password = "SECRET-KEY-VALUE", "SECURITY-TOKEN-VALUE", "PASSWORD-VALUE"
	values := map[string]any{
		"aksk":     NewAKSK("HSSAKEXAMPLE0000001", sk, token),
		"iam":      NewIAM(IAMConfig{Endpoint: "http://127.0.0.1:1", Username: "u", Domain: "d", Password: password}),
		"iamcfg":   IAMConfig{Username: "u", Password: password},
		"metadata": NewMetadata(MetadataConfig{}),
	}
	for name, v := range values {
		wrapped := struct{ Inner any }{v}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
			for _, out := range []string{fmt.Sprintf(verb, v), fmt.Sprintf(verb, wrapped)} {
				for _, secret := range []string{sk, token, password, "HSSAKEXAMPLE0000001"} {
					require.NotContains(t, out, secret, "%s printed with %s", name, verb)
				}
			}
		}
	}
	require.Equal(t, "temporary AK/SK(access key HSSA****0001)", fmt.Sprint(values["aksk"]))
	require.True(t, strings.HasPrefix(fmt.Sprint(NewAKSK("short", sk, "")), "AK/SK(access key ****)"))
}
