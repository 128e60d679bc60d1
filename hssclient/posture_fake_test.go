package hssclient_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// postureFake serves a generated fleet of n containers under opts' tweak.
func postureFake(t *testing.T, containers int, tweak func(*hssfake.Options)) *hssfake.Server {
	t.Helper()
	opts := hssfake.DemoOptions(hssfake.Generate(hssfake.GenerateOptions{Seed: 21, Containers: containers}))
	if tweak != nil {
		tweak(&opts)
	}
	srv, err := hssfake.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// nodesOf lists every node with c.
func nodesOf(t *testing.T, c *hssclient.Client, req hssclient.ListContainerNodesRequest) ([]hssclient.ContainerNode, error) {
	t.Helper()
	var out []hssclient.ContainerNode
	err := c.EachContainerNode(context.Background(), req, func(n hssclient.ContainerNode) error {
		out = append(out, n)
		return nil
	})
	return out, err
}

// nodeTruth is what a client must read of the fleet's nodes: the fields it
// keeps, keyed by host ID.
func nodeTruth(nodes []hssfake.Node) map[string][4]string {
	out := map[string][4]string{}
	for _, n := range nodes {
		out[n.HostID] = [4]string{n.HostName, n.AgentStatus, n.ProtectStatus, n.ResourceID}
	}
	return out
}

func readNodes(nodes []hssclient.ContainerNode) map[string][4]string {
	out := map[string][4]string{}
	for _, n := range nodes {
		out[n.HostID] = [4]string{n.HostName, n.AgentStatus, n.ProtectStatus, n.ResourceID}
	}
	return out
}

func TestPostureCallsReadTheFleetWithEveryAuthMode(t *testing.T) {
	t.Parallel()
	srv := postureFake(t, 1500, nil)
	fleet := srv.Fleet()
	all := hssfake.AllEnterpriseProjects
	auths := map[string]auth.Authenticator{
		"aksk": demoAKSK(),
		"iam": auth.NewIAM(auth.IAMConfig{
			Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain, Username: hssfake.DemoIAMUser,
			Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID,
		}),
		"metadata": auth.NewMetadata(auth.MetadataConfig{Endpoint: srv.URL}),
	}
	ctx := context.Background()
	for name, authn := range auths {
		t.Run(name, func(t *testing.T) {
			c := fakeClient(t, srv, authn, func(cfg *hssclient.Config) { cfg.PageSize = 50 })
			nodes, err := nodesOf(t, c, hssclient.ListContainerNodesRequest{EnterpriseProjectID: all})
			require.NoError(t, err)
			require.Equal(t, nodeTruth(fleet.NodesIn(all)), readNodes(nodes))

			for _, category := range []string{hssfake.CategoryHost, hssfake.CategoryContainer} {
				got, err := c.ShowEventSeverity(ctx, hssclient.ShowEventSeverityRequest{
					Category: category, EnterpriseProjectID: all, HandleStatus: hssfake.EventUnhandled, LastDays: 7})
				require.NoError(t, err)
				want := fleet.EventCounts(hssfake.EventQuery{Category: category, HandleStatus: hssfake.EventUnhandled,
					LastDays: 7, EnterpriseProjectID: all})
				require.Equal(t, hssclient.EventSeverity{TotalNum: int64(want.Total), LowNum: int64(want.Low),
					MediumNum: int64(want.Medium), HighNum: int64(want.High), CriticalNum: int64(want.Critical)}, *got)
			}

			quotas, err := c.ShowResourceQuotas(ctx, hssclient.ShowResourceQuotasRequest{EnterpriseProjectID: all})
			require.NoError(t, err)
			want := fleet.Quotas(hssfake.QuotaQuery{EnterpriseProjectID: all})
			require.Len(t, quotas.DataList, len(want))
			for i, row := range quotas.DataList {
				require.Equal(t, want[i].Version, row.Version)
				require.Equal(t, [3]int64{int64(want[i].Total), int64(want[i].Used), int64(want[i].Available)},
					[3]int64{row.TotalNum, row.UsedNum, row.AvailableNum}, row.Version)
				require.Len(t, row.AvailableResourcesList, want[i].Available)
			}
		})
	}
	require.Empty(t, srv.AuthFailures(), "every request was signed as the server expects")
}

func TestEachContainerNodePagesBeyondTwoHundred(t *testing.T) {
	t.Parallel()
	srv := postureFake(t, 12_000, nil) // 480 hosts
	c := fakeClient(t, srv, demoAKSK(), nil)
	nodes, err := nodesOf(t, c, hssclient.ListContainerNodesRequest{EnterpriseProjectID: hssfake.AllEnterpriseProjects})
	require.NoError(t, err)
	want := srv.Fleet().Nodes()
	require.Greater(t, len(want), 400)
	require.Len(t, nodes, len(want))
	require.Equal(t, nodeTruth(want), readNodes(nodes))
	require.Equal(t, (len(want)+199)/200, srv.RequestsFor(hssfake.OpListContainerNodes), "one call per 200 nodes")

	// Filters go through as sent.
	offline, err := nodesOf(t, c, hssclient.ListContainerNodesRequest{EnterpriseProjectID: hssfake.AllEnterpriseProjects,
		AgentStatus: hssfake.AgentOffline})
	require.NoError(t, err)
	require.NotEmpty(t, offline)
	for _, n := range offline {
		require.Equal(t, hssfake.AgentOffline, n.AgentStatus)
	}
}

func TestNodePagingSurprisesFromTheServer(t *testing.T) {
	t.Parallel()
	for name, faults := range map[string]hssfake.Faults{
		"total drifts":      {TotalDrift: 3},
		"duplicate rows":    {DuplicateRows: 4},
		"smaller page size": {MaxLimit: 100},
	} {
		t.Run(name, func(t *testing.T) {
			srv := postureFake(t, 8000, nil)
			srv.SetFaults(faults)
			nodes, err := nodesOf(t, fakeClient(t, srv, demoAKSK(), nil),
				hssclient.ListContainerNodesRequest{EnterpriseProjectID: hssfake.AllEnterpriseProjects})
			require.NoError(t, err)
			require.Equal(t, nodeTruth(srv.Fleet().Nodes()), readNodes(nodes))
			require.Len(t, nodes, len(srv.Fleet().Nodes()))
		})
	}
}

// postureCalls makes one call of each posture API and returns their errors
// by operation.
func postureCalls(c *hssclient.Client) map[string]error {
	ctx := context.Background()
	_, nodesErr := c.ListContainerNodes(ctx, hssclient.ListContainerNodesRequest{})
	_, eventsErr := c.ShowEventSeverity(ctx, hssclient.ShowEventSeverityRequest{Category: hssfake.CategoryHost, LastDays: 7})
	_, quotasErr := c.ShowResourceQuotas(ctx, hssclient.ShowResourceQuotasRequest{})
	return map[string]error{hssclient.OpListContainerNodes: nodesErr, hssclient.OpShowEventSeverity: eventsErr,
		hssclient.OpShowResourceQuotas: quotasErr}
}

func TestPostureTransientFaultsAreRetried(t *testing.T) {
	t.Parallel()
	for name, fault := range map[string]hssfake.Fault{
		"500 twice":      {Kind: hssfake.FaultStatus, Status: 500, Times: 2},
		"503":            {Kind: hssfake.FaultStatus, Status: 503, Times: 1},
		"reset":          {Kind: hssfake.FaultReset, Times: 1},
		"truncated body": {Kind: hssfake.FaultTruncatedBody, Times: 1},
	} {
		t.Run(name, func(t *testing.T) {
			srv := postureFake(t, 200, nil)
			for _, op := range []string{hssfake.OpListContainerNodes, hssfake.OpShowEventSeverity, hssfake.OpShowResourceQuotas} {
				f := fault
				f.Operation = op
				srv.AddFault(f)
			}
			for op, err := range postureCalls(fakeClient(t, srv, demoAKSK(), nil)) {
				require.NoError(t, err, op)
			}
		})
	}
}

func TestPostureCallsPastTheRateLimitFailAsThrottled(t *testing.T) {
	t.Parallel()
	srv := postureFake(t, 200, func(o *hssfake.Options) {
		o.RateLimit = hssfake.RateLimit{PerOperation: map[string]int{hssfake.OpShowEventSeverity: 1}}
	})
	c := fakeClient(t, srv, demoAKSK(), func(cfg *hssclient.Config) { cfg.MaxRetries = 2 })
	require.NoError(t, postureCalls(c)[hssclient.OpShowEventSeverity])
	errs := postureCalls(c)
	require.NoError(t, errs[hssclient.OpListContainerNodes], "other APIs keep their own budget")
	require.NoError(t, errs[hssclient.OpShowResourceQuotas])
	err := errs[hssclient.OpShowEventSeverity]
	require.True(t, transport.Classify(err) == transport.ClassThrottled, "%v", err)
	var apiErr *transport.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, "APIG.0308", apiErr.Code)
	require.Contains(t, apiErr.Message, "limit:1,time:1 minute")
	require.Equal(t, hssclient.OpShowEventSeverity, apiErr.Operation)
	require.Positive(t, srv.Throttled(hssfake.OpShowEventSeverity))
}

