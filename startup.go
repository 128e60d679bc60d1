package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/boundedfile"
)

// checkServeFlags refuses the flag values kingpin accepts but the server
// cannot honour: a negative scrape limit would silently mean "no limit",
// and a negative shutdown timeout would cut every in-flight response.
func checkServeFlags(f flags) error {
	if f.maxRequests < 0 {
		return fmt.Errorf("--web.max-requests=%d: must be 0 (no limit) or more", f.maxRequests)
	}
	if f.shutdownWait < 0 {
		return fmt.Errorf("--shutdown.timeout=%v: must not be negative", f.shutdownWait)
	}
	if err := checkTelemetryPath(f.telemetry); err != nil {
		return err
	}
	if err := checkMemLimitRatio(f.memLimitRatio); err != nil {
		return err
	}
	for _, addr := range *f.web.WebListenAddresses {
		if strings.TrimSpace(addr) == "" {
			return fmt.Errorf("--web.listen-address: an address is empty")
		}
	}
	return nil
}

// telemetryPathRE is what --web.telemetry-path may hold: a plain URL path.
// Anything else would make http.ServeMux panic at start (no leading
// slash, a space read as a method), never match ('?', '#'), or become a
// wildcard ('{').
var telemetryPathRE = regexp.MustCompile(`^/[A-Za-z0-9._~/-]*$`)

// reservedPaths are served by the exporter itself; metrics there would
// make the mux panic or shadow the page.
var reservedPaths = []string{"/healthz", "/readyz", "/status", "/api/v1/status", "/api/v1/image", "/-/reload"}

func checkTelemetryPath(p string) error {
	if !telemetryPathRE.MatchString(p) {
		return fmt.Errorf("--web.telemetry-path=%q: must be a URL path starting with / (letters, digits, '.', '_', '~', '-' and '/')", p)
	}
	if slices.Contains(reservedPaths, strings.TrimSuffix(p, "/")) {
		return fmt.Errorf("--web.telemetry-path=%s: that path is taken by the exporter (%s)", p, strings.Join(reservedPaths, ", "))
	}
	return nil
}

// checkWebConfig reads --web.config.file, its certificates and its users
// before anything starts, so a typo stops the exporter with the flag's
// name instead of after the demo and refreshers have begun (and, under
// --config.check, is reported too).
func checkWebConfig(f flags) error {
	path := *f.web.WebConfigFile
	if path == "" {
		return nil
	}
	// exporter-toolkit reads the file whole, and would block on a FIFO or
	// run out of memory on /dev/zero: it gets only a regular file of
	// bounded size.
	if _, _, err := boundedfile.Read(path, config.MaxFileSize); err != nil {
		return fmt.Errorf("--web.config.file=%s: %w", path, err)
	}
	if err := web.Validate(path); err != nil {
		return fmt.Errorf("--web.config.file=%s: %w", path, err)
	}
	return nil
}

// errStopped is a start-up step called off by SIGTERM or SIGINT.
var errStopped = errors.New("stopped by a signal during start-up")

// untilDone runs a start-up step that reads files (the configuration, the
// credential files it names, --web.config.file) and returns as soon as ctx
// ends, so SIGTERM and SIGINT stop the process even while a read hangs (a
// stuck network mount); the step itself is left behind, as the process
// is about to exit.
func untilDone(ctx context.Context, step func() error) error {
	if ctx.Err() != nil {
		return errStopped
	}
	done := make(chan error, 1)
	go func() { done <- step() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errStopped
	}
}

// logStart says what this process is and what it will do: the line an
// operator looks for first when something is off.
func logStart(logger log.Logger, f flags, cfg *config.Config) {
	names := make([]string, len(cfg.Targets))
	for i, t := range cfg.Targets {
		names[i] = t.Name
	}
	source := f.configFile
	if f.demo {
		source = "demo"
	}
	level.Info(logger).Log("msg", "starting hss_exporter", "version", version.Version,
		"revision", version.GetRevision(), "go", runtime.Version(), "config", source,
		"targets", strings.Join(names, ","), "listen", strings.Join(*f.web.WebListenAddresses, ","),
		"telemetry_path", f.telemetry, "shard", f.collector.Shard.Index, "total_shards", f.collector.Shard.Total)
}

// nameBadValue adds the flag, or environment variable, whose value kingpin
// could not parse: its own error leaves the name out (`strconv.ParseFloat:
// parsing "abc": invalid syntax`), which in a crash-looping pod leaves an
// operator guessing. Setting a value again is harmless: run exits next.
func nameBadValue(app *kingpin.Application, args []string, err error) error {
	if ctx, perr := app.ParseContext(args); perr == nil {
		for _, el := range ctx.Elements {
			flag, ok := el.Clause.(*kingpin.FlagClause)
			if !ok || el.Value == nil {
				continue
			}
			if m := flag.Model(); m.Value.Set(*el.Value) != nil {
				return fmt.Errorf("--%s=%s: %w", m.Name, *el.Value, err)
			}
		}
	}
	for _, m := range app.Model().Flags {
		if v := os.Getenv(m.Envar); m.Envar != "" && v != "" && m.Value.Set(v) != nil {
			return fmt.Errorf("$%s=%s: %w", m.Envar, v, err)
		}
	}
	return err
}
