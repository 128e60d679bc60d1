package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/config"
)

// reloader reads the configuration file again on SIGHUP or POST
// /-/reload, as Prometheus and blackbox_exporter do. A file that fails
// validation changes nothing: every problem is logged and
// hss_exporter_config_last_reload_successful is 0 until a reload succeeds.
// A valid one is applied: unchanged targets keep their inventory, budget
// and schedule, changed ones start afresh, removed ones go, new ones start.
type reloader struct {
	path   string // "" with --demo: nothing to read again
	w      *wiring
	exp    *collector.Exporter
	logger log.Logger

	mu          sync.Mutex // one reload at a time
	successful  prometheus.Gauge
	successTime prometheus.Gauge
}

func newReloader(path string, w *wiring, exp *collector.Exporter, reg prometheus.Registerer, logger log.Logger) *reloader {
	r := &reloader{path: path, w: w, exp: exp, logger: logger,
		successful: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hss_exporter_config_last_reload_successful",
			Help: "1 when the last reload of the configuration file (SIGHUP or POST /-/reload) succeeded, or none was asked for; 0 while the running configuration is one the file no longer gives."}),
		successTime: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hss_exporter_config_last_reload_success_timestamp_seconds",
			Help: "Unix time the configuration was last loaded successfully, at start or by a reload."}),
	}
	r.successful.Set(1)
	r.successTime.SetToCurrentTime()
	reg.MustRegister(r.successful, r.successTime)
	return r
}

// errNothingToReload is a reload in demo mode.
var errNothingToReload = errors.New("nothing to reload: --demo runs a built-in configuration")

// reload reads and applies the configuration file.
func (r *reloader) reload() error {
	if r.path == "" {
		return errNothingToReload
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg, err := loadConfig(r.path)
	var targets []collector.Target
	if err == nil {
		targets, err = r.w.targets(cfg)
	}
	if err != nil {
		r.successful.Set(0)
		r.logProblems(err)
		return err
	}
	added, changed, removed := r.exp.Apply(targets)
	r.successful.Set(1)
	r.successTime.SetToCurrentTime()
	level.Info(r.logger).Log("msg", "configuration reloaded", "config", r.path, "targets", len(targets),
		"added", fmt.Sprint(added), "changed", fmt.Sprint(changed), "removed", fmt.Sprint(removed))
	return nil
}

// logProblems logs every problem of a configuration that failed to load,
// each with its line.
func (r *reloader) logProblems(err error) {
	var errs *config.Errors
	if !errors.As(err, &errs) {
		level.Error(r.logger).Log("msg", "reload failed; the running configuration is kept", "config", r.path, "err", err)
		return
	}
	for _, problem := range errs.List {
		level.Error(r.logger).Log("msg", "reload failed; the running configuration is kept", "problem", problem.Error())
	}
}

// ServeHTTP serves POST /-/reload: 200 once applied, 400 with the problems
// when the file is refused (the running configuration stays), 405 for
// other methods.
func (r *reloader) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost && req.Method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		http.Error(w, "method not allowed: POST to reload the configuration", http.StatusMethodNotAllowed)
		return
	}
	if err := r.reload(); err != nil {
		http.Error(w, "failed to reload config: "+err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintln(w, "configuration reloaded")
}

// hangups turns SIGHUP into reloads until ctx ends. It is installed before
// the configuration is read, so a SIGHUP then (Go would exit on it) is
// logged; from the moment the exporter runs, it reloads.
type hangups struct {
	reload atomic.Pointer[reloader]
}

func watchHangups(ctx context.Context, logger log.Logger) *hangups {
	h := &hangups{}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			r := h.reload.Load()
			if r == nil {
				level.Warn(logger).Log("msg", "SIGHUP during start-up ignored: the configuration is being read")
				continue
			}
			start := time.Now()
			if err := r.reload(); errors.Is(err, errNothingToReload) {
				level.Warn(logger).Log("msg", "SIGHUP ignored: "+err.Error())
			} else if err == nil {
				level.Debug(logger).Log("msg", "SIGHUP: configuration reloaded", "duration", time.Since(start))
			}
		}
	}()
	return h
}
