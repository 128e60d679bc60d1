package hssclient

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/stretchr/testify/require"
)

// hugeAnswer is an endless 200 answer: head, then fill repeated for ever.
type hugeAnswer struct {
	head, fill string
	sent       atomic.Int64
}

func (h *hugeAnswer) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		pos := h.sent.Load()
		var src string
		if pos < int64(len(h.head)) {
			src = h.head[pos:]
		} else {
			off := (pos - int64(len(h.head))) % int64(len(h.fill))
			src = h.fill[off:]
		}
		c := copy(p[n:], src)
		n += c
		h.sent.Add(int64(c))
	}
	return n, nil
}

// hugeShapes are the ways a 200 answer can run on: one endless string, an
// endless list of rows, an endless unknown key, endless white space.
var hugeShapes = map[string][2]string{
	"one endless string":  {`{"total_num": 1, "data_list": [{"container_id": "`, "x"},
	"endless rows":        {`{"total_num": 1, "data_list": [`, `{"container_id": "c", "entry_point": "run --password=hunter2 --and --more"},`},
	"endless unknown key": {`{"total_num": 1, "pad": [`, `[1, 2, {"a": "b"}], `},
	"endless white space": {``, " \n\t"},
}

// TestAHugeAnswerIsReadNoFurtherThanItsCap: whatever its shape, an endless
// 200 answer is read to its cap (a few MiB for a page of 200 rows) and no
// further, allocates a bounded amount, fails as malformed and is not asked
// for again.
func TestAHugeAnswerIsReadNoFurtherThanItsCap(t *testing.T) {
	// Not parallel: it counts the process's allocations.
	for name, shape := range hugeShapes {
		t.Run(name, func(t *testing.T) {
			var answers []*hugeAnswer
			rt := roundTripper(func(req *http.Request) (*http.Response, error) {
				a := &hugeAnswer{head: shape[0], fill: shape[1]}
				answers = append(answers, a)
				return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(a), ContentLength: -1, Request: req}, nil
			})
			c, err := New(Config{Region: "r", ProjectID: "p", Auth: &tokenAuth{token: "tok"}, HTTPClient: &http.Client{Transport: rt}})
			require.NoError(t, err)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err = c.ListLocalImageContainers(context.Background(), ListContainersRequest{Limit: 200})
			runtime.ReadMemStats(&after)

			limit := c.pageBodyLimit(200)
			require.Equal(t, int64(pageBodyBase+200*pageBodyPerRow), limit)
			require.Less(t, limit, int64(5<<20), "a few MiB")
			var decErr *transport.DecodeError
			require.ErrorAs(t, err, &decErr)
			require.ErrorContains(t, err, "larger than")
			require.Len(t, answers, 1, "not asked for again")
			require.LessOrEqual(t, answers[0].sent.Load(), limit+64<<10, "read no further than the cap")
			// Allocated in all, most of it short-lived (rows are decoded one
			// by one): the whole of the answer read first would be hundreds
			// of MiB.
			allocated := after.TotalAlloc - before.TotalAlloc
			require.Less(t, allocated, uint64(16*limit), "allocated %d bytes", allocated)
			t.Logf("read %d bytes, allocated %d bytes", answers[0].sent.Load(), allocated)
		})
	}
}

func TestTheBodyCapFollowsThePageSize(t *testing.T) {
	t.Parallel()
	c, err := New(Config{Region: "r", ProjectID: "p", Auth: &tokenAuth{}})
	require.NoError(t, err)
	require.Equal(t, int64(pageBodyBase+10*pageBodyPerRow), c.pageBodyLimit(10))
	require.Equal(t, int64(pageBodyBase+MaxPageSize*pageBodyPerRow), c.pageBodyLimit(0))
	c, err = New(Config{Region: "r", ProjectID: "p", Auth: &tokenAuth{}, MaxBodyBytes: 4096})
	require.NoError(t, err)
	require.Equal(t, int64(4096), c.pageBodyLimit(200), "a set cap wins")
}

