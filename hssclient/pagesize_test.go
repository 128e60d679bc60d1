package hssclient

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

// limitIgnorer serves n containers in pages of factor times the limit
// asked for, like an endpoint that ignores limit, while honours is false;
// it counts the calls.
type limitIgnorer struct {
	n, factor int
	honours   atomic.Bool
	calls     atomic.Int32
}

func (s *limitIgnorer) handle(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if !s.honours.Load() {
		limit *= s.factor
	}
	writeJSON(w, 200, map[string]any{"total_num": s.n, "data_list": rowsOf(window(s.n, offset, limit))})
}

func rowsOf(ids []string) []map[string]string {
	rows := make([]map[string]string, len(ids))
	for i, id := range ids {
		rows[i] = map[string]string{"container_id": id}
	}
	return rows
}

// listingCost lists every container once and returns the calls it took.
func listingCost(t *testing.T, c *Client, s *limitIgnorer) int32 {
	t.Helper()
	before := s.calls.Load()
	ids, err := collect(t, c)
	require.NoError(t, err)
	require.Len(t, ids, s.n, "every container is listed")
	return s.calls.Load() - before
}

// TestAStepDownForAnEndpointIgnoringLimitIsRemembered: an endpoint that
// answers 50 times the rows asked for is over the body cap at 200 and
// 100 rows; 50 fits. Later listings start at 50 instead of stepping down
// again, and one listing an hour probes 200 with one call.
func TestAStepDownForAnEndpointIgnoringLimitIsRemembered(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := &limitIgnorer{n: 5000, factor: 50}
	// A row is about 26 bytes: 2,500 rows fit in 100 KiB, 5,000 do not.
	c, _ := newTestClient(t, s.handle, func(cfg *Config) { cfg.MaxBodyBytes = 100 << 10; cfg.Now = clock.Now })

	require.Equal(t, int32(2+2), listingCost(t, c, s), "200 and 100 too large, then two pages of 2,500")
	require.Equal(t, 50, c.PageSize(OpListContainers))
	for range 3 {
		clock.Advance(10 * time.Minute)
		require.Equal(t, int32(2), listingCost(t, c, s), "the pages alone, as an endpoint that pages properly")
	}

	clock.Advance(PageSizeProbeInterval)
	require.Equal(t, int32(1+2), listingCost(t, c, s), "one probe at 200, then straight back to 50")
	require.Equal(t, int32(2), listingCost(t, c, s), "the next probe is an hour away")
	require.Equal(t, MaxPageSize, c.PageSize(OpListImages), "per operation: image listings never stepped down")

	s.honours.Store(true)
	clock.Advance(PageSizeProbeInterval)
	require.Equal(t, int32(5000/200), listingCost(t, c, s), "the probe finds 200 accepted")
	require.Equal(t, MaxPageSize, c.PageSize(OpListContainers))
}

// TestARefusedPageSizeIsProbedOnceAnHour: an endpoint refusing limit=200
// with a 400 costs one more call an hour, not one a listing.
func TestARefusedPageSizeIsProbedOnceAnHour(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	ps := &pagedServer{pageFn: func(_, o, l int) (int, []string, int) {
		if l > 100 {
			return 0, nil, 400
		}
		return 250, window(250, o, l), 0
	}}
	c, _ := newTestClient(t, ps.handle, func(cfg *Config) { cfg.Now = clock.Now })
	calls := func() int {
		ps.mu.Lock()
		defer ps.mu.Unlock()
		n := len(ps.calls)
		ps.calls = nil
		return n
	}
	_, err := collect(t, c)
	require.NoError(t, err)
	require.Equal(t, 1+3, calls())
	clock.Advance(PageSizeProbeInterval - time.Second)
	_, err = collect(t, c)
	require.NoError(t, err)
	require.Equal(t, 3, calls())
	clock.Advance(time.Second)
	_, err = collect(t, c)
	require.NoError(t, err)
	require.Equal(t, 1+3, calls(), "one probe")
	require.Equal(t, 100, c.PageSize(OpListContainers))
	_, _ = collect(t, c)
	require.Equal(t, 3, calls())
}

// TestConcurrentListingsProbeOnce: of the listings that start once the
// probe is due, one tries the larger size.
func TestConcurrentListingsProbeOnce(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sizes := newPageSizes(200, clock.Now)
	sizes.learn(OpListContainers, 50, true)
	clock.Advance(PageSizeProbeInterval)
	probes := 0
	for range 5 {
		if limit, fallback := sizes.start(OpListContainers); limit == 200 {
			require.Equal(t, 50, fallback)
			probes++
		}
	}
	require.Equal(t, 1, probes)
}

// TestAShortPageProvesNothingAboutAnEndpointIgnoringLimit: a probe that
// lands on a small image (a short page at 200) keeps the remembered size,
// or the next large image would step down afresh; a full page of exactly
// 200 rows, or an accepted page after a refusal, ends it.
func TestAShortPageProvesNothingAboutAnEndpointIgnoringLimit(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sizes := newPageSizes(200, clock.Now)
	sizes.learn(OpListContainers, 10, true)
	sizes.probed(OpListContainers, 200, 37)
	require.Equal(t, 10, sizes.size(OpListContainers), "a short page")
	sizes.probed(OpListContainers, 200, 450)
	require.Equal(t, 10, sizes.size(OpListContainers), "more rows than asked: still ignoring limit")
	sizes.probed(OpListContainers, 200, 200)
	require.Equal(t, 200, sizes.size(OpListContainers))

	sizes.learn(OpListImages, 100, false)
	sizes.probed(OpListImages, 200, 3)
	require.Equal(t, 200, sizes.size(OpListImages), "a refused size accepted now")
}
