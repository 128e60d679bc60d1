package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestServeFlagsRefusedAtStart: values kingpin accepts but the server
// cannot honour stop the exporter with exit 2 and the flag's name, before
// anything starts. Several of the paths used to panic in http.ServeMux.
func TestServeFlagsRefusedAtStart(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--web.max-requests=-1"}, "--web.max-requests=-1: must be 0 (no limit) or more"},
		{[]string{"--shutdown.timeout=-1s"}, "--shutdown.timeout=-1s: must not be negative"},
		{[]string{"--web.telemetry-path=/healthz"}, "--web.telemetry-path=/healthz: that path is taken"},
		{[]string{"--web.telemetry-path=/readyz"}, "that path is taken"},
		{[]string{"--web.telemetry-path=/status"}, "that path is taken"},
		{[]string{"--web.telemetry-path=/api/v1/image/"}, "that path is taken"},
		{[]string{"--web.telemetry-path="}, `--web.telemetry-path="": must be a URL path starting with /`},
		{[]string{"--web.telemetry-path=metrics"}, "must be a URL path starting with /"},
		{[]string{"--web.telemetry-path=/a b"}, "must be a URL path starting with /"},
		{[]string{"--web.telemetry-path=/m?x=1"}, "must be a URL path starting with /"},
		{[]string{"--web.telemetry-path=/{x}"}, "must be a URL path starting with /"},
		{[]string{"--web.listen-address="}, "--web.listen-address: an address is empty"},
	}
	for _, c := range cases {
		var stderr bytes.Buffer
		code := run(context.Background(), append(c.args, "--demo"), &bytes.Buffer{}, &stderr)
		require.Equal(t, 2, code, "%v: %s", c.args, stderr.String())
		require.Contains(t, stderr.String(), c.want, c.args)
		require.NotContains(t, stderr.String(), "demo:", "%v: refused before the demo starts", c.args)
	}
}

// TestBadFlagValuesNameTheFlag: kingpin's own parse errors leave out which
// flag or variable held the value; the exporter's message names it.
func TestBadFlagValuesNameTheFlag(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--web.max-requests=abc"}, nil, "--web.max-requests=abc: "},
		{[]string{"--log.level=trace"}, nil, "--log.level=trace: enum value must be one of"},
		{[]string{"--refresh.jitter", "x"}, nil, "--refresh.jitter=x: "},
		{nil, map[string]string{"HSS_EXPORTER_SHUTDOWN_TIMEOUT": "5"}, `$HSS_EXPORTER_SHUTDOWN_TIMEOUT=5: time: missing unit`},
		{nil, map[string]string{"HSS_EXPORTER_LOG_FORMAT": "text"}, "$HSS_EXPORTER_LOG_FORMAT=text: enum value"},
	}
	for _, c := range cases {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		var stderr bytes.Buffer
		code := run(context.Background(), c.args, &bytes.Buffer{}, &stderr)
		require.Equal(t, 2, code, "%v %v: %s", c.args, c.env, stderr.String())
		require.Contains(t, stderr.String(), c.want)
		for k := range c.env {
			t.Setenv(k, "")
		}
	}
	var help bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"--help"}, &help, &help))
	require.Contains(t, help.String(), "$HSS_EXPORTER_WEB_LISTEN_ADDRESS")
	require.NotContains(t, help.String(), "$HSS_EXPORTER_HELP", "kingpin ignores it; --help must not offer it")
	require.NotContains(t, help.String(), "$HSS_EXPORTER_VERSION")
}

func TestVersionAndBadFlags(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"--version"}, &out, &out))
	require.Contains(t, out.String(), "hss_exporter, version")
	require.Equal(t, 2, run(context.Background(), []string{"--no-such-flag"}, io.Discard, io.Discard))
}

// TestHelpOffersTheLifecycleFlag: the flag that opens POST /-/reload is
// named in --help with its environment variable, and is off unless given.
func TestHelpOffersTheLifecycleFlag(t *testing.T) {
	t.Parallel()
	var help bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"--help"}, &help, &help))
	require.Contains(t, help.String(), "--[no-]web.enable-lifecycle")
	require.Contains(t, help.String(), "$HSS_EXPORTER_WEB_ENABLE_LIFECYCLE")
	var f flags
	_, err := newApp(&f).Parse(nil)
	require.NoError(t, err)
	require.False(t, f.lifecycle, "off by default, as in Prometheus")
}

// TestCommandLineDocListsEveryFlag keeps the command line table of
// docs/configuration.md complete.
func TestCommandLineDocListsEveryFlag(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("docs/configuration.md")
	require.NoError(t, err)
	table := string(data)
	for _, flag := range newApp(&flags{}).Model().Flags {
		if flag.Hidden || flag.Name == "help" {
			continue
		}
		listed := strings.Contains(table, "| `--"+flag.Name+"`") || strings.Contains(table, "| `--[no-]"+flag.Name+"`")
		require.True(t, listed, "docs/configuration.md's command line table lacks --%s", flag.Name)
	}
}

// TestRefreshJitterFlag: the flag's value reaches the collector as given,
// 0 for none, and the flag alone holds the default.
func TestRefreshJitterFlag(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		flag, want float64
	}{{0.05, 0.05}, {0.3, 0.3}, {0, 0}} {
		opts, err := collectorOptions(flags{totalShards: 1, jitter: c.flag}, func(string) string { return "" })
		require.NoError(t, err)
		require.Equal(t, c.want, opts.Jitter, "--refresh.jitter=%v", c.flag)
	}
	var f flags
	_, err := newApp(&f).Parse(nil)
	require.NoError(t, err)
	require.Equal(t, 0.05, f.jitter, "the default spreads refreshes by ±5%")
	require.Equal(t, 1, f.totalShards)
}

func TestMemoryLimitRatioOutOfRangeStopsTheExporter(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"0", "-0.5", "1.01", "NaN"} {
		var stderr bytes.Buffer
		code := run(context.Background(), []string{"--demo", "--auto-gomemlimit.ratio=" + v}, io.Discard, &stderr)
		require.Equal(t, 2, code, v)
		require.Contains(t, stderr.String(), "--auto-gomemlimit.ratio="+v+": must be more than 0 and at most 1")
	}
}
