package config

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefaults(t *testing.T) {
	noEnv(t)
	cfg, err := Parse([]byte(minimalTarget), "")
	require.NoError(t, err)
	want := Settings{
		RefreshInterval: 5 * time.Minute, RequestTimeout: 30 * time.Second, PageSize: 200,
		MaxConcurrency: 4, RequestsPerSecond: 5, APICallsPerMinute: 5, MaxStaleness: 30 * time.Minute, Clusters: new(true),
	}
	require.Equal(t, want, cfg.Global.Settings)
	tg := cfg.Targets[0]
	require.Equal(t, want, tg.Settings)
	require.Empty(t, tg.Endpoint, "the client picks the regional endpoint")
	require.False(t, tg.ContainerInfo)
}

// A target inherits the global value of each key it does not set, not
// the built-in default.
func TestOverrides(t *testing.T) {
	noEnv(t)
	cfg, err := Parse([]byte(`
global: {page_size: 20, refresh_interval: 1m, max_staleness: 1h}
targets:
  - {name: a, region: cn-north-4, project_id: p, auth: {access_key: AK, secret_key: SK}, images: {discover: true}}
  - {name: b, region: cn-north-4, project_id: p, auth: {access_key: AK, secret_key: SK}, images: {discover: true},
     page_size: 30, refresh_interval: 10s, request_timeout: 5s}
`), "")
	require.NoError(t, err)
	a, b := cfg.Targets[0], cfg.Targets[1]
	require.Equal(t, 20, a.PageSize)
	require.Equal(t, time.Minute, a.RefreshInterval)
	require.Equal(t, 30*time.Second, a.RequestTimeout)
	require.Equal(t, time.Hour, a.MaxStaleness)
	require.Equal(t, 30, b.PageSize)
	require.Equal(t, 10*time.Second, b.RefreshInterval)
	require.Equal(t, 5*time.Second, b.RequestTimeout)
	require.Equal(t, time.Hour, b.MaxStaleness)
}

// A Settings built by hand with nothing set behaves as a file that sets
// nothing: WithDefaults gives what Load resolves.
func TestWithDefaultsGivesWhatLoadResolves(t *testing.T) {
	noEnv(t)
	cfg, err := Parse([]byte(minimalTarget), "")
	require.NoError(t, err)
	require.Equal(t, cfg.Targets[0].Settings, Settings{}.WithDefaults())
	v := reflect.ValueOf(Settings{}.WithDefaults())
	for i := range v.NumField() {
		require.False(t, v.Field(i).IsZero(), "%s has no default", settingsKeys[i])
	}
}

// WithDefaults replaces only what Load would never let through, so a
// loaded configuration is returned unchanged.
func TestWithDefaultsKeepsUsableValues(t *testing.T) {
	got := Settings{PageSize: 50, RefreshInterval: -time.Second, RequestsPerSecond: 0.5}.WithDefaults()
	require.Equal(t, 50, got.PageSize)
	require.Equal(t, 5*time.Minute, got.RefreshInterval)
	require.Equal(t, 0.5, got.RequestsPerSecond)

	noEnv(t)
	cfg, err := Load("testdata/good.yml")
	require.NoError(t, err)
	for _, tg := range cfg.Targets {
		require.Equal(t, tg.Settings, tg.WithDefaults(), tg.Name)
	}
}

// minimalTarget sets no setting, at global or at the target.
const minimalTarget = `
targets:
  - name: t
    region: cn-north-4
    project_id: p
    auth: {access_key: AK, secret_key: SK}
    images: {discover: true}
`

// The cluster source is on unless the file turns it off, globally or
// for one target; a target may turn it back on.
func TestClustersOnUnlessTurnedOff(t *testing.T) {
	noEnv(t)
	cfg, err := Parse([]byte(`
global: {clusters: false}
targets:
  - {name: a, region: cn-north-4, project_id: p, auth: {access_key: AK, secret_key: SK}, images: {discover: true}}
  - {name: b, region: cn-north-4, project_id: p, auth: {access_key: AK, secret_key: SK}, images: {discover: true},
     clusters: true}
`), "")
	require.NoError(t, err)
	require.False(t, cfg.Targets[0].ClustersOn())
	require.True(t, cfg.Targets[1].ClustersOn())

	cfg, err = Parse([]byte(minimalTarget), "")
	require.NoError(t, err)
	require.True(t, cfg.Targets[0].ClustersOn())
	require.True(t, Settings{}.ClustersOn(), "a hand-built Settings reads clusters, as Load would")

	_, err = Parse([]byte(`
global: {clusters: sometimes}
targets:
  - {name: a, region: cn-north-4, project_id: p, auth: {access_key: AK, secret_key: SK}, images: {discover: true}}
`), "")
	require.ErrorContains(t, err, "global.clusters")
}
