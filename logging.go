package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	slgk "github.com/tjhop/slog-gokit"
)

// newLogger builds the project's go-kit logger and, for exporter-toolkit
// which wants slog, a bridge with the same level filter.
func newLogger(w io.Writer, lvl, format string) (log.Logger, *slog.Logger, error) {
	var logger log.Logger
	switch format {
	case "logfmt":
		logger = log.NewLogfmtLogger(log.NewSyncWriter(w))
	case "json":
		logger = log.NewJSONLogger(log.NewSyncWriter(w))
	default:
		return nil, nil, fmt.Errorf("unknown log format %q (logfmt or json)", format)
	}
	var (
		option    level.Option
		slogLevel slog.Level
	)
	switch lvl {
	case "debug":
		option, slogLevel = level.AllowDebug(), slog.LevelDebug
	case "info":
		option, slogLevel = level.AllowInfo(), slog.LevelInfo
	case "warn":
		option, slogLevel = level.AllowWarn(), slog.LevelWarn
	case "error":
		option, slogLevel = level.AllowError(), slog.LevelError
	default:
		return nil, nil, fmt.Errorf("unknown log level %q (debug, info, warn or error)", lvl)
	}
	filtered := level.NewFilter(logger, option)
	// The slog bridge adds its own time and caller; the go-kit logger gets
	// them here.
	projectLogger := log.With(filtered, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller)
	return projectLogger, slog.New(slgk.NewGoKitHandler(filtered, slogLevel)), nil
}
