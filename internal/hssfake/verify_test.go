package hssfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/stretchr/testify/require"
)

type vector struct {
	Name          string            `json:"name"`
	AK            string            `json:"ak"`
	SK            string            `json:"sk"`
	Method        string            `json:"method"`
	URL           string            `json:"url"`
	Query         [][2]string       `json:"query"`
	Headers       map[string]string `json:"headers"`
	Authorization string            `json:"authorization"`
	SignedHeaders []string          `json:"signed_headers"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile("testdata/signing-vectors.json")
	require.NoError(t, err)
	var vs []vector
	require.NoError(t, json.Unmarshal(b, &vs))
	require.Len(t, vs, 6)
	return vs
}

// vectorRequest rebuilds the request a vector describes, as the server
// would receive it: query encoded with %20, Host from the URL.
func vectorRequest(t *testing.T, v vector, plusForSpace bool) *http.Request {
	t.Helper()
	var pairs []string
	for _, p := range v.Query {
		pairs = append(pairs, p[0], p[1])
	}
	raw := rawQuery(pairs...)
	if plusForSpace {
		raw = strings.ReplaceAll(raw, "%20", "+")
	}
	u, err := url.Parse(v.URL)
	require.NoError(t, err)
	u.RawQuery = raw
	r, err := http.NewRequest(v.Method, u.String(), nil)
	require.NoError(t, err)
	for k, val := range v.Headers {
		if strings.EqualFold(k, "Host") {
			r.Host = val
			continue
		}
		r.Header.Set(k, val)
	}
	r.Header.Set("Authorization", v.Authorization)
	return r
}

// vectorServer knows the vector's AK/SK (as permanent or temporary
// credentials) and runs on the vector's date.
func vectorServer(v vector, clock *testclock.Clock) *Server {
	s := New(Options{ProjectID: "p", Region: "r", AccessKey: v.AK, SecretKey: v.SK, Now: clock.Now})
	if tok := v.Headers["X-Security-Token"]; tok != "" {
		s.opts.AccessKey = ""
		s.creds.temp[v.AK] = tempCred{secret: v.SK, token: tok, expires: clock.Now().Add(time.Hour)}
	}
	return s
}

func vectorClock(t *testing.T, v vector) *testclock.Clock {
	d, err := time.Parse(sdkDateLayout, v.Headers["X-Sdk-Date"])
	require.NoError(t, err)
	return testclock.New(d)
}

func TestVerifierAcceptsEveryVector(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			a, err := parseAuthorization(v.Authorization)
			require.NoError(t, err)
			require.Equal(t, v.SignedHeaders, a.signedHeaders)
			_, reason := vectorServer(v, vectorClock(t, v)).checkAuth(vectorRequest(t, v, false))
			require.Empty(t, reason)
		})
	}
}

func TestVerifierRejectsTamperedVectors(t *testing.T) {
	t.Parallel()
	tampers := []struct {
		name   string
		change func(r *http.Request, s *Server, c *testclock.Clock)
		want   AuthFailureReason
	}{
		{"changed query value", func(r *http.Request, _ *Server, _ *testclock.Clock) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "limit=", "limit=1", 1) + "&x=1"
		}, ReasonSignatureMismatch},
		{"added query pair", func(r *http.Request, _ *Server, _ *testclock.Clock) { r.URL.RawQuery += "&agent_id=a" }, ReasonSignatureMismatch},
		{"changed signed header", func(r *http.Request, _ *Server, _ *testclock.Clock) {
			d, _ := time.Parse(sdkDateLayout, r.Header.Get("X-Sdk-Date"))
			r.Header.Set("X-Sdk-Date", d.Add(time.Second).Format(sdkDateLayout))
		}, ReasonSignatureMismatch},
		{"changed path", func(r *http.Request, _ *Server, _ *testclock.Clock) { r.URL.Path += "x" }, ReasonSignatureMismatch},
		{"changed method", func(r *http.Request, _ *Server, _ *testclock.Clock) { r.Method = http.MethodDelete }, ReasonSignatureMismatch},
		{"wrong secret key", func(_ *http.Request, s *Server, _ *testclock.Clock) {
			s.opts.SecretKey += "x"
			for k, tc := range s.creds.temp {
				tc.secret += "x"
				s.creds.temp[k] = tc
			}
		}, ReasonSignatureMismatch},
		{"stale date", func(_ *http.Request, _ *Server, c *testclock.Clock) { c.Advance(16 * time.Minute) }, ReasonStaleDate},
		{"date from the future", func(_ *http.Request, _ *Server, c *testclock.Clock) { c.Advance(-16 * time.Minute) }, ReasonStaleDate},
		{"unknown access key", func(r *http.Request, _ *Server, _ *testclock.Clock) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Access=", "Access=X", 1))
		}, ReasonUnknownAccessKey},
		{"date not signed", func(r *http.Request, _ *Server, _ *testclock.Clock) {
			h := r.Header.Get("Authorization")
			h = strings.Replace(strings.Replace(h, ";x-sdk-date", "", 1), "SignedHeaders=x-sdk-date", "SignedHeaders=region", 1)
			r.Header.Set("Authorization", h)
		}, ReasonDateNotSigned},
		{"malformed header", func(r *http.Request, _ *Server, _ *testclock.Clock) {
			r.Header.Set("Authorization", "SDK-HMAC-SHA1 "+r.Header.Get("Authorization"))
		}, ReasonMalformedAuthorization},
	}
	for _, v := range loadVectors(t) {
		for _, tc := range tampers {
			t.Run(v.Name+"/"+tc.name, func(t *testing.T) {
				clock := vectorClock(t, v)
				s := vectorServer(v, clock)
				r := vectorRequest(t, v, false)
				tc.change(r, s, clock)
				_, reason := s.checkAuth(r)
				require.Equal(t, tc.want, reason)
			})
		}
	}
}

func TestVerifierHonoursSignedHeaders(t *testing.T) {
	t.Parallel()
	byName := map[string]vector{}
	for _, v := range loadVectors(t) {
		byName[v.Name] = v
	}
	// Content-Type is unsigned in the SDK vector but signed in the doc one.
	for name, want := range map[string]AuthFailureReason{"containers-basic": "", "huawei-doc-example": ReasonSignatureMismatch} {
		v := byName[name]
		r := vectorRequest(t, v, false)
		r.Header.Set("Content-Type", "text/plain")
		_, reason := vectorServer(v, vectorClock(t, v)).checkAuth(r)
		require.Equal(t, want, reason, name)
	}
	// The doc example signs host: another host must fail.
	v := byName["huawei-doc-example"]
	r := vectorRequest(t, v, false)
	r.Host = "evil.example.com"
	_, reason := vectorServer(v, vectorClock(t, v)).checkAuth(r)
	require.Equal(t, ReasonSignatureMismatch, reason)
	// A space sent as '+' was signed as %20: the gateway sees a plus.
	v = byName["containers-escaped"]
	_, reason = vectorServer(v, vectorClock(t, v)).checkAuth(vectorRequest(t, v, true))
	require.Equal(t, ReasonSignatureMismatch, reason)
}

func TestVerifierTemporaryCredentialsNeedTheirToken(t *testing.T) {
	t.Parallel()
	var v vector
	for _, x := range loadVectors(t) {
		if x.Name == "repositories-security-token" {
			v = x
		}
	}
	clock := vectorClock(t, v)
	r := vectorRequest(t, v, false)
	r.Header.Set("X-Security-Token", "other")
	_, reason := vectorServer(v, clock).checkAuth(r)
	require.Equal(t, ReasonSecurityTokenMissing, reason)

	s := vectorServer(v, clock)
	clock.Advance(time.Hour)
	_, reason = s.checkAuth(vectorRequest(t, v, false))
	require.Equal(t, ReasonCredentialsExpired, reason)
}

func TestSignedVectorRequestServedOverHTTP(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)[0] // containers-basic, project 0a1b..., cn-north-4
	clock := vectorClock(t, v)
	s := startServer(t, Options{ProjectID: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", Region: "cn-north-4",
		AccessKey: v.AK, SecretKey: v.SK, Now: clock.Now})
	r := vectorRequest(t, v, false)
	u, _ := url.Parse(s.URL)
	r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, u.Host
	resp := do(t, r)
	require.Equal(t, http.StatusOK, resp.status, string(resp.body))
	require.JSONEq(t, `{"total_num":0,"data_list":[]}`, string(resp.body))
}
