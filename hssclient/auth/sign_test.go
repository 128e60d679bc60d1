package auth

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// signingVector is one entry of testdata/signing-vectors.json.
type signingVector struct {
	Name          string            `json:"name"`
	AK            string            `json:"ak"`
	SK            string            `json:"sk"`
	Method        string            `json:"method"`
	URL           string            `json:"url"`
	Query         [][2]string       `json:"query"`
	Headers       map[string]string `json:"headers"`
	Authorization string            `json:"authorization"`
	SignedHeaders []string          `json:"signed_headers"`
	Source        string            `json:"source"`
}

func (v signingVector) fromSDK() bool { return strings.Contains(v.Source, "official Go SDK signer") }

func (v signingVector) values() url.Values {
	q := url.Values{}
	for _, kv := range v.Query {
		q.Add(kv[0], kv[1])
	}
	return q
}

func (v signingVector) header() http.Header {
	h := http.Header{}
	for k, val := range v.Headers {
		h.Set(k, val)
	}
	return h
}

func loadVectors(t *testing.T) []signingVector {
	t.Helper()
	data, err := os.ReadFile("testdata/signing-vectors.json")
	require.NoError(t, err)
	var vectors []signingVector
	require.NoError(t, json.Unmarshal(data, &vectors))
	require.NotEmpty(t, vectors)
	return vectors
}

func TestSignatureReproducesEveryVector(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			u, err := url.Parse(v.URL)
			require.NoError(t, err)
			h := v.header()
			sig := signature(v.Method, canonicalURI(u.Path), EncodeQuery(v.values()), h, u.Host, v.SignedHeaders, nil, v.SK)
			require.Equal(t, v.Authorization, authorizationValue(v.AK, v.SignedHeaders, sig))
			if v.fromSDK() {
				require.Equal(t, v.SignedHeaders, signedHeaderNames(h), "SDK picks these headers")
			}
			if _, ok := v.Headers["Host"]; ok {
				// Go keeps Host outside req.Header: the value must come from the URL.
				h.Del("Host")
				sig = signature(v.Method, canonicalURI(u.Path), EncodeQuery(v.values()), h, u.Host, v.SignedHeaders, nil, v.SK)
				require.Equal(t, v.Authorization, authorizationValue(v.AK, v.SignedHeaders, sig))
			}
		})
	}
}

// TestSignRequestMatchesSDKVectors signs each SDK vector end to end, letting
// SignRequest choose the headers and set X-Sdk-Date.
func TestSignRequestMatchesSDKVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t) {
		if !v.fromSDK() {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			req, err := http.NewRequest(v.Method, v.URL, nil)
			require.NoError(t, err)
			req.URL.RawQuery = v.values().Encode() // Go's form encoding; SignRequest must normalise it
			now, err := time.Parse(sdkDateFormat, v.Headers[headerSdkDate])
			require.NoError(t, err)
			for k, val := range v.Headers {
				if k != headerSdkDate {
					req.Header.Set(k, val)
				}
			}
			require.NoError(t, SignRequest(req, nil, v.AK, v.SK, now))
			require.Equal(t, v.Authorization, req.Header.Get("Authorization"))
			require.Equal(t, v.Headers[headerSdkDate], req.Header.Get(headerSdkDate))
			require.Equal(t, EncodeQuery(v.values()), req.URL.RawQuery)
		})
	}
}

func TestEncodeQuery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		q    url.Values
		want string
	}{
		{"empty", url.Values{}, ""},
		{"nil", nil, ""},
		{"sorted by key then value", url.Values{"b": {"2", "1"}, "a": {"z"}}, "a=z&b=1&b=2"},
		{"space is %20", url.Values{"image_name": {"team a"}}, "image_name=team%20a"},
		{"reserved and unicode", url.Values{"n": {"a/b:c+d=e&f~g_h.i-j β"}},
			"n=a%2Fb%3Ac%2Bd%3De%26f~g_h.i-j%20%CE%B2"},
		{"escaped key", url.Values{"k y": {""}}, "k%20y="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, EncodeQuery(tc.q))
		})
	}
}

func TestCanonicalURI(t *testing.T) {
	t.Parallel()
	require.Equal(t, "/v5/p/image/local/containers/", canonicalURI("/v5/p/image/local/containers"))
	require.Equal(t, "/v5/p/", canonicalURI("/v5/p/"))
	require.Equal(t, "/", canonicalURI(""))
	require.Equal(t, "/v5/a%20b%3A%CE%B2/", canonicalURI("/v5/a b:β"))
}

func TestSignedHeaderNames(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "old")
	h.Set("X_Custom", "dropped")
	h.Set("Region", "cn-north-4")
	h.Set("X-Sdk-Date", "20260101T000000Z")
	h.Set("X-Security-Token", "tok")
	require.Equal(t, []string{"region", "x-sdk-date", "x-security-token"}, signedHeaderNames(h))
}

