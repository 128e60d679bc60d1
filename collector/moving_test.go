package collector

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// movingFleet is one image of 40 containers, listed in pages of 10.
func movingFleet() *hssfake.Fleet {
	f := hssfake.NewFleet([]hssfake.Image{{Name: "app", Version: "1"}}, nil)
	img := f.Images()[0]
	for i := range 40 {
		f.AddContainer(hssfake.Container{ImageID: img.ID, ID: fmt.Sprintf("c%02d", i), HostID: "h1"})
	}
	return f
}

// inconsistent is the value of listings_inconsistent_total for reason.
func inconsistent(t *testing.T, e *Exporter, reason string) []string {
	t.Helper()
	return seriesWith(t, e, "hss_exporter_listings_inconsistent_total",
		`operation="ListLocalImageContainers"`, `reason="`+reason+`"`, `target="demo"`)
}

// A list that moves under one listing: rows stopping at its head, or a
// page repeating a container_id in place of a live one, would leave live
// containers out. The listing is counted and taken again, and ends with
// the fleet's exact current set.
func TestAListThatMovesWhileItIsPagedEndsExact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		faults hssfake.Faults
		reason string
	}{
		{"rows removed at the head", hssfake.Faults{RemoveHeadRows: 2, MovingPages: 1}, "total_changed"},
		{"a container_id repeated in place of a live one", hssfake.Faults{RepeatRows: 4, MovingPages: 1}, "duplicate_row"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fleet := movingFleet()
			env := newEnv(t, listingAll(config.Target{Settings: config.Settings{PageSize: 10, MaxConcurrency: 1}}), serving(fleet))
			e, srv := env.e, env.srv
			require.Equal(t, []string{`hss_exporter_listings_inconsistent_total{operation="ListLocalImageContainers",reason="` + tc.reason + `",target="demo"} 0`},
				inconsistent(t, e, tc.reason), "present from the start")
			srv.SetFaults(tc.faults)
			require.NoError(t, refreshOnce(t, e, "demo"))
			requireTruth(t, e, fleet.Truth(hssfake.AllEnterpriseProjects))
			require.Len(t, seriesWith(t, e, "hss_exporter_listings_inconsistent_total", `reason="`+tc.reason+`"`, "} 1"), 1)
			require.Equal(t, 4+4, srv.RequestsFor(hssfake.OpListLocalImageContainers), "listed again once")
		})
	}
}

// A list that moves under every listing: the second listing lands as it
// is, and the counter says both moved; no short count goes unsignalled.
func TestAListThatNeverHoldsStillIsCounted(t *testing.T) {
	t.Parallel()
	fleet := movingFleet()
	env := newEnv(t, listingAll(config.Target{Settings: config.Settings{PageSize: 10, MaxConcurrency: 1}}), serving(fleet))
	e, srv := env.e, env.srv
	require.NoError(t, refreshOnce(t, e, "demo"))
	srv.SetFaults(hssfake.Faults{RepeatRows: 4})
	require.NoError(t, refreshOnce(t, e, "demo"))
	require.Len(t, seriesWith(t, e, "hss_exporter_listings_inconsistent_total", `reason="duplicate_row"`, "} 2"), 1)
	require.Equal(t, 1, len(seriesWith(t, e, "hss_up", "} 1")), "a moving list is no failure")
}
