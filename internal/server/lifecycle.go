package server

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// lifecycleDisabled is Prometheus' answer to a lifecycle call without
// --web.enable-lifecycle, with what to do about it.
const lifecycleDisabled = "Lifecycle API is not enabled: start the exporter with --web.enable-lifecycle to reload over HTTP (SIGHUP reloads either way)."

// lifecycleGuard keeps POST and PUT on a lifecycle endpoint (/-/reload)
// behind --web.enable-lifecycle, as Prometheus does: anyone who can reach
// the port could otherwise make the exporter re-read its file at will.
// When enabled it still refuses requests a browser sends on behalf of
// another site, since a form POST from any page carries the browser's
// basic-auth credentials. Other methods go on to next, which answers 405
// whether or not the flag is given, as Prometheus' GET /-/reload does.
func lifecycleGuard(enabled bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			next.ServeHTTP(w, r)
			return
		}
		if !enabled {
			http.Error(w, lifecycleDisabled, http.StatusForbidden)
			return
		}
		if why := crossSite(r); why != "" {
			http.Error(w, "refused: "+why+"; lifecycle endpoints accept only requests from the exporter's own pages or from non-browser clients (curl, a sidecar)", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// crossSite says why r was sent by a browser for a page of another
// origin, or "" when it was not. Sec-Fetch-Site is the browser's own
// verdict; "same-site" is refused too, since a sibling host (another
// service on the same domain) is still someone else's page. Origin covers
// browsers that send no Sec-Fetch-Site: it must name the host the request
// was sent to. Clients such as curl send neither header and pass.
func crossSite(r *http.Request) string {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return "Sec-Fetch-Site is " + site
	}
	origin, ok := r.Header["Origin"]
	if !ok {
		return ""
	}
	if len(origin) != 1 {
		return "more than one Origin header"
	}
	// The scheme is not compared: behind a proxy that ends TLS, a page of
	// https://host posts to http://host, and that is the same site.
	u, err := url.Parse(origin[0])
	if err != nil || u.Host == "" {
		return "the Origin header is not a page's origin" // "null" from a sandboxed or file:// page
	}
	if !strings.EqualFold(hostPort(u.Host, u.Scheme), hostPort(r.Host, u.Scheme)) {
		return "the Origin header names another host"
	}
	return ""
}

// hostPort writes host with its port, the scheme's default when it has
// none, so http://example.com and a Host of example.com:80 compare equal.
func hostPort(host, scheme string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	port := "80"
	if scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port)
}
