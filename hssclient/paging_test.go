package hssclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/stretchr/testify/require"
)

// pagedServer answers ListLocalImageContainers from pageFn and records the
// (offset, limit) of each call.
type pagedServer struct {
	mu     sync.Mutex
	calls  [][2]int
	pageFn func(call, offset, limit int) (total int, ids []string, status int)
}

func (p *pagedServer) handle(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	p.mu.Lock()
	call := len(p.calls)
	p.calls = append(p.calls, [2]int{offset, limit})
	p.mu.Unlock()
	total, ids, status := p.pageFn(call, offset, limit)
	if status != 0 && status != 200 {
		writeJSON(w, status, map[string]string{"error_code": "HSS.0001", "error_msg": "invalid limit"})
		return
	}
	rows := make([]map[string]string, len(ids))
	for i, id := range ids {
		rows[i] = map[string]string{"container_id": id}
	}
	writeJSON(w, 200, map[string]any{"total_num": total, "data_list": rows})
}

// window returns the ids of a fleet of n containers at offset..offset+limit.
func window(n, offset, limit int) []string {
	var ids []string
	for i := offset; i < n && i < offset+limit; i++ {
		ids = append(ids, fmt.Sprintf("c%05d", i))
	}
	return ids
}

func collect(t *testing.T, c *Client) ([]string, error) {
	t.Helper()
	var ids []string
	err := c.EachContainer(context.Background(), ListContainersRequest{ImageName: "nginx"}, func(row Container) error {
		ids = append(ids, row.ContainerID)
		return nil
	})
	return ids, err
}

func TestPagingEdgeCases(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		pageSize  int
		pageFn    func(call, offset, limit int) (int, []string, int)
		wantRows  int
		wantCalls int
		wantMoved string // the MovedError's reason; "" for none
	}{
		{"empty", 10, func(_, o, l int) (int, []string, int) { return 0, nil, 0 }, 0, 1, ""},
		{"short last page", 10, func(_, o, l int) (int, []string, int) { return 25, window(25, o, l), 0 }, 25, 3, ""},
		{"exact multiple stops on total", 10, func(_, o, l int) (int, []string, int) { return 30, window(30, o, l), 0 }, 30, 3, ""},
		{"exact multiple with total lagging costs one empty page", 10, func(_, o, l int) (int, []string, int) { return 1000, window(30, o, l), 0 }, 30, 4, ""},
		{"total grows between pages", 10, func(call, o, l int) (int, []string, int) { return 20 + 10*call, window(35, o, l), 0 }, 35, 4, MovedTotalChanged},
		{"total shrinks between pages is no quiet short count", 10, func(call, o, l int) (int, []string, int) { return 30 - 10*call, window(30, o, l), 0 }, 20, 2, MovedTotalChanged},
		{"duplicates across pages", 10, func(_, o, l int) (int, []string, int) {
			return 30, window(30, max(o-3, 0), l), 0 // each page repeats 3 rows of the one before
		}, 27, 3, MovedDuplicateRow},
		{"empty page in the middle stops", 10, func(call, o, l int) (int, []string, int) {
			if call == 1 {
				return 30, nil, 0
			}
			return 30, window(30, o, l), 0
		}, 10, 2, ""},
		{"page larger than asked skips nothing", 10, func(_, o, l int) (int, []string, int) { return 45, window(45, o, l+5), 0 }, 45, 3, ""},
		{"offset beyond the end", 10, func(_, o, l int) (int, []string, int) { return 10, window(10, o, l), 0 }, 10, 1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := &pagedServer{pageFn: tc.pageFn}
			c, _ := newTestClient(t, ps.handle, func(cfg *Config) { cfg.PageSize = tc.pageSize })
			ids, err := collect(t, c)
			if tc.wantMoved == "" {
				require.NoError(t, err)
			} else {
				var moved *MovedError
				require.ErrorAs(t, err, &moved, "a listing of a list that moved says so")
				require.Equal(t, tc.wantMoved, moved.Reason)
			}
			require.Len(t, ids, tc.wantRows)
			require.Len(t, ps.calls, tc.wantCalls)
			seen := map[string]bool{}
			for _, id := range ids {
				require.False(t, seen[id], "duplicate %s", id)
				seen[id] = true
			}
		})
	}
}

func TestPagingCapStopsADriftingTotal(t *testing.T) {
	t.Parallel()
	ps := &pagedServer{pageFn: func(call, o, l int) (int, []string, int) {
		return o + 2*l, window(1<<30, o, l), 0 // always one more page
	}}
	c, _ := newTestClient(t, ps.handle, func(cfg *Config) { cfg.PageSize = 10 })
	c.maxPages = 7
	ids, err := collect(t, c)
	require.ErrorIs(t, err, ErrTooManyPages)
	require.Len(t, ids, 70)
	require.Len(t, ps.calls, 7)
}

func TestPageSizeStepsDownAndIsRemembered(t *testing.T) {
	t.Parallel()
	ps := &pagedServer{pageFn: func(_, o, l int) (int, []string, int) {
		if l > 100 {
			return 0, nil, 400
		}
		return 250, window(250, o, l), 0
	}}
	c, rec := newTestClient(t, ps.handle, nil)
	ids, err := collect(t, c)
	require.NoError(t, err)
	require.Len(t, ids, 250)
	require.Equal(t, 100, c.PageSize(OpListContainers))
	require.Equal(t, [][2]int{{0, 200}, {0, 100}, {100, 100}, {200, 100}}, ps.calls)
	_, retries := rec.snapshot()
	require.Equal(t, []string{"page_size"}, retries)

	ps.calls = nil
	_, err = collect(t, c)
	require.NoError(t, err)
	require.Equal(t, [2]int{0, 100}, ps.calls[0], "the next listing starts at the size the API accepted")
}

