package collector

import (
	"fmt"
	"math/rand"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/posture"
)

// One posture API failing (500, 429 or 403) fails its own part only: the
// part keeps its last good series until max_staleness, then loses them,
// while the inventory and the other parts follow the fleet as it changes.
func TestPosturePartFailingAloneLeavesTheRest(t *testing.T) {
	t.Parallel()
	ops := [posture.NumParts]string{hssfake.OpListContainerNodes, hssfake.OpShowEventSeverity, hssfake.OpShowResourceQuotas}
	families := [posture.NumParts][]string{nodeFamilies, eventFamilies, quotaFamilies}
	for p := range posture.NumParts {
		for _, status := range []int{http.StatusInternalServerError, http.StatusTooManyRequests, http.StatusForbidden} {
			t.Run(fmt.Sprintf("%s %d", p.Name(), status), func(t *testing.T) {
				fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 200})
				env := newEnv(t, postureOn(), serving(fleet))
				ep := hssfake.AllEnterpriseProjects
				require.NoError(t, env.refresh(t))
				before := postureSeries(scraped(t, env.e), families[p]...)
				require.NotEmpty(t, before)

				env.srv.AddFault(hssfake.Fault{Operation: ops[p], Kind: hssfake.FaultStatus, Status: status})
				changeEveryPart(t, fleet)
				err := env.refresh(t)
				require.ErrorContains(t, err, "reading posture "+p.Name())
				require.ErrorContains(t, err, fmt.Sprintf("HTTP %d", status))
				requireOthersFollow(t, env, p, before, families)
				requireTruth(t, env.e, fleet.Truth(ep))
				require.Len(t, seriesWith(t, env.e, "hss_up", "} 1"), 1, "the inventory is up")
				up := map[string]float64{"nodes": 1, "events": 1, "quotas": 1}
				up[p.Name()] = 0
				require.Equal(t, up, postureUp(t, env.e))
				v, _ := env.e.Posture("demo")
				require.Contains(t, v.Parts[p].LastError, fmt.Sprintf("HTTP %d", status))
				require.True(t, v.Parts[p].Shown)

				// 35 minutes after its last good read (max_staleness is 30m)
				// the part is gone at the next scrape, before any read drops
				// it; the others, read 15 minutes ago, stay.
				env.clock.Advance(20 * time.Minute)
				require.Error(t, env.refresh(t))
				env.clock.Advance(15 * time.Minute)
				require.NoError(t, refreshOnce(t, env.e, "demo"))
				for name, mfs := range map[string][]*dto.MetricFamily{"scraped": scraped(t, env.e), "collected": collected(t, env.e)} {
					require.Empty(t, postureSeries(mfs, families[p]...), "%s: %s dropped", name, p.Name())
				}
				requireOthersFollow(t, env, p, nil, families)
				v, _ = env.e.Posture("demo")
				require.False(t, v.Parts[p].Shown)
				require.Error(t, refreshPostureOnce(t, env.e, "demo"))
				require.Empty(t, postureSeries(scraped(t, env.e), families[p]...))

				env.srv.SetFaults(hssfake.Faults{})
				require.NoError(t, env.refresh(t))
				requirePostureTruth(t, env, ep)
			})
		}
	}
}

// changeEveryPart changes the containers, nodes, events and quotas.
func changeEveryPart(t *testing.T, fleet *hssfake.Fleet) {
	t.Helper()
	rng := rand.New(rand.NewSource(9))
	added, removed := fleet.Churn(rng, 10)
	require.Positive(t, added+removed)
	require.Positive(t, fleet.ChurnNodes(rng, 20).Changes())
	fleet.SetEvents(append(fleet.Events(), hssfake.Event{Category: hssfake.CategoryContainer, Severity: "Critical",
		HandleStatus: hssfake.EventUnhandled, Age: time.Minute}))
	fleet.SetQuotaSpare(hssfake.EditionBasic, 7)
}

// requireOthersFollow checks that every part but failed equals the
// fleet's truth, and that failed shows exactly kept (nil: nothing).
func requireOthersFollow(t *testing.T, env *testEnv, failed posture.Part, kept map[string]float64, families [posture.NumParts][]string) {
	t.Helper()
	nodes, events, quotas := postureTruth(env.fleet, hssfake.AllEnterpriseProjects, 7)
	truth := [posture.NumParts]map[string]float64{nodes, events, quotas}
	mfs := scraped(t, env.e)
	for p := range posture.NumParts {
		got := postureSeries(mfs, families[p]...)
		if p != failed {
			require.Equal(t, truth[p], got, "%s follows the fleet", p.Name())
			continue
		}
		if kept == nil {
			require.Empty(t, got)
			continue
		}
		require.Equal(t, kept, got, "%s keeps its last good series", p.Name())
		require.NotEqual(t, truth[p], got, "the fleet's %s changed meanwhile", p.Name())
	}
}

// The posture keeps its own clock: when the inventory is dropped after
// max_staleness, the posture parts still answering stay on /metrics.
func TestPostureOutlivesADroppedInventory(t *testing.T) {
	t.Parallel()
	cfg := postureOn()
	cfg.EnterpriseProjectID = ""
	env := newEnv(t, cfg, serving(postureFleet()))
	require.NoError(t, env.refresh(t))
	for _, op := range []string{hssfake.OpListImageLocal, hssfake.OpListLocalImageContainers} {
		env.srv.AddFault(hssfake.Fault{Operation: op, Kind: hssfake.FaultStatus, Status: http.StatusInternalServerError})
	}
	env.clock.Advance(31 * time.Minute)
	require.Error(t, refreshOnce(t, env.e, "demo"))
	require.NoError(t, refreshPostureOnce(t, env.e, "demo"))
	for name, mfs := range map[string][]*dto.MetricFamily{"scraped": scraped(t, env.e), "collected": collected(t, env.e)} {
		require.Empty(t, postureSeries(mfs, inventoryFams...), "%s: inventory dropped", name)
		nodes, events, quotas := postureTruth(env.fleet, "", 7)
		require.Equal(t, nodes, postureSeries(mfs, nodeFamilies...), name)
		require.Equal(t, events, postureSeries(mfs, eventFamilies...), name)
		require.Equal(t, quotas, postureSeries(mfs, quotaFamilies...), name)
	}
	v, _ := env.e.Posture("demo")
	require.False(t, v.InventoryShown)
	require.Nil(t, v.Unlisted, "without the inventory no host is known to be unlisted")
	require.Len(t, v.Nodes, 4)
}
