package transport

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"
)

// StripURL drops the URL from a transport error: it adds nothing to the
// cause and keeps query values out of logs.
func StripURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

// HeaderTimeout bounds the wait for an answer's headers on the default
// transport, which the IAM, metadata and OIDC calls share.
const HeaderTimeout = 30 * time.Second

// DefaultHTTPClient returns the HTTP client used when Config gives none:
// bounded dial, TLS and header waits, proxies from the environment, and no
// redirects, because a redirect would carry X-Auth-Token to another host.
func DefaultHTTPClient() *http.Client {
	rt := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: HeaderTimeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   16,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
