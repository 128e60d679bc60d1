package hssclient

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

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
	for name, body := range notAPage {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				rawHandler(200, body)(w, r)
			}, nil)
			page, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
			require.Nil(t, page)
			var decErr *DecodeError
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
	c, _ := newTestClient(t, rawHandler(200, `{"total_num": 40, "data_list": []}`), nil)
	err := c.EachImage(context.Background(), ListImagesRequest{}, func(LocalImage) error {
		t.Fatal("no image from a malformed page")
		return nil
	})
	require.ErrorContains(t, err, OpListImages+": malformed response: total_num is 40 but the first page holds no row")
}
