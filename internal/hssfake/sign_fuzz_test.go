package hssfake

import (
	"bufio"
	"bytes"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/auth"
)

// FuzzSignerAgreesWithVerifier signs a request with the client's signer for
// any path, query keys and values and header value, sends it through Go's
// own request writer and reader as over the wire, and checks that this
// package's independent verifier accepts it and decodes the query the
// client meant. A disagreement is a signature the real gateway would refuse
// too (the verifier is proven on Huawei's SDK vectors).
//
//	go test -run='^$' -fuzz='^FuzzSignerAgreesWithVerifier$' -fuzztime=10s ./internal/hssfake/
func FuzzSignerAgreesWithVerifier(f *testing.F) {
	f.Add("/v5/p1/image/local/containers", "image_name", "swr.cn-north-4.myhuaweicloud.com/ns/app", "offset", "0", "cn-north-4")
	f.Add("/v5/p1/image/local-repositories", "image_name", "a b+c&d=e", "image_version", "1.0 ~beta", " cn-north-4\t")
	f.Add("/a b/ü/%41/", "k ey", "日本", "", "", "")
	f.Add("/x;y/z?q", "a;b", "c%", "a;b", "c%2", "x")
	f.Add("//double//slash/", "\xff\xfe", "\x00\x01", "~", "-_.", "\u0085")
	f.Fuzz(func(t *testing.T, path, k1, v1, k2, v2, region string) {
		if strings.ContainsAny(region, "\r\n\x00") || !validHeaderValue(region) {
			t.Skip("not a value HTTP can carry")
		}
		q := url.Values{}
		q.Add(k1, v1)
		q.Add(k2, v2)
		u := &url.URL{Scheme: "http", Host: "hss.cn-north-4.myhuaweicloud.com", Path: "/" + strings.TrimLeft(path, "/")}
		u.RawQuery = auth.EncodeQuery(q)
		req, err := http.NewRequest(http.MethodGet, u.String(), nil)
		if err != nil {
			t.Skip("not a URL the client could build")
		}
		req.Header.Set("region", region)
		req.Header.Set("X-Project-Id", "p1")
		const sk = "fuzz-secret-key"
		if err := auth.SignRequest(req, nil, "FUZZACCESSKEY", sk, time.Now()); err != nil {
			t.Fatalf("signing: %v", err)
		}
		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			t.Skip("not a request Go can send")
		}
		got, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			t.Fatalf("the server cannot read what the client sent: %v\n%s", err, wire.String())
		}
		a, err := parseAuthorization(got.Header.Get("Authorization"))
		if err != nil {
			t.Fatalf("Authorization header: %v", err)
		}
		if reason := verifySignature(got, nil, a, sk); reason != "" {
			t.Fatalf("verifier refused the signature (%s) for path %q query %q", reason, got.URL.Path, got.URL.RawQuery)
		}
		if got.URL.Path != req.URL.Path {
			t.Fatalf("path %q arrived as %q", req.URL.Path, got.URL.Path)
		}
		decoded, ok := parseQuery(got.URL.RawQuery)
		if !ok {
			t.Fatalf("query %q does not decode", got.URL.RawQuery)
		}
		for k, vs := range q {
			sorted := append([]string(nil), vs...)
			sort.Strings(sorted)
			if decoded[k] != sorted[0] {
				t.Fatalf("query key %q: sent %q, server read %q", k, sorted[0], decoded[k])
			}
		}
	})
}

// validHeaderValue mirrors net/http's rule for header values: no control
// characters other than horizontal tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
