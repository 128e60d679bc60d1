package main

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/hssclient"
)

func TestHumanDuration(t *testing.T) {
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

func TestExplainErrorNamesTheCauseAndTheFix(t *testing.T) {
	for _, tc := range []struct{ err, want string }{
		{"", ""},
		{"discovering images: ListImageLocal: HTTP 401 APIG.0301: Incorrect IAM authentication information", "access key"},
		{"discovering images: ListImageLocal: HTTP 403 HSS.0004: forbidden", "permissions"},
		{"discovering images: ListImageLocal: HTTP 429 APIG.0308: throttled", "requests_per_second"},
		{"discovering images: ListImageLocal: HTTP 503 APIG.0201: Backend unavailable", "usually temporary"},
		{"discovering images: ListImageLocal: HTTP 400 HSS.0001: bad region", "project_id"},
		{"discovering images: ListImageLocal: dial tcp 127.0.0.1:9: connect: connection refused", "firewall"},
		{"discovering images: ListImageLocal: context deadline exceeded", "request_timeout"},
		{"refresh partly failed: 2 of 9 image listings failed, first: listing containers of a:1 : " +
			"ListLocalImageContainers: HTTP 500 HSS.1000: oops", "Some images' container listings failed"},
		{"discovering images: ListImageLocal: malformed response: total_num is missing or null", "not with a whole page"},
		{"discovering images: KeystoneCreateUserTokenByPassword: malformed response: not valid JSON", "what the HSS client reported"},
		{"discovering images: CreateTokenWithIdToken: HTTP 401 401: The ID token is invalid", "identity conversion rule"},
		{"discovering images: CreateTemporaryAccessKeyByToken: HTTP 503 503: busy", "The OIDC exchange at IAM failed"},
		{`discovering images: CreateTokenWithIdToken: cannot read id_token_file "/t": the file is empty`, "id_token_file"},
		{"something new", "what the HSS client reported"},
	} {
		got := explainError(tc.err)
		require.Contains(t, got, tc.want, "%q", tc.err)
		if tc.err == "" {
			require.Empty(t, got)
		}
	}
	require.Contains(t, collector.ErrPartialRefresh.Error(), "partly failed", "the partial prefix tracks the collector's error")
	require.Contains(t, (&hssclient.DecodeError{Operation: "op", Err: errors.New("x")}).Error(), malformedAnswer,
		"the words track the client's")
}