func TestUnrelatedBadRequestDoesNotShrinkThePageSize(t *testing.T) {
	t.Parallel()
	ps := &pagedServer{pageFn: func(_, o, l int) (int, []string, int) { return 0, nil, 400 }}
	c, _ := newTestClient(t, ps.handle, nil)
	_, err := collect(t, c)
	require.True(t, transport.Classify(err) == transport.ClassBadRequest)
	require.Equal(t, 200, c.PageSize(OpListContainers))
	require.Len(t, ps.calls, len(pageSteps), "200, 100, 50 and 10 were tried once each")
}

func TestCallbackErrorStopsPaging(t *testing.T) {
	t.Parallel()
	ps := &pagedServer{pageFn: func(_, o, l int) (int, []string, int) { return 100, window(100, o, l), 0 }}
	c, _ := newTestClient(t, ps.handle, func(cfg *Config) { cfg.PageSize = 10 })
	stop := errors.New("stop")
	n := 0
	err := c.EachContainer(context.Background(), ListContainersRequest{}, func(Container) error {
		n++
		if n == 15 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	require.Len(t, ps.calls, 2)
}

// offsetServer serves rows of n containers by offset and limit, reporting
// total(offset) as total_num (nil: leaves it out).
func offsetServer(t *testing.T, n int, total func(offset int) *int, calls *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		rows := []map[string]string{}
		for i := offset; i < min(offset+limit, n); i++ {
			rows = append(rows, map[string]string{"container_id": "c" + strconv.Itoa(i)})
		}
		page := map[string]any{"data_list": rows}
		if tn := total(offset); tn != nil {
			page["total_num"] = *tn
		}
		writeJSON(w, 200, page)
	}
}

func TestPagingTrustsRowsOverAContradictoryTotal(t *testing.T) {
	t.Parallel()
	const n = 35
	num := func(v int) *int { return &v }
	cases := []struct {
		name      string
		total     func(offset int) *int
		wantCalls int32
		moved     bool // total_num changes between pages
	}{
		{"honest", func(int) *int { return num(n) }, 4, false},
		{"zero with rows", func(int) *int { return num(0) }, 4, false},
		{"shrinking by the offset", func(o int) *int { return num(max(n-o, 0)) }, 4, true},
		{"growing", func(o int) *int { return num(n + o) }, 4, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			c, _ := newTestClient(t, offsetServer(t, n, tc.total, &calls), func(cfg *Config) { cfg.PageSize = 10 })
			var got []string
			err := c.EachContainer(context.Background(), ListContainersRequest{}, func(row Container) error {
				got = append(got, row.ContainerID)
				return nil
			})
			var moved *MovedError
			require.Equal(t, tc.moved, errors.As(err, &moved), "err: %v", err)
			if !tc.moved {
				require.NoError(t, err)
			}
			require.Len(t, got, n, "every container is listed")
			require.Equal(t, tc.wantCalls, calls.Load())
		})
	}
}

func TestPagingExactTotalCostsNoExtraCall(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c, _ := newTestClient(t, offsetServer(t, 20, func(int) *int { v := 20; return &v }, &calls), func(cfg *Config) { cfg.PageSize = 10 })
	n := 0
	require.NoError(t, c.EachContainer(context.Background(), ListContainersRequest{}, func(Container) error { n++; return nil }))
	require.Equal(t, 20, n)
	require.Equal(t, int32(2), calls.Load(), "a full last page that reaches total_num ends the listing")
}

func TestPagingStopsWhenAServerIgnoresOffset(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		rows := []map[string]string{}
		for i := range 10 {
			rows = append(rows, map[string]string{"container_id": "c" + strconv.Itoa(i)})
		}
		writeJSON(w, 200, map[string]any{"total_num": 0, "data_list": rows})
	}, func(cfg *Config) { cfg.PageSize = 10 })
	n := 0
	require.NoError(t, c.EachContainer(context.Background(), ListContainersRequest{}, func(Container) error { n++; return nil }))
	require.Equal(t, 10, n)
	require.Equal(t, int32(2), calls.Load(), "a page with nothing new ends a listing whose total is not credible")
}

func TestPermissionRefusalDoesNotStepPageSizeDown(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 400, map[string]string{"error_code": "HSS.0013", "error_msg": "insufficient permissions"})
	}, nil)
	err := c.EachImage(context.Background(), ListImagesRequest{}, func(LocalImage) error { return nil })
	require.ErrorContains(t, err, "HSS.0013")
	require.ErrorContains(t, err, "enterprise_project_id", "the error says what to check")
	require.Equal(t, int32(1), calls.Load(), "no page size makes a permission error go away")
	require.Equal(t, MaxPageSize, c.PageSize(OpListImages))
}

func TestPageSizeStepsDownToTheLargestAccepted(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if limit, _ := strconv.Atoi(r.URL.Query().Get("limit")); limit > 50 {
			writeJSON(w, 400, map[string]string{"error_code": "HSS.0001", "error_msg": "invalid limit"})
			return
		}
		writeJSON(w, 200, map[string]any{"total_num": 0, "data_list": []any{}})
	}, nil)
	require.NoError(t, c.EachContainer(context.Background(), ListContainersRequest{}, func(Container) error { return nil }))
	require.Equal(t, 50, c.PageSize(OpListContainers), "an API capped at 50 is not paged 10 at a time, five times the calls")
	require.Equal(t, int32(3), calls.Load())
}
