package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// A value the exporter refuses after parsing is reported by the name the
// user set: the HSS_EXPORTER_* variable when it came from the environment,
// the flag when the command line gave it (which then wins over the
// variable).
func TestRefusedValuesNameTheVariableTheUserSet(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
		code int
	}{
		{[]string{"--total-shards=2"}, map[string]string{"HSS_EXPORTER_SHARD": "5"}, "$HSS_EXPORTER_SHARD=5: must be between 0 and --total-shards-1 (1)", 2},
		{nil, map[string]string{"HSS_EXPORTER_TOTAL_SHARDS": "0"}, "$HSS_EXPORTER_TOTAL_SHARDS=0: must be at least 1", 2},
		{nil, map[string]string{"HSS_EXPORTER_WEB_MAX_REQUESTS": "-1"}, "$HSS_EXPORTER_WEB_MAX_REQUESTS=-1: must be 0 (no limit) or more", 2},
		{nil, map[string]string{"HSS_EXPORTER_REFRESH_JITTER": "1"}, "$HSS_EXPORTER_REFRESH_JITTER=1: must be at least 0 and below 1", 2},
		{nil, map[string]string{"HSS_EXPORTER_WEB_TELEMETRY_PATH": "/status"}, "$HSS_EXPORTER_WEB_TELEMETRY_PATH=/status: that path is taken", 2},
		{nil, map[string]string{"HSS_EXPORTER_AUTO_GOMEMLIMIT_RATIO": "2"}, "$HSS_EXPORTER_AUTO_GOMEMLIMIT_RATIO=2: must be more than 0", 2},
		{nil, map[string]string{"HSS_EXPORTER_WEB_CONFIG_FILE": "/nonexistent/web.yml"}, "$HSS_EXPORTER_WEB_CONFIG_FILE=/nonexistent/web.yml: ", 1},
		{[]string{"--demo", "--web.listen-address=127.0.0.1:0"}, map[string]string{"HSS_EXPORTER_DEMO_API_CALLS_PER_MINUTE": "0"},
			"$HSS_EXPORTER_DEMO_API_CALLS_PER_MINUTE=0: must be at least 1", 1},
		// The command line wins, and is named as given.
		{[]string{"--shard=3", "--total-shards=2"}, map[string]string{"HSS_EXPORTER_SHARD": "0"}, "--shard=3: must be between", 2},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			var stderr bytes.Buffer
			code := run(context.Background(), append(c.args, "--config.file=/nonexistent/hss.yml"), &bytes.Buffer{}, &stderr)
			require.Equal(t, c.code, code, "%v %v: %s", c.args, c.env, stderr.String())
			require.Contains(t, stderr.String(), c.want)
		})
	}
}
