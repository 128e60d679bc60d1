package hssclient

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/stretchr/testify/require"
)

func TestClusterContainerRowsInOtherJSONShapesAreRead(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, row string
		want      ClusterContainer
	}{
		{"every field missing", `{}`, ClusterContainer{}},
		{"only an ID", `{"container_id":"c1"}`, ClusterContainer{ContainerID: "c1"}},
		{"every field null", `{"id":null,"region_id":null,"container_id":"c1","container_name":null,"image_name":null,
			"status":null,"create_time":null,"cpu_limit":null,"memory_limit":null,"restart_count":null,"pod_name":null,
			"cluster_name":null,"cluster_id":null,"cluster_type":null,"risky":null,"low_risk":null,"medium_risk":null,
			"high_risk":null,"fatal_risk":null}`, ClusterContainer{ContainerID: "c1"}},
		{"numbers as strings and floats", `{"container_id":"c1","create_time":"1764144000000","restart_count":3.0,
			"low_risk":"2","medium_risk":1e0,"high_risk":"","fatal_risk":"1"}`,
			ClusterContainer{ContainerID: "c1", CreateTime: 1764144000000, RestartCount: 3, LowRisk: 2, MediumRisk: 1, FatalRisk: 1}},
		{"risky as a string", `{"container_id":"c1","risky":"true"}`, ClusterContainer{ContainerID: "c1", Risky: true}},
		{"risky as a number", `{"container_id":"c1","risky":1}`, ClusterContainer{ContainerID: "c1", Risky: true}},
		{"limits as numbers", `{"container_id":"c1","cpu_limit":2,"memory_limit":0.5}`,
			ClusterContainer{ContainerID: "c1", CPULimit: "2", MemoryLimit: "0.5"}},
		{"every field as documented", `{"id":"r1","region_id":"cn-north-4","container_id":"c1","container_name":"k8s_web",
			"image_name":"nginx:1.25.3","status":"Waiting","create_time":1764144000000,"cpu_limit":"500m",
			"memory_limit":"512Mi","restart_count":20,"pod_name":"web-1","cluster_name":"cce-prod","cluster_id":"cl-1",
			"cluster_type":"cce","risky":true,"low_risk":1,"medium_risk":2,"high_risk":3,"fatal_risk":4,"unknown_key":[1]}`,
			ClusterContainer{ID: "r1", RegionID: "cn-north-4", ContainerID: "c1", ContainerName: "k8s_web",
				ImageName: "nginx:1.25.3", Status: "Waiting", CreateTime: 1764144000000, CPULimit: "500m",
				MemoryLimit: "512Mi", RestartCount: 20, PodName: "web-1", ClusterName: "cce-prod", ClusterID: "cl-1",
				ClusterType: "cce", Risky: true, LowRisk: 1, MediumRisk: 2, HighRisk: 3, FatalRisk: 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"total_num": 1, "data_list": [` + tc.row + `]}`
			c, _ := newTestClient(t, rawHandler(200, body), func(cfg *Config) { cfg.MaxRetries = -1 })
			page, err := c.ListClusterContainers(context.Background(), ListClusterContainersRequest{})
			require.NoError(t, err)
			require.Equal(t, []ClusterContainer{tc.want}, page.DataList)
		})
	}
}

func TestHostileClusterContainerFieldsFailThePageNamingTheField(t *testing.T) {
	t.Parallel()
	cases := map[string]struct{ row, field string }{
		"word for a boolean":      {`{"risky":"LEAKME"}`, `"data_list.risky"`},
		"fraction of a restart":   {`{"restart_count":2.5}`, `"data_list.restart_count"`},
		"word for a count":        {`{"fatal_risk":"LEAKME"}`, `"data_list.fatal_risk"`},
		"count beyond int64":      {`{"create_time":1e30}`, `"data_list.create_time"`},
		"object for a limit":      {`{"cpu_limit":{"LEAKME":1}}`, `"data_list.cpu_limit"`},
		"boolean for a limit":     {`{"memory_limit":true}`, `"data_list.memory_limit"`},
		"number for a cluster ID": {`{"cluster_id":12}`, `"data_list.cluster_id"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			body := `{"total_num": 1, "data_list": [` + tc.row + `]}`
			c, _ := newTestClient(t, rawHandler(200, body), func(cfg *Config) { cfg.MaxRetries = -1 })
			_, err := c.ListClusterContainers(context.Background(), ListClusterContainersRequest{})
			var decErr *transport.DecodeError
			require.ErrorAs(t, err, &decErr)
			require.ErrorContains(t, err, tc.field)
			require.NotContains(t, err.Error(), "LEAKME", "the error names the field, never quotes the body")
		})
	}
}

