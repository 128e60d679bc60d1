package hssclient

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzClusterContainerDecoder feeds any status and body to ListContainers,
// with the promises FuzzPostureDecoder checks: nothing panics, a 200 is
// accepted only as valid JSON of the right shape, and an error is short,
// names its operation and never repeats the token.
func FuzzClusterContainerDecoder(f *testing.F) {
	f.Add(200, []byte(`{"total_num": 1, "last_update_time": "1764144000000", "data_list": [{"container_id": "c", "risky": "true", "restart_count": 3.0, "cpu_limit": 2}]}`))
	f.Add(200, []byte(`{"total_num": 2, "data_list": [null, {}]}`))
	f.Add(200, []byte(`{"total_num": 1, "data_list": [{"memory_limit": {"x": 1}}]}`))
	f.Add(200, []byte(`{"total_num": 0, "data_list": [], "last_update_time": [1]}`))
	f.Add(200, []byte(`{"error_code": "HSS.1001", "error_msg": "busy"}`))
	f.Add(403, []byte(`{"error_code": "HSS.0013", "error_msg": "`+fuzzToken+`"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			status = 200 + (status%800+800)%800
		}
		c := fuzzClient(t, staticTransport(func(*http.Request) (int, []byte) { return status, body }), nil)
		page, err := c.ListClusterContainers(context.Background(), ListClusterContainersRequest{Limit: 10})
		if err == nil {
			if status != 200 || page == nil || json.Unmarshal(body, &ClusterContainerPage{}) != nil {
				t.Fatalf("status %d accepted without a valid answer", status)
			}
			return
		}
		msg := err.Error()
		if page != nil || !strings.HasPrefix(msg, OpListClusterContainers+":") || len(msg) > 1024 || strings.Contains(msg, fuzzToken) {
			t.Fatalf("bad error (%d bytes): %q", len(msg), msg)
		}
	})
}
