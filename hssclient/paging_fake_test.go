package hssclient_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient/hssfake"
)

// Paging against the stand-in server, whose totals drift, rows repeat and
// page size is capped as the real API's can be.

func TestPagingSurprisesFromTheServer(t *testing.T) {
	cases := map[string]hssfake.Faults{
		"total drifts":         {TotalDrift: 3},
		"duplicate rows":       {DuplicateRows: 4},
		"smaller page size":    {MaxLimit: 100},
		"tiny page size":       {MaxLimit: 10},
		"drift and duplicates": {TotalDrift: -2, DuplicateRows: 2},
	}
	for name, faults := range cases {
		t.Run(name, func(t *testing.T) {
			srv := startFake(t, 400)
			srv.SetFaults(faults)
			got, err := inventory(t, fakeClient(t, srv, demoAKSK(), nil))
			require.NoError(t, err)
			require.Equal(t, srv.Fleet().Truth(hssfake.AllEnterpriseProjects).Images, got)
		})
	}
}