func TestClusterContainerPagesNeedTotalAndList(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{}`:                                  "total_num is missing",
		`null`:                                "not a JSON object",
		`{"total_num": 3}`:                    "data_list is missing",
		`{"total_num": 3, "data_list": null}`: "data_list is missing",
		`{"total_num": 3, "data_list": []}`:   "first page holds no row",
		`{"total_num": -1, "data_list": []}`:  "total_num is negative",
		`{"total_num": "x", "data_list": []}`: `"total_num"`,
		`{"total_num": 0, "data_list": [], "last_update_time": "LEAKME"}`: `"last_update_time"`,
	} {
		c, _ := newTestClient(t, rawHandler(200, body), func(cfg *Config) { cfg.MaxRetries = -1 })
		_, err := c.ListClusterContainers(context.Background(), ListClusterContainersRequest{})
		require.ErrorContains(t, err, want, body)
		require.NotContains(t, err.Error(), "LEAKME")
		var decErr *transport.DecodeError
		require.True(t, errors.As(err, &decErr), "%s: %v", body, err)
	}
}

func TestClusterContainerPageReadsLastUpdateTimeInAnyShape(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int64{
		`{"total_num": 0, "data_list": [], "last_update_time": 1764144000000}`:     1764144000000,
		`{"last_update_time": "1764144000000", "total_num": "0", "data_list": []}`: 1764144000000,
		`{"total_num": 0, "data_list": [], "last_update_time": null}`:              0,
		`{"total_num": 0, "data_list": []}`:                                        0,
	} {
		c, _ := newTestClient(t, rawHandler(200, body), nil)
		page, err := c.ListClusterContainers(context.Background(), ListClusterContainersRequest{})
		require.NoError(t, err, body)
		require.Equal(t, want, page.LastUpdateTime, body)
		require.Empty(t, page.DataList)
	}
}

func TestEachClusterContainerSkipsNullEmptyAndRepeatedRows(t *testing.T) {
	t.Parallel()
	body := `{"total_num": 5, "data_list": [null, {}, {"container_id": "c1", "restart_count": 2},
		{"container_id": "c1", "restart_count": 2}, {"pod_name": "no-id"}]}`
	c, _ := newTestClient(t, rawHandler(200, body), nil)
	var got []ClusterContainer
	err := c.EachClusterContainer(context.Background(), ListClusterContainersRequest{}, func(r ClusterContainer) error {
		got = append(got, r)
		return nil
	})
	var moved *MovedError
	require.ErrorAs(t, err, &moved, "a repeated row is a list that moved")
	require.Equal(t, MovedDuplicateRow, moved.Reason)
	require.Equal(t, OpListClusterContainers, moved.Operation)
	require.Equal(t, []ClusterContainer{{ContainerID: "c1", RestartCount: 2}, {PodName: "no-id"}}, got,
		"null and empty rows say nothing; a repeated container_id is one container")
}

func TestListClusterContainersSendsItsQuery(t *testing.T) {
	t.Parallel()
	var got *http.Request
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		rawHandler(200, `{"total_num": 0, "data_list": []}`)(w, r)
	}, nil)
	yes := true
	_, err := c.ListClusterContainers(context.Background(), ListClusterContainersRequest{
		EnterpriseProjectID: "all_granted_eps", ContainerName: "k8s web", PodName: "web-1", ImageName: "nginx:1.25",
		ClusterContainer: &yes, Offset: 400, Limit: 200})
	require.NoError(t, err)
	require.Equal(t, "/v5/p1/container/kubernetes", got.URL.Path)
	require.Equal(t, "cluster_container=true&container_name=k8s%20web&enterprise_project_id=all_granted_eps&"+
		"image_name=nginx%3A1.25&limit=200&offset=400&pod_name=web-1", got.URL.RawQuery)
	require.Equal(t, "cn-north-4", got.Header.Get("region"))

	_, err = c.ListClusterContainers(context.Background(), ListClusterContainersRequest{})
	require.NoError(t, err)
	require.Equal(t, "offset=0", got.URL.RawQuery, "unset filters are left out")
}
