package collector

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// An endpoint that ignores limit answers 50 times the rows asked for: an
// image of 2,000 containers is over the body cap at 200, 100 and 50 rows
// asked, and fits at 10 (500 rows a page). The first refresh steps down;
// later ones cost its pages alone, fewer than a correctly paging endpoint
// at 200 would (10), instead of three oversized calls more each time.
func TestAnEndpointIgnoringLimitCostsNoStepDownAfterTheFirst(t *testing.T) {
	t.Parallel()
	fleet := hssfake.NewFleet([]hssfake.Image{{Name: "big", Version: "1"}}, nil)
	img := fleet.Images()[0]
	for i := range 2000 {
		fleet.AddContainer(hssfake.Container{ImageID: img.ID, ID: fmt.Sprintf("c%04d", i), HostID: "h1"})
	}
	env := newEnv(t, listingAll(config.Target{Settings: config.Settings{PageSize: 200, MaxConcurrency: 1}}), serving(fleet), tuned(func(c *hssclient.Config) { c.MaxBodyBytes = 100 << 10 }))
	e, srv := env.e, env.srv // ~90 bytes a row: 500 fit, 2,000 do not
	srv.SetFaults(hssfake.Faults{LimitFactor: 50})
	calls := func() int {
		n := srv.RequestsFor(hssfake.OpListLocalImageContainers)
		srv.ResetCounts()
		return n
	}
	require.NoError(t, refreshOnce(t, e, "demo"))
	requireTruth(t, e, fleet.Truth(hssfake.AllEnterpriseProjects))
	require.Equal(t, 3+4, calls(), "200, 100 and 50 too large, then four pages of 500")
	for round := range 3 {
		require.NoError(t, refreshOnce(t, e, "demo"))
		requireTruth(t, e, fleet.Truth(hssfake.AllEnterpriseProjects))
		require.Equal(t, 4, calls(), "round %d: the pages alone", round)
	}
}
