package hssclient

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/stretchr/testify/require"
)

// echoForms are the ways a gateway may send a credential back.
var echoForms = map[string]func(string) string{
	"as sent":           func(s string) string { return s },
	"lower case":        strings.ToLower,
	"upper case":        strings.ToUpper,
	"base64":            func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
	"base64 unpadded":   func(s string) string { return base64.RawStdEncoding.EncodeToString([]byte(s)) },
	"base64url":         func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) },
	"base64url no pad":  func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) },
	"base64 of lower":   func(s string) string { return base64.StdEncoding.EncodeToString([]byte(strings.ToLower(s))) },
	"hex":               func(s string) string { return hex.EncodeToString([]byte(s)) },
	"HEX":               func(s string) string { return strings.ToUpper(hex.EncodeToString([]byte(s))) },
	"url escaped":       url.QueryEscape,
	"base64, shifted 1": func(s string) string { return base64.StdEncoding.EncodeToString([]byte("t=" + s + ";")) },
	"base64, shifted 2": func(s string) string { return base64.URLEncoding.EncodeToString([]byte("tk=" + s)) },
	"base64, shifted 3": func(s string) string { return base64.RawStdEncoding.EncodeToString([]byte("x" + s + "xyz")) },
}

func TestRedactorCutsEveryFormOfASecret(t *testing.T) {
	t.Parallel()
	const secret = "MIIEchoedAuthToken+/0123456789abcdef=="
	r := transport.NewRedactor(secret)
	for name, form := range echoForms {
		text := "before " + form(secret) + " after"
		got := r.Clean(text)
		require.Contains(t, got, redacted, name)
		require.True(t, strings.HasPrefix(got, "before ") && strings.HasSuffix(got, " after"), "%s: the rest stays: %q", name, got)
		for other, f := range echoForms {
			// What is left must not still hold a whole form of the secret.
			require.NotContains(t, strings.ToLower(got), strings.ToLower(f(secret)), "%s leaves %s", name, other)
		}
	}
	require.Equal(t, "nothing to cut here", r.Clean("nothing to cut here"))
	require.Equal(t, "a\xffb", r.Clean("a\xffb"), "invalid UTF-8 passes through unharmed")
}

// TestEchoedCredentialsNeverReachAnError: a gateway throws the request's
// token, security token and signature back in every field of its error, in
// every form: the error says what happened and holds none of them.
func TestEchoedCredentialsNeverReachAnError(t *testing.T) {
	t.Parallel()
	credentials := map[string]func(r *http.Request) string{
		"token":          func(r *http.Request) string { return r.Header.Get("X-Auth-Token") },
		"security token": func(r *http.Request) string { return r.Header.Get("X-Security-Token") },
		"signature": func(r *http.Request) string {
			_, sig, _ := strings.Cut(r.Header.Get("Authorization"), "Signature=")
			return sig
		},
	}
	for credName, credential := range credentials {
		for formName, form := range echoForms {
			t.Run(credName+"/"+formName, func(t *testing.T) {
				var sent []string
				c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
					v := form(credential(r))
					sent = append(sent, credential(r))
					w.Header().Set("X-Request-Id", v)
					writeJSON(w, 400, map[string]string{"error_code": v, "error_msg": "rejected " + v + "."})
				}, func(cfg *Config) { cfg.Auth = echoAuth{}; cfg.MaxRetries = -1 })
				_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
				require.ErrorContains(t, err, "HTTP 400")
				require.ErrorContains(t, err, redacted)
				lower := strings.ToLower(err.Error())
				for _, s := range append(sent, echoToken, echoSecurityToken) {
					for _, f := range echoForms {
						require.NotContains(t, lower, strings.ToLower(f(s)))
					}
				}
			})
		}
	}
}

// TestATransportErrorQuotingTheTokenIsCut: a server whose status line
// echoes the token makes net/http quote it in its error.
func TestATransportErrorQuotingTheTokenIsCut(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				fmt.Fprintf(conn, "HTTP/1.1 %s OK\r\n\r\n", strings.ToLower(req.Header.Get("X-Auth-Token")))
			}()
		}
	}()
	c, _ := newTestClient(t, nil, func(cfg *Config) {
		cfg.Endpoint = "http://" + ln.Addr().String()
		cfg.Auth = echoAuth{}
		cfg.MaxRetries = -1
	})
	_, err = c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
	require.Error(t, err)
	require.True(t, transport.Classify(err) == transport.ClassNetwork, "still a network error: %v", err)
	require.NotContains(t, strings.ToLower(err.Error()), strings.ToLower(echoToken))
	require.Contains(t, err.Error(), redacted)
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
	req.Header.Set("X-Security-Token", echoSecurityToken) // signed with the rest
	if err := auth.SignRequest(req, body, "ECHOACCESSKEY0001", echoSecretKey, time.Now()); err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", echoToken)
	return nil
}

func (echoAuth) Invalidate() bool { return false }

func TestErrorAnswersNeverEchoCredentials(t *testing.T) {
	t.Parallel()
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
				var apiErr *transport.APIError
				require.True(t, errors.As(err, &apiErr))
				require.Equal(t, status, apiErr.StatusCode, "the status still tells what happened")
			})
		}
	}
}
