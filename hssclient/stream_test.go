package hssclient

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/stretchr/testify/require"
)

// notAPage are 200 answers that carry no page. Read as empty pages they
// would wipe the inventory; each must fail as a malformed response.
var notAPage = map[string]string{
	"empty object":                  `{}`,
	"null":                          `null`,
	"an array":                      `[]`,
	"a string":                      `"ok"`,
	"no data_list":                  `{"total_num": 3}`,
	"no total_num":                  `{"data_list": [{"container_id": "c1"}]}`,
	"null data_list":                `{"total_num": 3, "data_list": null}`,
	"null total_num":                `{"total_num": null, "data_list": []}`,
	"total_num above an empty page": `{"total_num": 500, "data_list": []}`,
	"negative total_num":            `{"total_num": -1, "data_list": []}`,
}

func TestAnswersWithoutAPageAreRetriedThenFailAsMalformed(t *testing.T) {
	t.Parallel()
	for name, body := range notAPage {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				rawHandler(200, body)(w, r)
			}, nil)
			page, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
			require.Nil(t, page)
			var decErr *transport.DecodeError
			require.ErrorAs(t, err, &decErr)
			require.ErrorContains(t, err, OpListContainers+": malformed response")
			require.Equal(t, int32(DefaultMaxRetries+1), calls.Load(), "retried like a server error")
			codes, retries := rec.snapshot()
			require.Len(t, codes, DefaultMaxRetries+1, "every attempt is counted")
			for _, code := range codes {
				require.Equal(t, 200, code)
			}
			require.Len(t, retries, DefaultMaxRetries)
			for _, reason := range retries {
				require.Equal(t, "malformed", reason)
			}
		})
	}
}

func TestAnEmptyPageIsNoMalformedAnswer(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"total_num": 0, "data_list": []}`,
		`{"total_num": "0", "data_list": [], "other": {"x": [1, 2]}}`,
		` {"data_list": [], "total_num": 0} ` + "\n",
	} {
		var calls atomic.Int32
		c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			rawHandler(200, body)(w, r)
		}, nil)
		page, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
		require.NoError(t, err, body)
		require.Zero(t, page.TotalNum)
		require.Empty(t, page.DataList)
		require.Equal(t, int32(1), calls.Load())
		_, retries := rec.snapshot()
		require.Empty(t, retries)
	}
}

// TestAMalformedAnswerPassesOnRetry: a gateway that sends {} once, then
// the page: the listing gets the page, one retry later.
func TestAMalformedAnswerPassesOnRetry(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			rawHandler(200, `{}`)(w, r)
			return
		}
		rawHandler(200, `{"total_num": 1, "data_list": [{"container_id": "c1", "entry_point": "run --password=hunter2"}]}`)(w, r)
	}, nil)
	page, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
	require.NoError(t, err)
	require.Equal(t, []Container{{ContainerID: "c1"}}, page.DataList, "entry_point is dropped as the row is read")
	_, retries := rec.snapshot()
	require.Equal(t, []string{"malformed"}, retries)
}

// TestAnEmptyLaterPageEndsTheListing: past the first page, an empty page
// with total_num above the offset is an inventory that shrank while it
// was paged, not a malformed answer.
func TestAnEmptyLaterPageEndsTheListing(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") == "0" {
			rows := make([]map[string]string, 10)
			for i := range rows {
				rows[i] = map[string]string{"container_id": "c" + strconv.Itoa(i)}
			}
			writeJSON(w, 200, map[string]any{"total_num": 25, "data_list": rows})
			return
		}
		rawHandler(200, `{"total_num": 25, "data_list": []}`)(w, r)
	}, func(cfg *Config) { cfg.PageSize = 10 })
	n := 0
	require.NoError(t, c.EachContainer(context.Background(), ListContainersRequest{}, func(Container) error { n++; return nil }))
	require.Equal(t, 10, n)
}

// TestDiscoveryFailsOnAMalformedFirstPage: the image listing is held to
// the same rule, so discovery fails instead of finding no image.
func TestDiscoveryFailsOnAMalformedFirstPage(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, rawHandler(200, `{"total_num": 40, "data_list": []}`), nil)
	err := c.EachImage(context.Background(), ListImagesRequest{}, func(LocalImage) error {
		t.Fatal("no image from a malformed page")
		return nil
	})
	require.ErrorContains(t, err, OpListImages+": malformed response: total_num is 40 but the first page holds no row")
}

func TestMalformedAndOversizedBodies(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"invalid json":        `{"total_num": 1, "data_list": [`,
		"total_num as a word": `{"total_num": "twelve", "data_list": []}`,
		"count beyond int64":  `{"total_num": 99999999999999999999, "data_list": []}`,
		"oversized":           `{"total_num": 1, "data_list": [{"container_id": "` + string(make([]byte, 2048)) + `"}]}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				_, _ = fmt.Fprint(w, body)
			}, func(cfg *Config) { cfg.MaxBodyBytes = 1024; cfg.MaxRetries = -1 })
			_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
			require.Error(t, err)
		})
	}
}

