package hssclient

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPostureQueriesCarryTheirParameters(t *testing.T) {
	t.Parallel()
	var got []*http.Request
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Clone(context.Background()))
		writeJSON(w, 200, map[string]any{"total_num": 0, "data_list": []any{}})
	}, nil)
	ctx := context.Background()
	begin := time.UnixMilli(1_764_000_000_000)
	_, err := c.ListContainerNodes(ctx, ListContainerNodesRequest{EnterpriseProjectID: "all_granted_eps",
		AgentStatus: "offline", ContainerTags: "cce", Offset: 200, Limit: 200})
	require.NoError(t, err)
	_, err = c.ShowEventSeverity(ctx, ShowEventSeverityRequest{Category: "container", HandleStatus: "unhandled",
		BeginTime: begin, EndTime: begin.Add(time.Hour), SeverityList: []string{"High", "Critical"}, EventType: 1001})
	require.NoError(t, err)
	_, err = c.ShowResourceQuotas(ctx, ShowResourceQuotasRequest{Version: "hss.version.basic"})
	require.NoError(t, err)

	require.Len(t, got, 3)
	require.Equal(t, "/v5/p1/container/nodes", got[0].URL.Path)
	require.Equal(t, "agent_status=offline&container_tags=cce&enterprise_project_id=all_granted_eps&limit=200&offset=200",
		got[0].URL.RawQuery)
	require.Equal(t, "/v5/p1/event/severity", got[1].URL.Path)
	require.Equal(t, "begin_time=1764000000000&category=container&end_time=1764003600000&event_type=1001&"+
		"handle_status=unhandled&severity_list=Critical&severity_list=High", got[1].URL.RawQuery)
	require.Equal(t, "/v5/p1/billing/quotas", got[2].URL.Path)
	require.Equal(t, "version=hss.version.basic", got[2].URL.RawQuery)
	for _, r := range got {
		require.Equal(t, "cn-north-4", r.Header.Get("region"))
		require.Equal(t, "p1", r.Header.Get("X-Project-Id"))
	}
}
