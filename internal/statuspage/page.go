package statuspage

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/version"

	"github.com/hss-exporter/hss_exporter/clusters"
	"github.com/hss-exporter/hss_exporter/collector"
)

// The page is embedded so the binary serves it air-gapped: no file to
// install, nothing fetched from a CDN.
//
//go:embed templates/status.html
var templateFS embed.FS

var statusTemplate = template.Must(template.New("status.html").Funcs(template.FuncMap{
	"timeText":    timeText,
	"secondsText": secondsText,
	"resultText":  resultText,
	"since":       func(now, t time.Time) string { return humanDuration(now.Sub(t)) },
	"deref":       func(f *float64) float64 { return *f },
	"part":        func(f, share float64) float64 { return f * share },
	"thousands":   thousands,
	"budgetText":  perMinuteText,
	"partText":    postureStateText,
}).ParseFS(templateFS, "templates/status.html"))

// statusPolicy forbids every script, frame and remote fetch: the page needs
// none, so even a value that escaped escaping could not run.
const statusPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Options are what the status page needs besides the exporter.
type Options struct {
	// MetricsPath is where the metrics are served (--web.telemetry-path),
	// for the page's links.
	MetricsPath string
	// Version is shown on the page and in the JSON; default the build's.
	Version string
	// Clusters returns a target's cluster source state (clusters.Set's
	// Status); nil: no target reads clusters.
	Clusters func(target string) (clusters.Status, bool)
}

// Routes returns the human status page and its JSON twins by path:
// /status, /api/v1/status and /api/v1/image. Serve them on the mux of
// /metrics, so --web.config.file guards them the same way. They read
// memory only: opening them never calls HSS. Each answers every method
// (405 but for GET and HEAD): with "/" taken by the landing page, a
// "GET /status" pattern would send a POST to the landing page's 404.
func Routes(exp *collector.Exporter, opts Options) map[string]http.Handler {
	if opts.Version == "" {
		opts.Version = version.Version
	}
	return map[string]http.Handler{
		"/status":        getOnly(func(w http.ResponseWriter, _ *http.Request) { servePage(w, exp, opts) }),
		"/api/v1/status": getOnly(func(w http.ResponseWriter, _ *http.Request) { serveStatusJSON(w, exp, opts) }),
		"/api/v1/image":  getOnly(func(w http.ResponseWriter, r *http.Request) { serveImage(w, r, exp) }),
	}
}

func servePage(w http.ResponseWriter, exp *collector.Exporter, opts Options) {
	var buf bytes.Buffer
	if err := statusTemplate.Execute(&buf, buildStatus(exp, exp.Now(), opts.Version, opts)); err != nil {
		http.Error(w, "rendering the status page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	setSafeHeaders(w, "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

func serveStatusJSON(w http.ResponseWriter, exp *collector.Exporter, opts Options) {
	writeJSON(w, http.StatusOK, buildStatus(exp, exp.Now(), opts.Version, opts))
}

// serveImage serves /api/v1/image: one image's series as JSON.
func serveImage(w http.ResponseWriter, r *http.Request, exp *collector.Exporter) {
	q, msg := parseImageQuery(r.URL.RawQuery)
	if msg != "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg})
		return
	}
	target := q.Get("target")
	view, ok := exp.View(target)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such target"})
		return
	}
	img, ok := view.Image(q.Get("name"), q.Get("version"), q.Get("digest"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{
			"error": "no such image in the data this target serves (it may have gone, or the data expired)"})
		return
	}
	writeJSON(w, http.StatusOK, newImageReport(target, img))
}

// maxImageParams bounds an /api/v1/image query: it takes four parameters.
const maxImageParams = 16

// parseImageQuery reads an /api/v1/image query, or says what is wrong
// with it. A query that does not parse (a bad %-escape, a ';', too many
// parameters) is refused as such: read leniently, it lost the parameters
// it did give and was answered "target is required".
func parseImageQuery(raw string) (url.Values, string) {
	if n := strings.Count(raw, "&") + 1; n > maxImageParams {
		return nil, fmt.Sprintf("the query cannot be parsed: %d parameters, more than the %d allowed "+
			"(it takes target, name, version and digest)", n, maxImageParams)
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, "the query cannot be parsed: " + err.Error()
	}
	return q, imageQueryProblem(q)
}

// imageQueryProblem says what is wrong with an /api/v1/image query, or
// "". A missing or repeated parameter is the caller's mistake (400), not
// an image that is gone (404).
func imageQueryProblem(q url.Values) string {
	for _, key := range []string{"target", "name", "version", "digest"} {
		if len(q[key]) > 1 {
			return "parameter " + key + " is given more than once"
		}
	}
	if q.Get("target") == "" {
		return "parameter target is required (with name, version and digest, as the status page links them)"
	}
	// name, version and digest may each be empty: HSS leaves some unknown,
	// and the image is found by all three as its series carry them.
	return ""
}

// getOnly answers anything but GET and HEAD with 405 and the Allow header.
func getOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	}
}

// thousands writes n with a comma between groups of three digits, so
// 1234 of 4900 images reads "1,234 of 4,900".
func thousands(n int) string {
	s := strconv.Itoa(n)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func setSafeHeaders(w http.ResponseWriter, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Security-Policy", statusPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Served as application/json with nosniff, so HTML characters need no
	// \u escapes; leaving them makes names and URLs readable with curl.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	setSafeHeaders(w, "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}