// TestAnErrorAnswerIsReadOnlyInPart: a 503 with an endless body gives its
// transport.APIError from the first bytes, without reading the rest.
func TestAnErrorAnswerIsReadOnlyInPart(t *testing.T) {
	t.Parallel()
	a := &hugeAnswer{head: `{"error_code": "APIG.0201", "error_msg": "Backend unavailable", "pad": "`, fill: strings.Repeat("x", 1000)}
	rt := roundTripper(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 503, Header: http.Header{}, Body: io.NopCloser(a), ContentLength: -1, Request: req}, nil
	})
	c, err := New(Config{Region: "r", ProjectID: "p", Auth: &tokenAuth{}, HTTPClient: &http.Client{Transport: rt}, MaxRetries: -1})
	require.NoError(t, err)
	_, err = c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
	require.True(t, transport.Classify(err) == transport.ClassServer, "err: %v", err)
	require.LessOrEqual(t, a.sent.Load(), int64(maxErrorBody+4096))
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestLongRowsAreListedInSmallerPages: rows with a 20 KiB entry_point
// make a page of 200 (and of 100) larger than its cap; the listing asks
// again in smaller pages, whose cap leaves more room per row, lists every
// container, and leaves the client's page size as it was.
func TestLongRowsAreListedInSmallerPages(t *testing.T) {
	t.Parallel()
	const n = 200
	long := strings.Repeat("j", 20<<10)
	var calls atomic.Int32
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		rows := []map[string]string{}
		for i := offset; i < min(offset+limit, n); i++ {
			rows = append(rows, map[string]string{"container_id": "c" + strconv.Itoa(i), "entry_point": long})
		}
		writeJSON(w, 200, map[string]any{"total_num": n, "data_list": rows})
	}, nil)
	seen := map[string]bool{}
	require.NoError(t, c.EachContainer(context.Background(), ListContainersRequest{}, func(row Container) error {
		seen[row.ContainerID] = true
		return nil
	}))
	require.Len(t, seen, n)
	require.Equal(t, MaxPageSize, c.PageSize(OpListContainers), "not remembered: other images' rows are short")
	_, retries := rec.snapshot()
	require.Equal(t, []string{"page_size", "page_size"}, retries, "200 and 100 were too large, 50 fits")
	require.Equal(t, int32(2+4), calls.Load())
}

// TestAnEndlessAnswerEndsTheListing: stepping down ends at the smallest
// page size; an answer too large even then fails the listing.
func TestAnEndlessAnswerEndsTheListing(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	rt := roundTripper(func(req *http.Request) (*http.Response, error) {
		requests.Add(1)
		a := &hugeAnswer{head: `{"total_num": 1, "data_list": [{"container_id": "`, fill: "x"}
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(a), ContentLength: -1, Request: req}, nil
	})
	c, err := New(Config{Region: "r", ProjectID: "p", Auth: &tokenAuth{}, HTTPClient: &http.Client{Transport: rt}})
	require.NoError(t, err)
	err = c.EachContainer(context.Background(), ListContainersRequest{}, func(Container) error { return nil })
	require.ErrorContains(t, err, "malformed response: response body larger than")
	require.Equal(t, int32(1+len(pageSteps)-1), requests.Load(), "200, 100, 50 and 10 rows, once each")
}

func TestOversizedBodyIsNotDownloadedAgain(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	big := `{"total_num": 1, "data_list": [], "pad": "` + string(make([]byte, 8192)) + `"}`
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		rawHandler(200, big)(w, r)
	}, func(cfg *Config) { cfg.MaxBodyBytes = 4096 })
	_, err := c.ListImageLocal(context.Background(), ListImagesRequest{})
	require.ErrorContains(t, err, "larger than 4096 bytes")
	require.Equal(t, int32(1), calls.Load(), "the same server sends the same oversized page again")
}
