package hssclient

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzPostureDecoder feeds any status and body to the three posture calls,
// with the promises FuzzResponseDecoder checks for the inventory: nothing
// panics, a 200 is accepted only as valid JSON of the right shape, and an
// error is short, names its operation and never repeats the token.
func FuzzPostureDecoder(f *testing.F) {
	f.Add(200, []byte(`{"total_num": 1, "data_list": [{"host_id": "h", "protect_interrupt": "true", "asset": 3.0}]}`))
	f.Add(200, []byte(`{"total_num": "6", "low_num": 1, "high_num": null, "critical_num": "5"}`))
	f.Add(200, []byte(`{"data_list": [null, {"version": "hss.version.basic", "total_num": 2, "available_resources_list": [null]}]}`))
	f.Add(200, []byte(`{"data_list": [{"protect_degradation": {"x": 1}}]}`))
	f.Add(200, []byte(`{"error_code": "HSS.1001", "error_msg": "busy"}`))
	f.Add(429, []byte(`{"error_code": "APIG.0308", "error_msg": "policy user over ratelimit,limit:5,time:1 minute"}`))
	f.Add(403, []byte(`{"error_code": "HSS.0013", "error_msg": "`+fuzzToken+`"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			status = 200 + (status%800+800)%800
		}
		c := fuzzClient(t, staticTransport(func(*http.Request) (int, []byte) { return status, body }), nil)
		ctx := context.Background()
		np, nerr := c.ListContainerNodes(ctx, ListContainerNodesRequest{Limit: 10})
		ev, eerr := c.ShowEventSeverity(ctx, ShowEventSeverityRequest{Category: "host", LastDays: 7})
		qu, qerr := c.ShowResourceQuotas(ctx, ShowResourceQuotasRequest{})
		for _, r := range []struct {
			op   string
			ok   bool
			err  error
			into any
		}{
			{OpListContainerNodes, np != nil, nerr, &ContainerNodePage{}},
			{OpShowEventSeverity, ev != nil, eerr, &EventSeverity{}},
			{OpShowResourceQuotas, qu != nil, qerr, &ResourceQuotas{}},
		} {
			if r.err == nil {
				if status != 200 || !r.ok || json.Unmarshal(body, r.into) != nil {
					t.Fatalf("%s: status %d accepted without a valid answer", r.op, status)
				}
				continue
			}
			msg := r.err.Error()
			if r.ok || !strings.HasPrefix(msg, r.op+":") || len(msg) > 1024 || strings.Contains(msg, fuzzToken) {
				t.Fatalf("%s: bad error (%d bytes): %q", r.op, len(msg), msg)
			}
		}
	})
}