func TestPostureCallsRefusedForPermissionsAreNotRetried(t *testing.T) {
	t.Parallel()
	srv := postureFake(t, 200, nil)
	c := fakeClient(t, srv, demoAKSK(), func(cfg *hssclient.Config) { cfg.ProjectID = "0000" })
	for op, err := range postureCalls(c) {
		var apiErr *transport.APIError
		require.ErrorAs(t, err, &apiErr, op)
		require.Equal(t, 403, apiErr.StatusCode, op)
		require.True(t, transport.Classify(err) == transport.ClassAuth)
		require.Contains(t, apiErr.Hint, "HSS ReadOnlyAccess")
		require.Equal(t, 1, srv.Requests(op, 403), "%s: a 403 is final", op)
	}

	limited := postureFake(t, 200, func(o *hssfake.Options) { o.GrantedEnterpriseProjects = []string{"ep-only"} })
	for op, err := range postureCalls(fakeClient(t, limited, demoAKSK(), nil)) {
		var apiErr *transport.APIError
		require.ErrorAs(t, err, &apiErr, op)
		require.Equal(t, "HSS.0013", apiErr.Code, op)
		require.Equal(t, 1, limited.RequestsFor(op), "%s: no page-size step-down on a permission refusal", op)
	}
}

func TestPostureCallsWithRefusedSignatureStopAtOnce(t *testing.T) {
	t.Parallel()
	srv := postureFake(t, 200, nil)
	c := fakeClient(t, srv, auth.NewAKSK(hssfake.DemoAccessKey, "wrong-secret", ""), nil)
	for op, err := range postureCalls(c) {
		require.True(t, transport.Classify(err) == transport.ClassAuth, "%s: %v", op, err)
		require.NotContains(t, err.Error(), "wrong-secret")
	}
	require.Len(t, srv.AuthFailures(), 1, "the first refusal holds the other calls: an AK locks after five failures")
}

