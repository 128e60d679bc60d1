package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/exporter-toolkit/web"
)

// serveHTTP serves h on every --web.listen-address until ctx ends, then
// lets in-flight responses finish for --shutdown.timeout.
//
// Each address gets its own http.Server: exporter-toolkit's Serve writes
// the server's Handler and TLSConfig for each listener, so one server
// shared by several addresses (what web.ListenAndServe does) is a data
// race once --web.config.file is set, and wraps basic auth twice.
// Systemd socket activation hands over its own listeners and keeps the
// single server.
func serveHTTP(ctx context.Context, f flags, h http.Handler, logger log.Logger, slogger *slog.Logger) error {
	var servers []*http.Server
	var configs []*web.FlagConfig
	if f.web.WebSystemdSocket != nil && *f.web.WebSystemdSocket {
		servers, configs = []*http.Server{newHTTPServer(h, logger)}, []*web.FlagConfig{f.web}
	} else {
		for _, addr := range *f.web.WebListenAddresses {
			one := *f.web
			one.WebListenAddresses = &[]string{addr}
			servers, configs = append(servers, newHTTPServer(h, logger)), append(configs, &one)
		}
	}
	serveErr := make(chan error, len(servers))
	for i, server := range servers {
		go func() { serveErr <- web.ListenAndServe(server, configs[i], slogger) }()
	}
	var err error
	select {
	case err = <-serveErr: // one address failed (in use, bad TLS): stop them all
	case <-ctx.Done():
		level.Info(logger).Log("msg", "shutting down")
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), f.shutdownWait)
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
