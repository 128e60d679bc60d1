package hssclient

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient/auth"
)

func TestOnlyAuthenticationCodesMakeA403ARefusal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		status  int
		body    string
		refused bool
	}{
		{"401 bad signature", 401, `{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}`, true},
		{"401 without a body", 401, ``, true},
		{"403 locked access key", 403, `{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: AK access failed to reach the limit,forbidden"}`, true},
		{"403 shared gateway's code", 403, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}`, true},
		{"403 app authentication", 403, `{"error_code":"APIG.0303","error_msg":"Incorrect app authentication information"}`, true},
		{"403 IAM user barred from the API", 403, `{"error_code":"APIG.0302","error_msg":"The IAM user is not authorized to access the API"}`, false},
		{"403 project unavailable", 403, `{"error_code":"APIG.0310","error_msg":"The project is unavailable"}`, false},
		{"403 HSS permission", 403, `{"error_code":"HSS.0013","error_msg":"Insufficient permissions"}`, false},
		{"403 without a code", 403, `{}`, false},
		{"400 HSS permission", 400, `{"error_code":"HSS.0013","error_msg":"Insufficient permissions"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sent atomic.Int32
			c := fuzzClient(t, staticTransport(func(*http.Request) (int, []byte) {
				sent.Add(1)
				return tc.status, []byte(tc.body)
			}), nil)
			ctx := context.Background()
			for range 3 {
				_, err := c.ListImageLocal(ctx, ListImagesRequest{Limit: 10})
				require.Error(t, err)
				_, refused := auth.CredentialsRefused(err)
				require.Equal(t, tc.refused, refused, "err: %v", err)
				require.Equal(t, tc.refused, auth.IsCredentialError(err))
			}
			if tc.refused {
				require.EqualValues(t, 1, sent.Load(), "nothing sent after the refusal")
				require.False(t, c.RefusedUntil().IsZero())
			} else {
				require.EqualValues(t, 3, sent.Load(), "a permission denial locks nothing")
				require.True(t, c.RefusedUntil().IsZero())
			}
		})
	}
}
