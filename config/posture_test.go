package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPostureDefaultsToEveryPartOn(t *testing.T) {
	noEnv(t)
	cfg, err := Parse([]byte(withTarget()), t.TempDir())
	require.NoError(t, err)
	require.Equal(t, Posture{Nodes: true, Events: true, Quotas: true, EventsLastDays: 7}, cfg.Targets[0].Posture)
}

func TestPostureKeepsWhatTheFileSays(t *testing.T) {
	noEnv(t)
	for _, tc := range []struct {
		name, block string
		want        Posture
	}{
		{"parts off", "posture: {nodes: false, quotas: false}",
			Posture{Nodes: false, Events: true, Quotas: false, EventsLastDays: 7}},
		{"window bounds", "posture: {events: true, events_last_days: 30}",
			Posture{Nodes: true, Events: true, Quotas: true, EventsLastDays: 30}},
		{"one day", "posture: {events_last_days: 1}",
			Posture{Nodes: true, Events: true, Quotas: true, EventsLastDays: 1}},
		{"empty block", "posture: {}",
			Posture{Nodes: true, Events: true, Quotas: true, EventsLastDays: 7}},
		{"null block", "posture:",
			Posture{Nodes: true, Events: true, Quotas: true, EventsLastDays: 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse([]byte(withTarget(tc.block)), t.TempDir())
			require.NoError(t, err)
			require.Equal(t, tc.want, cfg.Targets[0].Posture)
		})
	}
}

func TestPostureProblemsCarryTheirLine(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  []string
	}{
		{"window too long", []string{"posture:", "  events_last_days: 31"},
			[]string{"line 8:25: targets[0].posture.events_last_days: 31 is out of range 1..30 (days of security events HSS counts)"}},
		{"window zero", []string{"posture: {events_last_days: 0}"},
			[]string{"line 7:33: targets[0].posture.events_last_days: 0 is out of range 1..30 (days of security events HSS counts)"}},
		{"window not a number", []string{"posture: {events_last_days: week}"},
			[]string{`line 7:33: targets[0].posture.events_last_days: expected an integer, got "week"`}},
		{"part not a bool", []string{"posture:", "  nodes: sometimes"},
			[]string{`line 8:14: targets[0].posture.nodes: expected true or false, got "sometimes"`}},
		{"unknown key", []string{"posture:", "  vulnerabilities: true"},
			[]string{`line 8:7: targets[0].posture: unknown key "vulnerabilities" (known keys: nodes, events, quotas, events_last_days)`}},
		{"not a mapping", []string{"posture: true"},
			[]string{"line 7:14: targets[0].posture: expected a mapping of keys, got true or false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noEnv(t)
			require.Equal(t, tc.want, problems(t, withTarget(tc.lines...), ""))
		})
	}
}
