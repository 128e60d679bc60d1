package hssclient_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// Paging against the stand-in server, whose totals drift, rows repeat and
// page size is capped as the real API's can be.

func TestPagingSurprisesFromTheServer(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		faults hssfake.Faults
		moved  bool // the listings say the list moved under them
	}{
		"total drifts":         {hssfake.Faults{TotalDrift: 3}, true},
		"duplicate rows":       {hssfake.Faults{DuplicateRows: 4}, true},
		"smaller page size":    {hssfake.Faults{MaxLimit: 100}, false},
		"tiny page size":       {hssfake.Faults{MaxLimit: 10}, false},
		"drift and duplicates": {hssfake.Faults{TotalDrift: -2, DuplicateRows: 2}, true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := startFake(t, 400)
			srv.SetFaults(tc.faults)
			// Pages of 10, so that images span several pages.
			c := fakeClient(t, srv, demoAKSK(), func(cfg *hssclient.Config) { cfg.PageSize = 10 })
			if !tc.moved {
				c = fakeClient(t, srv, demoAKSK(), nil)
			}
			got, err := inventory(t, c)
			var moved *hssclient.MovedError
			require.Equal(t, tc.moved, errors.As(err, &moved), "err: %v", err)
			if !tc.moved {
				require.NoError(t, err)
			}
			require.Equal(t, srv.Fleet().Truth(hssfake.AllEnterpriseProjects).Images, got)
		})
	}
}
