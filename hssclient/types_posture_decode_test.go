package hssclient

import (
	"context"
	"testing"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/stretchr/testify/require"
)

func TestNodeRowsInOtherJSONShapesAreRead(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, row string
		want      ContainerNode
		err       string // "" means it decodes
	}{
		{"counts as float and string", `{"host_id":"h","asset":3.0,"vulnerability":"12","intrusion":null}`,
			ContainerNode{HostID: "h", Asset: 3, Vulnerability: 12}, ""},
		{"booleans as strings", `{"host_id":"h","protect_interrupt":"true","protect_degradation":"false"}`,
			ContainerNode{HostID: "h", ProtectInterrupt: true}, ""},
		{"booleans as numbers", `{"host_id":"h","protect_interrupt":0,"protect_degradation":1,"degradation_reason":"oom"}`,
			ContainerNode{HostID: "h", ProtectDegradation: true, DegradationReason: "oom"}, ""},
		{"null boolean", `{"host_id":"h","protect_interrupt":null}`, ContainerNode{HostID: "h"}, ""},
		{"word for a boolean is refused", `{"host_id":"h","protect_interrupt":"LEAKME"}`, ContainerNode{}, `"data_list.protect_interrupt"`},
		{"fraction is refused", `{"host_id":"h","vulnerability":2.5}`, ContainerNode{}, `"data_list.vulnerability"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"total_num": "1", "data_list": [` + tc.row + `]}`
			c, _ := newTestClient(t, rawHandler(200, body), func(cfg *Config) { cfg.MaxRetries = -1 })
			page, err := c.ListContainerNodes(context.Background(), ListContainerNodesRequest{})
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.NotContains(t, err.Error(), "LEAKME")
				return
			}
			require.NoError(t, err)
			require.Equal(t, int64(1), page.TotalNum)
			require.Equal(t, []ContainerNode{tc.want}, page.DataList)
		})
	}
}

func TestNullNodeRowsAreSkipped(t *testing.T) {
	t.Parallel()
	body := `{"total_num": 4, "data_list": [null, {}, {"host_id": "h1"}, {"host_id": "h1"}]}`
	c, _ := newTestClient(t, rawHandler(200, body), nil)
	var got []ContainerNode
	require.NoError(t, c.EachContainerNode(context.Background(), ListContainerNodesRequest{}, func(n ContainerNode) error {
		got = append(got, n)
		return nil
	}))
	require.Equal(t, []ContainerNode{{HostID: "h1"}}, got, "null, empty and repeated rows say nothing new")
}

func TestEventSeverityCountsInOtherShapesAreRead(t *testing.T) {
	t.Parallel()
	body := `{"total_num": "6", "low_num": 1.0, "medium_num": null, "high_num": "2", "critical_num": 3}`
	c, _ := newTestClient(t, rawHandler(200, body), nil)
	got, err := c.ShowEventSeverity(context.Background(), ShowEventSeverityRequest{Category: "host"})
	require.NoError(t, err)
	require.Equal(t, EventSeverity{TotalNum: 6, LowNum: 1, HighNum: 2, CriticalNum: 3}, *got)

	c, _ = newTestClient(t, rawHandler(200, `{"total_num": "LEAKME"}`), func(cfg *Config) { cfg.MaxRetries = -1 })
	_, err = c.ShowEventSeverity(context.Background(), ShowEventSeverityRequest{Category: "host"})
	require.ErrorContains(t, err, `"total_num"`)
	require.NotContains(t, err.Error(), "LEAKME")
}

func TestQuotaRowsInOtherShapesAreRead(t *testing.T) {
	t.Parallel()
	body := `{"data_list": [null, {"version": "hss.version.container.enterprise", "total_num": "10", "used_num": 10.0,
		"available_num": 0, "available_resources_list": null},
		{"version": "hss.version.basic", "total_num": 2, "used_num": 0, "available_num": 2,
		"available_resources_list": [null, {"resource_id": "r1", "current_time": "1", "shared_quota": "shared"}]}]}`
	c, _ := newTestClient(t, rawHandler(200, body), nil)
	got, err := c.ShowResourceQuotas(context.Background(), ShowResourceQuotasRequest{})
	require.NoError(t, err)
	require.Equal(t, []ResourceQuota{
		{Version: "hss.version.container.enterprise", TotalNum: 10, UsedNum: 10},
		{Version: "hss.version.basic", TotalNum: 2, AvailableNum: 2,
			AvailableResourcesList: []AvailableResource{{ResourceID: "r1", CurrentTime: "1", SharedQuota: "shared"}}},
	}, got.DataList)
}

func TestPostureErrorBodyWithStatus200IsAnError(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, rawHandler(200, `{"error_code": "HSS.1001", "error_msg": "system busy"}`),
		func(cfg *Config) { cfg.MaxRetries = -1 })
	ctx := context.Background()
	_, nodesErr := c.ListContainerNodes(ctx, ListContainerNodesRequest{})
	_, eventsErr := c.ShowEventSeverity(ctx, ShowEventSeverityRequest{Category: "host"})
	_, quotasErr := c.ShowResourceQuotas(ctx, ShowResourceQuotasRequest{})
	for op, err := range map[string]error{OpListContainerNodes: nodesErr, OpShowEventSeverity: eventsErr, OpShowResourceQuotas: quotasErr} {
		var apiErr *transport.APIError
		require.ErrorAs(t, err, &apiErr, "%s: zero counts would otherwise be exported as the truth", op)
		require.Equal(t, "HSS.1001", apiErr.Code)
		require.Equal(t, op, apiErr.Operation)
	}
}
