package posture

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
)

// A part that fails keeps its last good data until max_staleness, then
// drops it, without touching the other parts; a read cut short by
// shutdown changes nothing.
func TestFailingPartKeepsItsLastGoodDataUntilMaxStaleness(t *testing.T) {
	t.Parallel()
	s := New(nil, config.Target{Settings: config.Settings{MaxStaleness: 30 * time.Minute}}, 0, nil)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	quotas := Data{Quotas: []QuotaRow{{Edition: "enterprise", Total: 2, Used: 1, Available: 1}}}
	events := Data{Events: []EventRow{{Category: "host", Counts: [4]int64{0, 1, 0, 0}}}}
	boom := errors.New("boom")

	require.Nil(t, s.Capture(t0), "nothing read, nothing shown")
	require.Equal(t, Stored, s.Land(Quotas, quotas, nil, false, t0))
	require.Equal(t, Stored, s.Land(Events, events, nil, false, t0))
	require.Equal(t, Kept, s.Land(Quotas, Data{}, boom, true, t0.Add(time.Minute)), "cut short by shutdown")

	require.Equal(t, Failed, s.Land(Quotas, Data{}, boom, false, t0.Add(10*time.Minute)))
	snap := s.Capture(t0.Add(10 * time.Minute))
	require.Equal(t, quotas.Quotas, snap.Quotas, "the last good quotas are kept")
	require.True(t, snap.Shows(Quotas, t0.Add(10*time.Minute)))

	require.Equal(t, Stored, s.Land(Events, events, nil, false, t0.Add(20*time.Minute)))
	require.Equal(t, Dropped, s.Land(Quotas, Data{}, boom, false, t0.Add(31*time.Minute)))
	snap = s.Capture(t0.Add(31 * time.Minute))
	require.Empty(t, snap.Quotas, "past max_staleness the quotas go")
	require.False(t, snap.Shows(Quotas, t0.Add(31*time.Minute)))
	require.Equal(t, events.Events, snap.Events, "the events, read since, stay")
	up, _ := s.Up()
	require.Equal(t, [NumParts]bool{false, true, false}, up)
}

// Each part is on as its configuration switch says, and only on shard 0
// with an API to read it.
func TestPartsAreOnAsConfiguredOnShardZeroWithAnAPI(t *testing.T) {
	t.Parallel()
	cfg := config.Target{Posture: config.Posture{Nodes: true, Quotas: true}}
	var api API = nilAPI{}
	s := New(api, cfg, 0, nil)
	require.Equal(t, []bool{true, false, true}, []bool{s.Enabled(Nodes), s.Enabled(Events), s.Enabled(Quotas)})
	require.Len(t, s.Operations(), 2)
	require.False(t, New(api, cfg, 1, nil).Any(), "shard 1 reads no posture")
	require.False(t, New(nil, cfg, 0, nil).Any(), "nor a target without the API")
}

// nilAPI is an API that is never called.
type nilAPI struct{ API }
