package server

import (
	"context"
	"errors"
	stdlog "log"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/exporter-toolkit/web"
)

// Serve serves h on every --web.listen-address until ctx ends, then lets
// in-flight responses finish for --shutdown.timeout.
//
// Each address gets its own http.Server: exporter-toolkit's Serve writes
// the server's Handler and TLSConfig for each listener, so one server
// shared by several addresses (what web.ListenAndServe does) is a data
// race once --web.config.file is set, and wraps basic auth twice.
// Systemd socket activation hands over its own listeners and keeps the
// single server.
func Serve(ctx context.Context, h http.Handler, opts Options) error {
	logger := opts.Logger
	var servers []*http.Server
	var configs []*web.FlagConfig
	if opts.Web.WebSystemdSocket != nil && *opts.Web.WebSystemdSocket {
		servers, configs = []*http.Server{newHTTPServer(h, logger)}, []*web.FlagConfig{opts.Web}
	} else {
		for _, addr := range *opts.Web.WebListenAddresses {
			one := *opts.Web
			one.WebListenAddresses = &[]string{addr}
			servers, configs = append(servers, newHTTPServer(h, logger)), append(configs, &one)
		}
	}
	serveErr := make(chan error, len(servers))
	for i, server := range servers {
		go func() { serveErr <- web.ListenAndServe(server, configs[i], opts.Slogger) }()
	}
	var err error
	select {
	case err = <-serveErr: // one address failed (in use, bad TLS): stop them all
	case <-ctx.Done():
		level.Info(logger).Log("msg", "shutting down")
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), opts.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(servers))
	for i, server := range servers {
		wg.Go(func() {
			if e := server.Shutdown(shutdownCtx); e != nil && !errors.Is(e, context.DeadlineExceeded) {
				errs[i] = e
			}
		})
	}
	wg.Wait()
	if err != nil {
		return err
	}
	return errors.Join(errs...)
}

// newHTTPServer bounds what one client can hold: slow headers or bodies,
// idle keep-alive connections and huge headers. WriteTimeout bounds the
// small pages; the metrics page replaces it with a deadline per piece
// written (collector.DefaultWriteTimeout), so a large scrape over a slow
// link runs as long as it progresses and a stalled one is cut in seconds.
// net/http's own errors go to logger.
func newHTTPServer(h http.Handler, logger log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ErrorLog:          newHTTPErrorLog(logger),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// newHTTPErrorLog routes net/http's own messages (TLS handshake failures,
// panics in a handler) into the project's logger, so they come out in
// --log.format like every other line instead of as bare stdlib lines.
// Handshake failures are what every port scanner and TCP probe causes,
// so they are debug; the rest are errors.
func newHTTPErrorLog(logger log.Logger) *stdlog.Logger {
	return stdlog.New(httpErrorWriter{log.With(logger, "component", "http")}, "", 0)
}

type httpErrorWriter struct{ logger log.Logger }

func (w httpErrorWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if strings.Contains(msg, "TLS handshake error") {
		_ = level.Debug(w.logger).Log("msg", msg)
	} else {
		_ = level.Error(w.logger).Log("msg", msg)
	}
	return len(p), nil
}
