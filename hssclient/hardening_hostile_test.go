package hssclient

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// maxErrorText bounds how long any error of a hostile answer may be, so one
// response cannot flood a log line.
const maxErrorText = 600

// rawHandler answers every request with status and body as given.
func rawHandler(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func TestHostileSuccessBodiesFailClearly(t *testing.T) {
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

func TestHostileImageBodiesFailClearly(t *testing.T) {
	c, _ := newTestClient(t, rawHandler(200, `{"total_num": 1, "data_list": [{"vul_num": 1e30}]}`), nil)
	_, err := c.ListImageLocal(context.Background(), ListImagesRequest{})
	var decodeErr *DecodeError
	require.ErrorAs(t, err, &decodeErr)
	require.ErrorContains(t, err, "vul_num")
}

// echoAuth sets every credential header a request can carry, with values a
// test can look for afterwards.
type echoAuth struct{}

const (
	echoToken         = "MIIEchoedAuthToken-0123456789abcdef"
	echoSecurityToken = "EchoedSecurityToken-fedcba9876543210"
	echoSecretKey     = "EchoedSecretKey-5f4dcc3b5aa765d61d83"
)

func (echoAuth) Authorize(_ context.Context, req *http.Request, body []byte) error {
	if err := signWith(req, body, "ECHOACCESSKEY0001", echoSecretKey, echoSecurityToken, time.Now()); err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", echoToken)
	return nil
}

func (echoAuth) Invalidate() bool { return false }

func TestErrorAnswersNeverEchoCredentials(t *testing.T) {
	echoes := map[string]func(r *http.Request) string{
		"authorization": func(r *http.Request) string { return r.Header.Get("Authorization") },
		"signature only": func(r *http.Request) string {
			_, sig, _ := strings.Cut(r.Header.Get("Authorization"), "Signature=")
			return sig
		},
		"token":          func(r *http.Request) string { return r.Header.Get("X-Auth-Token") },
		"security token": func(r *http.Request) string { return r.Header.Get("X-Security-Token") },
	}
	for name, echo := range echoes {
		for _, status := range []int{400, 401, 403, 429, 500} {
			t.Run(name+"/"+strconv.Itoa(status), func(t *testing.T) {
				var seen []string
				c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
					v := echo(r)
					seen = append(seen, v, r.Header.Get("Authorization"))
					w.Header().Set("X-Request-Id", v)
					writeJSON(w, status, map[string]string{
						"error_code": v, "error_msg": "rejected " + v + " from " + r.Header.Get("Authorization"), "request_id": v,
					})
				}, func(cfg *Config) { cfg.Auth = echoAuth{}; cfg.MaxRetries = -1 })
				_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
				require.Error(t, err)
				for _, secret := range append(seen, echoToken, echoSecurityToken, echoSecretKey) {
					require.NotContains(t, err.Error(), secret)
				}
				var apiErr *APIError
				require.True(t, errors.As(err, &apiErr))
				require.Equal(t, status, apiErr.StatusCode, "the status still tells what happened")
			})
		}
	}
}
