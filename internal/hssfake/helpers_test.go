package hssfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/stretchr/testify/require"
)

func newClock() *testclock.Clock {
	return testclock.New(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
}

// testEscape is a second, independent implementation of the SDK escaping
// (QueryEscape keeps exactly A-Za-z0-9-_.~ and writes a space as '+').
func testEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// rawQuery encodes pairs the way a correct client sends them.
func rawQuery(pairs ...string) string {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		parts = append(parts, testEscape(pairs[i])+"="+testEscape(pairs[i+1]))
	}
	return strings.Join(parts, "&")
}

// testSigner signs requests like the official SDK: every header but
// Content-Type and names with '_', lower-cased and sorted.
type testSigner struct{ ak, sk, token string }

func (sg testSigner) sign(r *http.Request, date time.Time) {
	r.Header.Set("X-Sdk-Date", date.UTC().Format("20060102T150405Z"))
	if sg.token != "" {
		r.Header.Set("X-Security-Token", sg.token)
	}
	var names []string
	for k := range r.Header {
		if !strings.EqualFold(k, "Content-Type") && !strings.Contains(k, "_") && k != "Authorization" {
			names = append(names, strings.ToLower(k))
		}
	}
	sort.Strings(names)
	var hdrs strings.Builder
	for _, n := range names {
		hdrs.WriteString(n + ":" + strings.TrimSpace(r.Header.Get(n)) + "\n")
	}
	q := r.URL.Query()
	var qs []string
	for k, vs := range q {
		for _, v := range vs {
			qs = append(qs, testEscape(k)+"="+testEscape(v))
		}
	}
	sort.Strings(qs)
	segs := strings.Split(r.URL.Path, "/")
	for i := range segs {
		segs[i] = testEscape(segs[i])
	}
	empty := sha256.Sum256(nil)
	creq := strings.Join([]string{r.Method, strings.Join(segs, "/") + "/", strings.Join(qs, "&"),
		hdrs.String(), strings.Join(names, ";"), hex.EncodeToString(empty[:])}, "\n")
	h := sha256.Sum256([]byte(creq))
	mac := hmac.New(sha256.New, []byte(sg.sk))
	mac.Write([]byte("SDK-HMAC-SHA256\n" + r.Header.Get("X-Sdk-Date") + "\n" + hex.EncodeToString(h[:])))
	r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+sg.ak+", SignedHeaders="+
		strings.Join(names, ";")+", Signature="+hex.EncodeToString(mac.Sum(nil)))
}

// testOptions are the demo credentials on a fixed clock.
func testOptions(clock *testclock.Clock, fleet *Fleet) Options {
	o := DemoOptions(fleet)
	o.Now = clock.Now
	return o
}

func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), string(r.body))
}

// get sends a signed GET for path?query to s with the demo region header.
func get(t *testing.T, s *Server, clock *testclock.Clock, path, query string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path+"?"+query, nil)
	require.NoError(t, err)
	req.Header.Set("region", DemoRegion)
	req.Header.Set("X-Project-Id", DemoProjectID)
	testSigner{ak: DemoAccessKey, sk: DemoSecretKey}.sign(req, clock.Now())
	return do(t, req)
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{resp.StatusCode, resp.Header, body}
}

const (
	containersPath = "/v5/" + DemoProjectID + "/image/local/containers"
	imagesPath     = "/v5/" + DemoProjectID + "/image/local-repositories"
)

func itoa(i int) string { return strconv.Itoa(i) }
