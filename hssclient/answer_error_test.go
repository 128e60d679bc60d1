package hssclient

import (
	"context"
	"net/http"
	"testing"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/stretchr/testify/require"
)

func TestAPIErrorCarriesCodeAndRequestID(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-123")
		writeJSON(w, 400, map[string]string{"error_code": "HSS.0001", "error_msg": "invalid\nparameter"})
	}, nil)
	_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
	var apiErr *transport.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 400, apiErr.StatusCode)
	require.Equal(t, "HSS.0001", apiErr.Code)
	require.Equal(t, "req-123", apiErr.RequestID)
	require.Equal(t, "ListLocalImageContainers: HTTP 400 HSS.0001: invalid parameter (request_id req-123)", err.Error())
	require.True(t, transport.Classify(err) == transport.ClassBadRequest)
}