func TestShowEventSeverityRefusesBadRequestsWithoutACall(t *testing.T) {
	t.Parallel()
	srv := postureFake(t, 1500, nil)
	c := fakeClient(t, srv, demoAKSK(), nil)
	ctx := context.Background()
	_, err := c.ShowEventSeverity(ctx, hssclient.ShowEventSeverityRequest{LastDays: 7})
	require.True(t, errors.Is(err, hssclient.ErrEventCategoryRequired), "%v", err)
	_, err = c.ShowEventSeverity(ctx, hssclient.ShowEventSeverityRequest{Category: "host", LastDays: 7, BeginTime: time.Now()})
	require.True(t, errors.Is(err, hssclient.ErrEventWindowConflict), "%v", err)
	require.Zero(t, srv.RequestsFor(hssfake.OpShowEventSeverity))

	// A time range instead of last_days reaches the same events.
	now := time.Now()
	byRange, err := c.ShowEventSeverity(ctx, hssclient.ShowEventSeverityRequest{Category: "host",
		EnterpriseProjectID: hssfake.AllEnterpriseProjects, BeginTime: now.Add(-7 * 24 * time.Hour), EndTime: now})
	require.NoError(t, err)
	byDays, err := c.ShowEventSeverity(ctx, hssclient.ShowEventSeverityRequest{Category: "host",
		EnterpriseProjectID: hssfake.AllEnterpriseProjects, LastDays: 7})
	require.NoError(t, err)
	require.Equal(t, byDays, byRange)
	require.Positive(t, byDays.TotalNum)
}
