package statuspage

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// TestAnswersWithoutAPageKeepTheInventory: the stand-in answers every call
// 200 with {}, then with null, then with a total_num far above an empty
// data_list, 25 s each. Every count stays as it was, hss_up is 0 and the
// status page names a malformed answer in plain words; whole answers again
// bring hss_up back with the next refresh.
func TestAnswersWithoutAPageKeepTheInventory(t *testing.T) {
	t.Parallel()
	env := newStatusEnv(t)
	require.NoError(t, env.refresh())
	want := env.status(t).Targets[0].Counts
	require.Equal(t, 4, want.Containers)
	up := func() string {
		_, metrics := env.get(t, "/metrics")
		for _, v := range []string{"0", "1"} {
			if containsLine(metrics, `hss_up{target="prod"} `+v) {
				return v
			}
		}
		return "missing"
	}
	require.Equal(t, "1", up())

	for _, body := range []string{`{}`, `null`, `{"total_num": 4000, "data_list": []}`} {
		env.srv.SetFaults(hssfake.Faults{Rules: []hssfake.Fault{{Kind: hssfake.FaultBody, Body: body}}})
		env.clock.Advance(25 * time.Second)
		require.ErrorContains(t, env.refresh(), "malformed response", body)
		tr := env.status(t).Targets[0]
		require.Equal(t, want, tr.Counts, "%s: every count stays", body)
		require.Equal(t, collector.HealthFailing, tr.Health, body)
		require.Contains(t, tr.LastRefresh.Error, "malformed response")
		require.Contains(t, tr.LastRefresh.ErrorExplained, "not with a whole page", body)
		require.Equal(t, "0", up(), body)
		resp, page := env.get(t, "/status")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, page, "not with a whole page")
	}

	// Only the container listings broken: discovery lands and each image
	// keeps its last good rows.
	env.srv.SetFaults(hssfake.Faults{Rules: []hssfake.Fault{{Operation: hssfake.OpListLocalImageContainers,
		Kind: hssfake.FaultBody, Body: `{"total_num": 3}`}}})
	env.clock.Advance(25 * time.Second)
	require.Error(t, env.refresh())
	tr := env.status(t).Targets[0]
	require.Equal(t, want, tr.Counts)
	require.Contains(t, []collector.Health{collector.HealthDegraded, collector.HealthFailing}, tr.Health)
	require.Contains(t, tr.LastRefresh.Error, "malformed response: data_list is missing")
	require.Equal(t, "0", up())

	env.srv.ClearFaults()
	env.clock.Advance(25 * time.Second)
	require.NoError(t, env.refresh())
	// A discovery's result counts the listings before it, which failed.
	require.NoError(t, env.refresh())
	require.Equal(t, collector.HealthHealthy, env.status(t).Targets[0].Health)
	require.Equal(t, "1", up())
}

func containsLine(text, line string) bool {
	for start := 0; start < len(text); {
		end := start
		for end < len(text) && text[end] != '\n' {
			end++
		}
		if text[start:end] == line {
			return true
		}
		start = end + 1
	}
	return false
}
