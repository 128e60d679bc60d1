package config

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

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

const minimalTarget = `
targets:
  - name: t
    region: cn-north-4
    project_id: p
    auth: {access_key: AK, secret_key: SK}
    images: {discover: true}
`
