// Package logging builds the project's go-kit logger from --log.level and
// --log.format, and the slog bridge exporter-toolkit wants, with the same
// level filter and the same timestamp key.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	slgk "github.com/tjhop/slog-gokit"
)

// New builds the project's go-kit logger and, for exporter-toolkit which
// wants slog, a bridge with the same level filter.
func New(w io.Writer, lvl, format string) (log.Logger, *slog.Logger, error) {
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
	return projectLogger, slog.New(slgk.NewGoKitHandler(asProjectTime(filtered), slogLevel)), nil
}

// asProjectTime makes exporter-toolkit's lines (through the slog bridge,
// which calls the time "time" and puts it after the caller) carry the
// same UTC "ts" in the same place as the project's own, so one log stream
// has one timestamp key for a log shipper to parse.
func asProjectTime(next log.Logger) log.Logger {
	return log.LoggerFunc(func(kv ...any) error {
		for i := 0; i+1 < len(kv); i += 2 {
			t, ok := kv[i+1].(time.Time)
			if kv[i] != slog.TimeKey || !ok {
				continue
			}
			out := make([]any, 0, len(kv))
			rest := append(append([]any{}, kv[:i]...), kv[i+2:]...)
			if len(rest) >= 2 && rest[0] == level.Key() {
				out = append(out, rest[0], rest[1])
				rest = rest[2:]
			}
			out = append(out, "ts", t.UTC())
			return next.Log(append(out, rest...)...)
		}
		return next.Log(kv...)
	})
}