// maxErrorText bounds how long any error of a hostile answer may be, so one
// response cannot flood a log line.
const maxErrorText = 600

func TestHostileSuccessBodiesFailClearly(t *testing.T) {
	t.Parallel()
	hugeNumber := strings.Repeat("9", 200000)
	cases := []struct {
		name, body string
		want       string // in the error; "" means the page decodes
	}{
		{"invalid json", `{"total_num": 1, "data_list": [{"container_id": }]}LEAKME`, "not valid JSON"},
		{"total_num as a word", `{"total_num": "LEAKME", "data_list": []}`, `"total_num"`},
		{"count beyond int64", `{"total_num": ` + hugeNumber + `, "data_list": []}`, `"total_num"`},
		{"negative count beyond int64", `{"total_num": -` + hugeNumber + `}`, `"total_num"`},
		{"float count", `{"total_num": 1.5}`, `"total_num"`},
		{"data_list as a string", `{"total_num": 1, "data_list": "LEAKME"}`, `"data_list"`},
		{"row field of the wrong type", `{"total_num": 1, "data_list": [{"container_name": 5}]}`, "container_name"},
		{"html from a proxy", `<html><body>LEAKME</body></html>`, "not valid JSON"},
		{"empty body", ``, "not valid JSON"},
		{"over the size cap", `{"total_num": 1, "data_list": [{"container_id": "` + strings.Repeat("x", 5000) + `"}]}`, "larger than 4096 bytes"},
		{"null data_list", `{"total_num": 0, "data_list": null}`, "data_list is missing or null"},
		{"empty page", `{"total_num": 0, "data_list": []}`, ""},
		{"null rows", `{"total_num": 1, "data_list": [null]}`, ""},
		{"non-UTF-8 bytes", "{\"total_num\": 1, \"data_list\": [{\"container_name\": \"a\xffb\xc3\"}]}", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, rawHandler(200, tc.body), func(cfg *Config) {
				cfg.MaxBodyBytes = 4096
				if tc.name == "count beyond int64" || tc.name == "negative count beyond int64" {
					cfg.MaxBodyBytes = 1 << 20
				}
			})
			page, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
			if tc.want == "" {
				require.NoError(t, err)
				for _, row := range page.DataList {
					require.True(t, utf8.ValidString(row.ContainerName), "decoded strings are valid UTF-8")
				}
				return
			}
			require.Error(t, err)
			require.Nil(t, page)
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, OpListContainers, "the error names the operation")
			require.NotContains(t, err.Error(), "LEAKME", "the body is not quoted")
			require.LessOrEqual(t, len(err.Error()), maxErrorText, "a hostile body cannot make a long error")
		})
	}
}

func TestErrorBodyWithStatus200IsAnError(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, rawHandler(200, `{"error_code": "HSS.1001", "error_msg": "system busy", "request_id": "r-1"}`), nil)
	_, err := c.ListImageLocal(context.Background(), ListImagesRequest{})
	var apiErr *transport.APIError
	require.ErrorAs(t, err, &apiErr, "an empty inventory would otherwise be reported as a good refresh")
	require.Equal(t, "HSS.1001", apiErr.Code)
	require.Equal(t, "system busy", apiErr.Message)
}
