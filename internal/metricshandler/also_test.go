package metricshandler

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFurtherCachedPartsAreServedAfterTheFirstAndBeforeTheLiveOnes(t *testing.T) {
	t.Parallel()
	first := pageOf(t, "# HELP hss_a A.\n# TYPE hss_a gauge\n", "hss_a 1\n")
	second := pageOf(t, "# HELP hss_b B.\n# TYPE hss_b gauge\n", "hss_b 2\n")
	h := New(first, liveGauge(), Opts{Also: []Cached{second}})
	want := "# HELP hss_a A.\n# TYPE hss_a gauge\nhss_a 1\n# HELP hss_b B.\n# TYPE hss_b gauge\nhss_b 2\n" +
		"# HELP hss_live A live gauge.\n# TYPE hss_live gauge\nhss_live 1\n"
	for _, encoding := range []string{"identity", "gzip"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept-Encoding", encoding)
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, strconv.Itoa(rec.Body.Len()), rec.Header().Get("Content-Length"), encoding)
		body := io.Reader(rec.Body)
		if encoding == "gzip" {
			zr, err := gzip.NewReader(body)
			require.NoError(t, err)
			body = zr
		}
		got, err := io.ReadAll(body)
		require.NoError(t, err)
		require.Equal(t, want, string(got), encoding)
	}
}