// signedBaseline signs a fixed request, changed first by mutate when given,
// and returns its Authorization value.
func signedBaseline(t *testing.T, mutate func(req *http.Request, ak, sk *string, now *time.Time)) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://hss.cn-north-4.myhuaweicloud.com/v5/p/image/local/containers?limit=200&offset=0", nil)
	require.NoError(t, err)
	req.Header.Set("region", "cn-north-4")
	req.Header.Set("X-Project-Id", "p")
	ak, sk, now := "AK", "SK", time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	if mutate != nil {
		mutate(req, &ak, &sk, &now)
	}
	require.NoError(t, SignRequest(req, nil, ak, sk, now))
	return req.Header.Get("Authorization")
}

func TestTamperingChangesSignature(t *testing.T) {
	t.Parallel()
	base := signedBaseline(t, nil)
	require.Equal(t, base, signedBaseline(t, nil), "signing is deterministic")
	for _, tc := range []struct {
		name   string
		mutate func(req *http.Request, ak, sk *string, now *time.Time)
	}{
		{"query value", func(r *http.Request, _, _ *string, _ *time.Time) { r.URL.RawQuery = "limit=200&offset=200" }},
		{"query key added", func(r *http.Request, _, _ *string, _ *time.Time) { r.URL.RawQuery += "&image_name=x" }},
		{"path", func(r *http.Request, _, _ *string, _ *time.Time) { r.URL.Path = "/v5/q/image/local/containers" }},
		{"header value", func(r *http.Request, _, _ *string, _ *time.Time) { r.Header.Set("region", "cn-east-3") }},
		{"header added", func(r *http.Request, _, _ *string, _ *time.Time) { r.Header.Set("X-Security-Token", "t") }},
		{"secret key", func(_ *http.Request, _, sk *string, _ *time.Time) { *sk = "SK2" }},
		{"date", func(_ *http.Request, _, _ *string, now *time.Time) { *now = now.Add(time.Second) }},
		{"method", func(r *http.Request, _, _ *string, _ *time.Time) { r.Method = http.MethodPost }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NotEqual(t, signatureOf(base), signatureOf(signedBaseline(t, tc.mutate)))
		})
	}
}

var authRE = regexp.MustCompile(`^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]*), Signature=([0-9a-f]{64})$`)

func signatureOf(auth string) string {
	m := authRE.FindStringSubmatch(auth)
	if m == nil {
		return ""
	}
	return m[3]
}

// verifyRequest recomputes the signature of a received request from what
// arrived on the wire, honouring the SignedHeaders the client chose.
func verifyRequest(r *http.Request, body []byte, keys map[string]string) (ak string, ok bool) {
	m := authRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return "", false
	}
	sk, known := keys[m[1]]
	if !known {
		return m[1], false
	}
	signed := strings.Split(m[2], ";")
	want := signature(r.Method, canonicalURI(r.URL.Path), EncodeQuery(r.URL.Query()), r.Header, r.Host, signed, body, sk)
	return m[1], want == m[3]
}

func TestSignedRequestVerifiesOverLoopback(t *testing.T) {
	t.Parallel()
	const payload = `{"k":"v"}`
	var rawQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rawQuery = r.URL.RawQuery
		if _, ok := verifyRequest(r, body, map[string]string{"AKLOOP": "sk/with+symbols="}); !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	q := url.Values{
		"image_name":            {"swr.example.com/team a/app:β"},
		"enterprise_project_id": {"all_granted_eps"},
		"tricky":                {"a+b=c&d", "2"},
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			var body []byte
			if method == http.MethodPost {
				body = []byte(payload)
			}
			req, err := http.NewRequest(method, srv.URL+"/v5/proj 1/image/local/containers?"+q.Encode(), bytes.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("region", "  cn-north-4 ") // trimmed on both sides
			req.Header.Set("X-Project-Id", "proj 1")
			require.NoError(t, SignRequest(req, body, "AKLOOP", "sk/with+symbols=", time.Now()))
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Contains(t, rawQuery, "team%20a%2Fapp%3A%CE%B2")
			require.NotContains(t, rawQuery, "+")
		})
	}

	t.Run("wrong key is rejected", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/v5/p/image/local/containers", nil)
		require.NoError(t, err)
		require.NoError(t, SignRequest(req, nil, "AKLOOP", "not-the-key", time.Now()))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
}

func TestSignRequestResignsCleanly(t *testing.T) {
	t.Parallel()
	req, err := http.NewRequest(http.MethodGet, "https://h.example.com/v5/p/x?offset=0", nil)
	require.NoError(t, err)
	require.NoError(t, SignRequest(req, nil, "AK", "SK", time.Unix(0, 0)))
	first := req.Header.Get("Authorization")
	require.NoError(t, SignRequest(req, nil, "AK", "SK", time.Unix(0, 0)))
	require.Equal(t, first, req.Header.Get("Authorization"), "the old Authorization is never signed")
	require.Equal(t, "19700101T000000Z", req.Header.Get(headerSdkDate))
}

func TestSignRequestRejectsMissingKeys(t *testing.T) {
	t.Parallel()
	req, err := http.NewRequest(http.MethodGet, "https://h.example.com/", nil)
	require.NoError(t, err)
	require.Error(t, SignRequest(req, nil, "", "SK", time.Now()))
	require.Error(t, SignRequest(req, nil, "AK", "", time.Now()))
}
