package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDurationForms(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"30s": 30 * time.Second, "1h30m": 90 * time.Minute, "1.5h": 90 * time.Minute,
		"1d": 24 * time.Hour, "1w2d": 9 * 24 * time.Hour, "1d12h": 36 * time.Hour, "0": 0,
	} {
		got, err := parseDuration(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"300", "5 m", "1m1d", "", "5x", "1.5d"} {
		_, err := parseDuration(in)
		require.Error(t, err, in)
	}
}
