package hssclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tokenAuth is a test auth.Authenticator holding a token that can be refreshed.
type tokenAuth struct {
	mu          sync.Mutex
	token       string
	refreshable bool
	invalidated int
}

func (a *tokenAuth) Authorize(_ context.Context, req *http.Request, _ []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	req.Header.Set("X-Auth-Token", a.token)
	return nil
}

func (a *tokenAuth) Invalidate() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.invalidated++
	a.token = "fresh-token"
	return a.refreshable
}

// recorder is a test Observer.
type recorder struct {
	mu      sync.Mutex
	codes   []int
	retries []string
}

func (r *recorder) RequestDone(_ string, code int, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.codes = append(r.codes, code)
}

func (r *recorder) Retry(_, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries = append(r.retries, reason)
}

func (r *recorder) snapshot() ([]int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.codes...), append([]string(nil), r.retries...)
}

// newTestClient serves handler on loopback and returns a client for it with
// instant backoff, so retry tests run in milliseconds.
func newTestClient(t *testing.T, handler http.HandlerFunc, tweak func(*Config)) (*Client, *recorder) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	rec := &recorder{}
	cfg := Config{
		Region: "cn-north-4", ProjectID: "p1", Endpoint: srv.URL,
		Auth: &tokenAuth{token: "tok"}, Observer: rec,
		RetryBaseDelay: time.Millisecond, ThrottleBaseDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	return c, rec
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// rawHandler answers every request with status and body as given.
func rawHandler(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func TestRequestCarriesQueryHeadersAndUserAgent(t *testing.T) {
	t.Parallel()
	var got *http.Request
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		writeJSON(w, 200, map[string]any{"total_num": 1, "data_list": []map[string]string{{"container_id": "c1"}}})
	}, func(cfg *Config) { cfg.UserAgent = "hss_exporter/1.2.3" })
	page, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{
		ImageName: "team a/app", ImageVersion: "1.0", EnterpriseProjectID: "all_granted_eps", Limit: 200,
	})
	require.NoError(t, err)
	require.Equal(t, int64(1), page.TotalNum)
	require.Equal(t, "/v5/p1/image/local/containers", got.URL.Path)
	require.Equal(t, "enterprise_project_id=all_granted_eps&image_name=team%20a%2Fapp&image_version=1.0&limit=200&offset=0", got.URL.RawQuery)
	require.Equal(t, "cn-north-4", got.Header.Get("region"))
	require.Equal(t, "p1", got.Header.Get("X-Project-Id"))
	require.Equal(t, "hss_exporter/1.2.3", got.Header.Get("User-Agent"))
	require.Equal(t, "tok", got.Header.Get("X-Auth-Token"))
}

func TestImageQueryLeavesUnsetFiltersOut(t *testing.T) {
	t.Parallel()
	var query string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
		writeJSON(w, 200, map[string]any{"total_num": 0, "data_list": []any{}})
	}, nil)
	yes := true
	_, err := c.ListImageLocal(context.Background(), ListImagesRequest{HasContainer: &yes, Limit: 50})
	require.NoError(t, err)
	require.Equal(t, "has_container=true&limit=50&offset=0", query)
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"no region":    {ProjectID: "p", Auth: &tokenAuth{}},
		"no project":   {Region: "r", Auth: &tokenAuth{}},
		"no auth":      {Region: "r", ProjectID: "p"},
		"bad endpoint": {Region: "r", ProjectID: "p", Auth: &tokenAuth{}, Endpoint: "hss.example.com"},
	} {
		_, err := New(cfg)
		require.Error(t, err, name)
	}
}
