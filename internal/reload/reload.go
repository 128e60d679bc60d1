// Package reload reads the configuration again on SIGHUP or POST
// /-/reload, as Prometheus and blackbox_exporter do. A file that fails
// validation changes nothing: every problem is logged and
// hss_exporter_config_last_reload_successful is 0 until a reload
// succeeds. What a valid file changes is the Apply function's to do.
package reload

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

	"github.com/hss-exporter/hss_exporter/config"
)

// ErrNothingToReload is what Apply returns when there is no file to read
// (--demo runs a built-in configuration).
var ErrNothingToReload = errors.New("nothing to reload: --demo runs a built-in configuration")

// Reloader reloads by calling Apply, one reload at a time, and keeps the
// Prometheus convention's two gauges.
type Reloader struct {
	apply  func() error
	logger log.Logger

	mu          sync.Mutex
	successful  prometheus.Gauge
	successTime prometheus.Gauge
}

// New returns a Reloader whose reloads call apply, which reads the
// configuration and applies it, or returns why not (a *config.Errors
// lists every problem); its gauges go into reg.
func New(apply func() error, reg prometheus.Registerer, logger log.Logger) *Reloader {
	r := &Reloader{apply: apply, logger: logger,
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

// Reload reads and applies the configuration.
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.apply()
	switch {
	case errors.Is(err, ErrNothingToReload):
		return err
	case err != nil:
		r.successful.Set(0)
		r.logProblems(err)
		return err
	}
	r.successful.Set(1)
	r.successTime.SetToCurrentTime()
	return nil
}

// logProblems logs every problem of a configuration that failed to load,
// each with its line.
func (r *Reloader) logProblems(err error) {
	var errs *config.Errors
	if !errors.As(err, &errs) {
		level.Error(r.logger).Log("msg", "reload failed; the running configuration is kept", "err", err)
		return
	}
	for _, problem := range errs.List {
		level.Error(r.logger).Log("msg", "reload failed; the running configuration is kept", "problem", problem.Error())
	}
}

// ServeHTTP serves POST /-/reload: 200 once applied, 400 with the problems
// when the file is refused (the running configuration stays), 405 for
// other methods.
func (r *Reloader) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost && req.Method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		http.Error(w, "method not allowed: POST to reload the configuration", http.StatusMethodNotAllowed)
		return
	}
	if err := r.Reload(); err != nil {
		http.Error(w, "failed to reload config: "+err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintln(w, "configuration reloaded")
}

// Hangups turns SIGHUP into reloads until ctx ends. It is installed before
// the configuration is read, so a SIGHUP then (Go would exit on it) is
// logged; once Use gives it a Reloader, it reloads.
type Hangups struct {
	reloader atomic.Pointer[Reloader]
}

// WatchHangups starts turning SIGHUP into reloads.
func WatchHangups(ctx context.Context, logger log.Logger) *Hangups {
	h := &Hangups{}
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
			r := h.reloader.Load()
			if r == nil {
				level.Warn(logger).Log("msg", "SIGHUP during start-up ignored: the configuration is being read")
				continue
			}
			start := time.Now()
			if err := r.Reload(); errors.Is(err, ErrNothingToReload) {
				level.Warn(logger).Log("msg", "SIGHUP ignored: "+err.Error())
			} else if err == nil {
				level.Debug(logger).Log("msg", "SIGHUP: configuration reloaded", "duration", time.Since(start))
			}
		}
	}()
	return h
}

// Use makes SIGHUP reload with r.
func (h *Hangups) Use(r *Reloader) { h.reloader.Store(r) }
