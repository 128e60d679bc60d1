// Package server is the exporter's HTTP side: its routes (metrics, probes,
// the status page, reload, the landing page), the http.Server each listen
// address gets, and their shutdown. No handler calls the HSS API: probes
// and scrapes read what the collector keeps in memory.
package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/hss-exporter/hss_exporter/clusters"
	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/boundedfile"
	"github.com/hss-exporter/hss_exporter/internal/flagerr"
	"github.com/hss-exporter/hss_exporter/internal/metricshandler"
	"github.com/hss-exporter/hss_exporter/internal/statuspage"
)

// Options are what the HTTP side needs: the web flags and a logger.
type Options struct {
	MetricsPath     string          // --web.telemetry-path
	MaxRequests     int             // --web.max-requests; 0: no limit
	ShutdownTimeout time.Duration   // --shutdown.timeout
	Web             *web.FlagConfig // listen addresses, systemd socket, web config file
	Logger          log.Logger      // the project's logger
	Slogger         *slog.Logger    // the same, for exporter-toolkit
	Reload          http.Handler    // POST /-/reload
	EnableLifecycle bool            // --web.enable-lifecycle: without it POST /-/reload is refused
	// Clusters is each target's cluster source state, for the status
	// page; nil: none.
	Clusters func(target string) (clusters.Status, bool)
	// Also are sources that keep their series encoded, served on the
	// metrics page after the inventory (the cluster source); nil: none.
	Also []metricshandler.Cached
}

// probes are the routes the exporter serves beside the status page's.
var probes = []string{"/healthz", "/readyz", "/-/reload"}

// ReservedPaths are the paths the exporter serves itself: metrics there
// would make the mux panic or shadow the page.
func ReservedPaths() []string {
	paths := slices.Clone(probes)
	for p := range statuspage.Routes(nil, statuspage.Options{}) {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// metricsPathRE is what --web.telemetry-path may hold: a plain URL path.
// Anything else would make http.ServeMux panic at start (no leading
// slash, a space read as a method), never match ('?', '#'), or become a
// wildcard ('{').
var metricsPathRE = regexp.MustCompile(`^/[A-Za-z0-9._~/-]*$`)

// CheckMetricsPath refuses a --web.telemetry-path the mux cannot serve.
func CheckMetricsPath(p string) error {
	if !metricsPathRE.MatchString(p) {
		return flagerr.New("web.telemetry-path", strconv.Quote(p), "must be a URL path starting with / (letters, digits, '.', '_', '~', '-' and '/')")
	}
	if reserved := ReservedPaths(); slices.Contains(reserved, strings.TrimSuffix(p, "/")) {
		return flagerr.New("web.telemetry-path", p, "that path is taken by the exporter (%s)", strings.Join(reserved, ", "))
	}
	return nil
}

// Mux routes the exporter's endpoints. live holds the metrics gathered per
// scrape (exp.Self() with the Go, process and build_info collectors),
// served after the inventory as each target last encoded it and the
// sources of opts.Also as they last encoded theirs; excess
// parallel scrapes get 503 instead of queuing without bound.
func Mux(exp *collector.Exporter, live prometheus.Gatherer, opts Options) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	mux.Handle("/-/reload", lifecycleGuard(opts.EnableLifecycle, opts.Reload))
	mux.Handle(opts.MetricsPath, exp.Handler(live, collector.HandlerOpts{MaxRequestsInFlight: opts.MaxRequests, Logger: opts.Logger, Also: opts.Also}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "OK")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ready, reasons := exp.Ready()
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready:")
			fmt.Fprintln(w, strings.Join(reasons, "\n"))
			return
		}
		fmt.Fprintln(w, "ready")
	})
	for path, h := range statuspage.Routes(exp, statuspage.Options{MetricsPath: opts.MetricsPath, Clusters: opts.Clusters}) {
		mux.Handle(path, h)
	}
	if opts.MetricsPath == "/" {
		return mux, nil // the metrics take the root; the status page stays on /status
	}
	landing, err := landingPage(opts.MetricsPath)
	if err != nil {
		return nil, err
	}
	mux.Handle("/", landing)
	return mux, nil
}

func landingPage(metricsPath string) (http.Handler, error) {
	return web.NewLandingPage(web.LandingConfig{
		Name:        "HSS Exporter",
		Description: "Prometheus exporter for the container-image inventory of Huawei Cloud Host Security Service",
		Version:     version.Info(),
		// The toolkit links pprof pages by default; this exporter serves
		// none, so those links would answer 404.
		Profiling: "false",
		Links:     landingLinks(metricsPath),
	})
}

// landingLinks are the landing page's links. Their descriptions say what
// the endpoint table of docs/status.md says, word for word (a test compares them).
func landingLinks(metricsPath string) []web.LandingLinks {
	return []web.LandingLinks{
		{Address: "/status", Text: "Status", Description: "refresh health and inventory per target, for people"},
		{Address: metricsPath, Text: "Metrics"},
		{Address: "/healthz", Text: "Health", Description: "200 while the process serves"},
		{Address: "/readyz", Text: "Readiness", Description: "503 until every target's first discovery succeeded (not until every image is listed), and while any target has had no successful API answer for max_staleness; the body names the target and why"},
	}
}

// CheckWebConfig reads --web.config.file, its certificates and its users
// before anything starts, so a typo stops the exporter with the flag's
// name instead of after the refreshers have begun (and, under
// --config.check, is reported too). An empty path is no web config.
func CheckWebConfig(path string) error {
	if path == "" {
		return nil
	}
	// exporter-toolkit reads the file whole, and would block on a FIFO or
	// run out of memory on /dev/zero: it gets only a regular file of
	// bounded size.
	if _, _, err := boundedfile.Read(path, config.MaxFileSize); err != nil {
		return &flagerr.Error{Flag: "web.config.file", Value: path, Err: err}
	}
	if err := web.Validate(path); err != nil {
		return &flagerr.Error{Flag: "web.config.file", Value: path, Err: err}
	}
	return nil
}
