package metricshandler

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"", false}, {"gzip", true}, {"deflate, GZIP;q=0.5", true}, {"gzip;q=0", false},
		{"br, zstd", false}, {"*", true}, {"identity", false}, {"x-gzip", true},
	} {
		h := http.Header{}
		if tc.header != "" {
			h.Set("Accept-Encoding", tc.header)
		}
		require.Equal(t, tc.want, acceptsGzip(h), tc.header)
	}
}
