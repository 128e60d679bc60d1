package hssclient

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// These cases come from running the built exporter against an independent
// stand-in HSS server: each lost data or misreported a refresh before.

func TestCountsInOtherJSONShapesAreRead(t *testing.T) {
	cases := []struct {
		name, row string
		want      LocalImage
		err       string // "" means it decodes
	}{
		{"float with zero fraction", `{"image_name":"a","vul_num":3.0,"container_num":2.0}`, LocalImage{ImageName: "a", VulNum: 3, ContainerNum: 2}, ""},
		{"exponent", `{"image_name":"a","image_size":1.5e3}`, LocalImage{ImageName: "a", ImageSize: 1500, ContainerNumUnknown: true}, ""},
		{"numeric string", `{"image_name":"a","vul_num":"7","host_num":" 4 "}`, LocalImage{ImageName: "a", VulNum: 7, HostNum: 4, ContainerNumUnknown: true}, ""},
		{"empty string and null", `{"image_name":"a","vul_num":"","host_num":null}`, LocalImage{ImageName: "a", ContainerNumUnknown: true}, ""},
		{"negative stays as sent", `{"image_name":"a","vul_num":-1}`, LocalImage{ImageName: "a", VulNum: -1, ContainerNumUnknown: true}, ""},
		{"fraction is refused", `{"image_name":"a","vul_num":3.5}`, LocalImage{}, `"data_list.vul_num"`},
		{"beyond int64 is refused", `{"image_name":"a","image_size":99999999999999999999}`, LocalImage{}, `"data_list.image_size"`},
		{"word is refused", `{"image_name":"a","container_num":"LEAKME"}`, LocalImage{}, `"data_list.container_num"`},
		{"2^63 as a float is refused", `{"image_name":"a","image_size":9.223372036854775808e18}`, LocalImage{}, `"data_list.image_size"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"total_num": 1.0, "data_list": [` + tc.row + `]}`
			c, _ := newTestClient(t, rawHandler(200, body), func(cfg *Config) { cfg.MaxRetries = -1 })
			page, err := c.ListImageLocal(context.Background(), ListImagesRequest{})
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.NotContains(t, err.Error(), "LEAKME")
				return
			}
			require.NoError(t, err)
			require.Equal(t, int64(1), page.TotalNum)
			require.Equal(t, []LocalImage{tc.want}, page.DataList)
		})
	}
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
	const n = 35
	num := func(v int) *int { return &v }
	cases := []struct {
		name      string
		total     func(offset int) *int
		wantCalls int32
	}{
		{"honest", func(int) *int { return num(n) }, 4},
		{"zero with rows", func(int) *int { return num(0) }, 4},
		{"shrinking by the offset", func(o int) *int { return num(max(n-o, 0)) }, 4},
		{"growing", func(o int) *int { return num(n + o) }, 4},
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
			require.NoError(t, err)
			require.Len(t, got, n, "every container is listed")
			require.Equal(t, tc.wantCalls, calls.Load())
		})
	}
}

func TestPagingExactTotalCostsNoExtraCall(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, offsetServer(t, 20, func(int) *int { v := 20; return &v }, &calls), func(cfg *Config) { cfg.PageSize = 10 })
	n := 0
	require.NoError(t, c.EachContainer(context.Background(), ListContainersRequest{}, func(Container) error { n++; return nil }))
	require.Equal(t, 20, n)
	require.Equal(t, int32(2), calls.Load(), "a full last page that reaches total_num ends the listing")
}

func TestPagingStopsWhenAServerIgnoresOffset(t *testing.T) {
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

func TestNullRowsAreNoContainersOrImages(t *testing.T) {
	c, _ := newTestClient(t, rawHandler(200, `{"total_num": 3, "data_list": [null, {}, {"container_id": "c1"}]}`), nil)
	var got []Container
	require.NoError(t, c.EachContainer(context.Background(), ListContainersRequest{}, func(row Container) error {
		got = append(got, row)
		return nil
	}))
	require.Equal(t, []Container{{ContainerID: "c1"}}, got)

	c, _ = newTestClient(t, rawHandler(200, `{"total_num": 2, "data_list": [null, {"image_name": "a"}]}`), nil)
	var images []LocalImage
	require.NoError(t, c.EachImage(context.Background(), ListImagesRequest{}, func(img LocalImage) error {
		images = append(images, img)
		return nil
	}))
	require.Equal(t, []LocalImage{{ImageName: "a", ContainerNumUnknown: true}}, images)
}

// TestContainerNumNullOrAbsentIsUnknown: the collector skips images HSS
// reports with container_num 0, so null or absent must not read as 0.
func TestContainerNumNullOrAbsentIsUnknown(t *testing.T) {
	for body, want := range map[string]LocalImage{
		`{"container_num": 0}`:    {},
		`{"container_num": 3}`:    {ContainerNum: 3},
		`{"container_num": "3"}`:  {ContainerNum: 3},
		`{"container_num": null}`: {ContainerNumUnknown: true},
		`{}`:                      {ContainerNumUnknown: true},
	} {
		var got LocalImage
		require.NoError(t, json.Unmarshal([]byte(body), &got), body)
		require.Equal(t, want, got, body)
	}
}

func TestErrorBodyWithStatus200IsAnError(t *testing.T) {
	c, _ := newTestClient(t, rawHandler(200, `{"error_code": "HSS.1001", "error_msg": "system busy", "request_id": "r-1"}`), nil)
	_, err := c.ListImageLocal(context.Background(), ListImagesRequest{})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr, "an empty inventory would otherwise be reported as a good refresh")
	require.Equal(t, "HSS.1001", apiErr.Code)
	require.Equal(t, "system busy", apiErr.Message)
}

func TestPermissionRefusalDoesNotStepPageSizeDown(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 400, map[string]string{"error_code": "HSS.0013", "error_msg": "insufficient permissions"})
	}, nil)
	err := c.EachImage(context.Background(), ListImagesRequest{}, func(LocalImage) error { return nil })
	require.ErrorContains(t, err, "HSS.0013")
	require.ErrorContains(t, err, "enterprise_project_id", "the error says what to check")
	require.Equal(t, int32(1), calls.Load(), "no page size makes a permission error go away")
	require.Equal(t, DefaultPageSize, c.PageSize())
}

func TestPageSizeStepsDownToTheLargestAccepted(t *testing.T) {
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
	require.Equal(t, 50, c.PageSize(), "an API capped at 50 is not paged 10 at a time, five times the calls")
	require.Equal(t, int32(3), calls.Load())
}

func TestOversizedBodyIsNotDownloadedAgain(t *testing.T) {
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
