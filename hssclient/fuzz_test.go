package hssclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// Fuzz targets of the client. Each runs as a unit test over its seeds and
// the corpus under testdata/fuzz/<name>; CI also fuzzes each briefly:
//
//	go test -run='^$' -fuzz='^FuzzResponseDecoder$' -fuzztime=10s ./hssclient/

// fuzzToken is the credential the fuzzed server may echo back.
const fuzzToken = "MIIFuzzTokenValue-0123456789abcdefghij"

// staticTransport answers every request without a network: status and body
// come from fn, which also sees the request (to echo it, or count it).
type staticTransport func(req *http.Request) (status int, body []byte)

func (fn staticTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	status, body := fn(req)
	return &http.Response{
		StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}, nil
}

// fixedToken always sends fuzzToken, so whatever the fuzzer echoes can be
// checked against it.
type fixedToken struct{}

func (fixedToken) Authorize(_ context.Context, req *http.Request, _ []byte) error {
	req.Header.Set("X-Auth-Token", fuzzToken)
	return nil
}

func (fixedToken) Invalidate() bool { return false }

func fuzzClient(t testing.TB, rt http.RoundTripper, tweak func(*Config)) *Client {
	cfg := Config{
		Region: "cn-north-4", ProjectID: "p1", Endpoint: "http://hss.test",
		Auth: fixedToken{}, HTTPClient: &http.Client{Transport: rt},
		MaxRetries: -1, MaxBodyBytes: 64 << 10,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(context.Context, time.Duration) error { return nil }
	return c
}

// FuzzResponseDecoder feeds any status and body to both list operations:
// nothing panics, a 200 with valid JSON decodes, every error is short,
// names its operation and never repeats the token the request carried.
func FuzzResponseDecoder(f *testing.F) {
	f.Add(200, []byte(`{"total_num": 2, "data_list": [{"container_id": "a"}, {"container_id": "b"}]}`))
	f.Add(200, []byte(`{"total_num": 1, "data_list": [{"image_name": "nginx", "vul_num": 3, "image_size": 9223372036854775807}]}`))
	f.Add(200, []byte(`{"total_num": "12", "data_list": null}`))
	f.Add(200, []byte(`{"total_num": 99999999999999999999999999}`))
	f.Add(200, []byte("{\"data_list\": [{\"container_name\": \"a\xffb\\u0000\"}]}"))
	f.Add(200, []byte(`[`))
	f.Add(401, []byte(`{"error_code": "APIG.0301", "error_msg": "bad token `+fuzzToken+`", "request_id": "`+fuzzToken+`"}`))
	f.Add(429, []byte(`{"error_code": "APIG.0308", "error_msg": "`+strings.Repeat("slow down ", 100)+`"}`))
	f.Add(500, []byte(`<html>upstream error</html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			status = 200 + (status%800+800)%800
		}
		c := fuzzClient(t, staticTransport(func(*http.Request) (int, []byte) { return status, body }), nil)
		ctx := context.Background()
		cp, cerr := c.ListLocalImageContainers(ctx, ListContainersRequest{Limit: 10})
		ip, ierr := c.ListImageLocal(ctx, ListImagesRequest{Limit: 10})
		for _, r := range []struct {
			op   string
			ok   bool
			err  error
			into any
		}{{OpListContainers, cp != nil, cerr, &ContainerPage{}}, {OpListImages, ip != nil, ierr, &ImagePage{}}} {
			if r.err == nil {
				if status != 200 || !r.ok || json.Unmarshal(body, r.into) != nil {
					t.Fatalf("%s: status %d accepted without a valid page", r.op, status)
				}
				continue
			}
			msg := r.err.Error()
			if r.ok || !strings.HasPrefix(msg, r.op+":") || len(msg) > 1024 || strings.Contains(msg, fuzzToken) {
				t.Fatalf("%s: bad error (%d bytes): %q", r.op, len(msg), msg)
			}
			if status == 200 && len(body) <= 64<<10 && transport.Classify(r.err) != transport.ClassOther {
				t.Fatalf("%s: a 200 answer classified as %v", r.op, transport.Classify(r.err))
			}
		}
	})
}

// FuzzPager walks a listing whose pages the fuzzer scripts: each byte pair
// sets a page's total_num and row count and where its rows start, so pages
// overlap, shrink, grow, run past the end or come back empty or larger than
// asked. The walk must end within maxPages (plus the page-size step-downs),
// hand out each container_id at most once, and never panic.
func FuzzPager(f *testing.F) {
	f.Add(uint8(10), uint8(5), []byte{30, 10, 30, 10, 30, 10})    // three full pages
	f.Add(uint8(10), uint8(5), []byte{30, 10, 30, 0, 30, 10})     // empty page in the middle
	f.Add(uint8(10), uint8(5), []byte{200, 10, 200, 10, 2, 10})   // total shrinks
	f.Add(uint8(10), uint8(3), []byte{10, 10, 50, 10, 90, 10})    // total keeps growing
	f.Add(uint8(10), uint8(5), []byte{45, 15, 45, 15, 45, 15})    // pages larger than asked
	f.Add(uint8(200), uint8(5), []byte{255, 0x80, 255, 10, 1, 1}) // 400 to the first page size
	f.Fuzz(func(t *testing.T, pageSize, maxPages uint8, script []byte) {
		if len(script) > 256 {
			script = script[:256]
		}
		calls := 0
		rt := staticTransport(func(req *http.Request) (int, []byte) {
			q := req.URL.Query()
			var offset, limit int
			fmt.Sscan(q.Get("offset"), &offset)
			fmt.Sscan(q.Get("limit"), &limit)
			var total, rows byte
			if len(script) >= 2 {
				i := (calls * 2) % len(script)
				total, rows = script[i], script[(i+1)%len(script)]
			}
			calls++
			if rows&0x80 != 0 && limit > 10 {
				return 400, []byte(`{"error_code": "HSS.0001", "error_msg": "Invalid parameter: limit"}`)
			}
			// Rows start a little before offset when total says so, so
			// pages overlap and repeat IDs.
			start := max(0, offset-int(total%4))
			ids := make([]string, 0, rows&0x7f)
			for i := range int(rows & 0x7f) {
				ids = append(ids, fmt.Sprintf(`{"container_id": "c%d"}`, start+i))
			}
			return 200, []byte(fmt.Sprintf(`{"total_num": %d, "data_list": [%s]}`, total, strings.Join(ids, ",")))
		})
		c := fuzzClient(t, rt, func(cfg *Config) { cfg.PageSize = int(pageSize) })
		c.maxPages = int(maxPages%20) + 1
		seen := map[string]bool{}
		err := c.EachContainer(context.Background(), ListContainersRequest{ImageName: "x"}, func(row Container) error {
			if seen[row.ContainerID] {
				t.Fatalf("container %s handed out twice", row.ContainerID)
			}
			seen[row.ContainerID] = true
			return nil
		})
		if limit := int(maxPages%20) + 1 + len(pageSteps); calls > limit {
			t.Fatalf("%d calls, more than maxPages plus step-downs (%d); err %v", calls, limit, err)
		}
	})
}
