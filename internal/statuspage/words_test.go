package statuspage

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"}, {-time.Second, "0s"}, {340*time.Millisecond + 400*time.Microsecond, "340ms"},
		{2549 * time.Millisecond, "2.5s"}, {42*time.Second + 400*time.Millisecond, "42s"},
		{2 * time.Minute, "2m"}, {3*time.Minute + 20*time.Second, "3m20s"},
		{time.Hour + 5*time.Minute + 29*time.Second, "1h5m"}, {30 * time.Hour, "30h0m"},
	} {
		require.Equal(t, tc.want, humanDuration(tc.d), "%v", tc.d)
	}
}

func TestThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234: "1,234", 4900: "4,900",
		100000: "100,000", 1234567: "1,234,567", -1234: "-1,234", -123: "-123"} {
		require.Equal(t, want, thousands(n), n)
	}
}

// TestExplainErrorNamesTheCauseAndTheFix: each kind of error the client
// returns, wrapped as the collector records it, is explained by its type,
// status and operation.
func TestExplainErrorNamesTheCauseAndTheFix(t *testing.T) {
	t.Parallel()
	apiErr := func(op string, status int, code string) error {
		return fmt.Errorf("discovering images: %w", &transport.APIError{Operation: op, StatusCode: status, Code: code, Message: "m"})
	}
	decodeErr := func(op string) error {
		return fmt.Errorf("discovering images: %w", &transport.DecodeError{Operation: op, Err: errors.New("total_num is missing or null")})
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	for _, tc := range []struct {
		name   string
		err    error
		result collector.Result
		want   string
	}{
		{"auth", apiErr(hssclient.OpListImages, 401, "APIG.0301"), collector.ResultFailure, "access key"},
		{"permissions", apiErr(hssclient.OpListImages, 403, "HSS.0004"), collector.ResultFailure, "permissions"},
		{"throttled", apiErr(hssclient.OpListImages, 429, "APIG.0308"), collector.ResultFailure, "api_calls_per_minute"},
		{"server", apiErr(hssclient.OpListImages, 503, "APIG.0201"), collector.ResultFailure, "usually temporary"},
		{"bad request", apiErr(hssclient.OpListImages, 400, "HSS.0001"), collector.ResultFailure, "project_id"},
		{"network", fmt.Errorf("discovering images: %w", &transport.NetworkError{Operation: hssclient.OpListImages, Err: refused}),
			collector.ResultFailure, "firewall"},
		{"timeout", fmt.Errorf("discovering images: %w", context.DeadlineExceeded), collector.ResultFailure, "request_timeout"},
		{"partial", fmt.Errorf("%w: 2 of 9 image listings failed, first: %w", errors.New("refresh partly failed"),
			apiErr(hssclient.OpListContainers, 500, "HSS.1000")), collector.ResultPartial, "Some images' container listings failed"},
		{"malformed", decodeErr(hssclient.OpListImages), collector.ResultFailure, "not with a whole page"},
		{"malformed token", decodeErr(auth.OpIAMToken), collector.ResultFailure, "what the HSS client reported"},
		{"oidc refused", apiErr(auth.OpIDToken, 401, "401"), collector.ResultFailure, "identity conversion rule"},
		{"oidc busy", apiErr(auth.OpSecurityToken, 503, "503"), collector.ResultFailure, "The OIDC exchange at IAM failed"},
		{"id token file", fmt.Errorf("discovering images: %s: %w %q: %w", auth.OpIDToken, auth.ErrIDTokenFile, "/t",
			errors.New("the file is empty")), collector.ResultFailure, "id_token_file"},
		{"unknown", errors.New("something new"), collector.ResultFailure, "what the HSS client reported"},
	} {
		require.Contains(t, explainError(tc.err, tc.result), tc.want, tc.name)
	}
	require.Empty(t, explainError(nil, collector.ResultSuccess))
}
