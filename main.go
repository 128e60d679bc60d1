// Command hss_exporter exports the container-image inventory of Huawei Cloud
// Host Security Service (HSS) as Prometheus metrics.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/demo"
	"github.com/hss-exporter/hss_exporter/internal/flagerr"
	"github.com/hss-exporter/hss_exporter/internal/gomemlimit"
	"github.com/hss-exporter/hss_exporter/internal/logging"
	"github.com/hss-exporter/hss_exporter/internal/metricshandler"
	"github.com/hss-exporter/hss_exporter/internal/reload"
	"github.com/hss-exporter/hss_exporter/internal/server"
	"github.com/hss-exporter/hss_exporter/shard"
)

// defaultListenAddress is the exporter's default port. 9100-9999 of the
// Prometheus default-port registry is full; 10867 is in the range where new
// exporters are allocated now, and was unclaimed when chosen.
const defaultListenAddress = ":10867"

func main() {
	if version.Version == "" {
		// A plain go build or go run stamps no version; say so rather than
		// send "hss_exporter/" as the User-Agent and an empty build_info.
		version.Version = "dev"
	}
	if os.Getenv("GOGC") == "" {
		// Half the default: the inventory is mostly long-lived rows, and a
		// sweep of 100,000 containers allocates as much again in decoded
		// pages, so at Go's default the heap doubles before each collection.
		// At 50 the reference fleet peaks at about 210 MiB instead of 280,
		// for a few more collections (Prometheus lowers it too).
		debug.SetGCPercent(50)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// flags holds the parsed command line.
type flags struct {
	configFile   string
	configCheck  bool
	demo         bool
	demoListen   string
	demoBudget   float64
	demoHostile  bool
	telemetry    string
	logLevel     string
	logFormat    string
	maxRequests  int
	lifecycle    bool
	shutdownWait time.Duration
	web          *web.FlagConfig

	shard        int
	totalShards  int
	shardFromPod bool
	jitter       float64
	storagePath  string
	// autoMemLimit and memLimitRatio set GOMEMLIMIT from the cgroup.
	autoMemLimit  bool
	memLimitRatio float64
	// collector is resolved from the shard and jitter flags by run.
	collector collector.Options
}

func newApp(f *flags) *kingpin.Application {
	app := kingpin.New("hss_exporter", "Prometheus exporter for the container-image inventory of Huawei Cloud Host Security Service (HSS).")
	app.Flag("config.file", "Path to the configuration file.").Default("hss.yml").StringVar(&f.configFile)
	app.Flag("config.check", "Validate the configuration file, print every problem, and exit (0 when valid).").BoolVar(&f.configCheck)
	app.Flag("demo", "Run against a built-in stand-in HSS API with a generated fleet; needs no cloud account.").BoolVar(&f.demo)
	app.Flag("demo.listen-address", "With --demo, where the stand-in HSS API listens (default: a free loopback port, logged at start).").Default("127.0.0.1:0").StringVar(&f.demoListen)
	app.Flag("demo.api-calls-per-minute", "With --demo, the stand-in's limit of calls of each API a minute, and the exporter's api_calls_per_minute; at the default the first listing of the demo fleet takes about 75 seconds, so the status page shows a sweep in progress.").Default("20").Float64Var(&f.demoBudget)
	app.Flag("demo.hostile", "With --demo, add an image named like an attack on the page (<script>...</script>) to the fleet, to see every upstream string shown as text.").BoolVar(&f.demoHostile)
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&f.telemetry)
	app.Flag("web.max-requests", "Maximum number of parallel scrapes; excess scrapes get 503 (0 = no limit).").Default("40").IntVar(&f.maxRequests)
	app.Flag("web.enable-lifecycle", "Reload the configuration on POST /-/reload (refused with 403 without this flag, and from other sites' pages with it); SIGHUP reloads either way.").BoolVar(&f.lifecycle)
	app.Flag("log.level", "Only log messages with the given severity or above: debug, info, warn, error.").Default("info").EnumVar(&f.logLevel, "debug", "info", "warn", "error")
	app.Flag("log.format", "Output format of log messages: logfmt or json.").Default("logfmt").EnumVar(&f.logFormat, "logfmt", "json")
	app.Flag("shutdown.timeout", "How long to let in-flight responses finish on SIGTERM.").Default("5s").DurationVar(&f.shutdownWait)
	app.Flag("shard", "Which shard this replica is, from 0 to --total-shards-1: it lists containers only for the images it owns.").Default("0").IntVar(&f.shard)
	app.Flag("total-shards", "How many replicas split the images of every target between them; every replica must be given the same value.").Default("1").IntVar(&f.totalShards)
	app.Flag("shard.from-pod-name", "Take --shard from the trailing ordinal of the StatefulSet pod name (hss-exporter-3 is shard 3), read from $POD_NAME when set, else from $HOSTNAME.").BoolVar(&f.shardFromPod)
	app.Flag("storage.path", "Directory to keep what the exporter knows in (each image's rows, discovery, the API budget), so a restart serves it at once and lists again only what changed or is due; off when empty. No secret is stored.").Default("").StringVar(&f.storagePath)
	app.Flag("refresh.jitter", "Spread each refresh by up to ± this fraction of refresh_interval, so targets and HA replicas do not call HSS in lockstep; 0 for none.").Default("0.05").Float64Var(&f.jitter)
	app.Flag("auto-gomemlimit", "Set GOMEMLIMIT from the cgroup (container) memory limit, so the garbage collector works harder near the limit instead of the process being killed at it.").Default("true").BoolVar(&f.autoMemLimit)
	app.Flag("auto-gomemlimit.ratio", "The fraction of the cgroup memory limit to set GOMEMLIMIT to, more than 0 and at most 1; the rest is headroom for memory the Go runtime does not manage.").Default("0.9").Float64Var(&f.memLimitRatio)
	f.web = kingpinflag.AddFlags(app, defaultListenAddress)
	app.Version(version.Print("hss_exporter"))
	app.HelpFlag.Short('h')
	// Every flag can also come from the environment: HSS_EXPORTER_CONFIG_FILE,
	// HSS_EXPORTER_WEB_LISTEN_ADDRESS, and so on.
	app.DefaultEnvars()
	// Help and version are actions of the command line only: kingpin
	// ignores $HSS_EXPORTER_HELP and $HSS_EXPORTER_VERSION, so --help must
	// not list them.
	app.HelpFlag.NoEnvar()
	app.VersionFlag.NoEnvar()
	return app
}

// run is main without os.Exit, so deferred work runs and tests can call it.
// It serves until ctx ends (SIGTERM or interrupt in main).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f flags
	app := newApp(&f)
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	exitCode := -1 // set when --help or --version asks to exit
	app.Terminate(func(code int) {
		if exitCode < 0 {
			exitCode = code
		}
	})
	_, err := app.Parse(args)
	switch {
	case exitCode >= 0:
		return exitCode
	case err != nil:
		fmt.Fprintf(stderr, "hss_exporter: %v\n", nameBadValue(app, args, err))
		return 2
	}
	if f.configCheck {
		return checkConfig(ctx, f, stdout, stderr)
	}
	if err := checkServeFlags(&f); err != nil {
		fmt.Fprintf(stderr, "hss_exporter: %v\n", namedAsGiven(app, args, err))
		return 2
	}
	if err := untilDone(ctx, func() error { return server.CheckWebConfig(*f.web.WebConfigFile) }); err != nil {
		fmt.Fprintf(stderr, "hss_exporter: %v\n", namedAsGiven(app, args, err))
		return stoppedOr(err, 1)
	}
	logger, slogger, err := logging.New(stderr, f.logLevel, f.logFormat)
	if err != nil {
		fmt.Fprintf(stderr, "hss_exporter: %v\n", err)
		return 2
	}
	hups := reload.WatchHangups(ctx, logger)
	if err := serve(ctx, f, hups, logger, slogger); err != nil {
		if errors.Is(err, errStopped) {
			level.Info(logger).Log("msg", err)
			return 0
		}
		level.Error(logger).Log("msg", "exporter stopped", "err", namedAsGiven(app, args, err))
		return 1
	}
	return 0
}

// checkServeFlags refuses the flag values kingpin accepts but the exporter
// cannot honour (a negative scrape limit would silently mean "no limit",
// a negative shutdown timeout would cut every in-flight response), and
// resolves the collector's options from the shard, jitter and storage
// flags.
func checkServeFlags(f *flags) error {
	if f.maxRequests < 0 {
		return flagerr.New("web.max-requests", f.maxRequests, "must be 0 (no limit) or more")
	}
	if f.shutdownWait < 0 {
		return flagerr.New("shutdown.timeout", f.shutdownWait, "must not be negative")
	}
	if err := server.CheckMetricsPath(f.telemetry); err != nil {
		return err
	}
	if err := gomemlimit.CheckRatio(f.memLimitRatio); err != nil {
		return err
	}
	for _, addr := range *f.web.WebListenAddresses {
		if strings.TrimSpace(addr) == "" {
			return flagerr.New("web.listen-address", "", "an address is empty")
		}
	}
	var err error
	f.collector, err = collectorOptions(*f, os.Getenv)
	return err
}

// collectorOptions turns --shard, --total-shards, --shard.from-pod-name,
// --refresh.jitter and --storage.path into the collector's options, or
// says which flag is wrong. getenv reads the pod name (os.Getenv outside
// tests).
func collectorOptions(f flags, getenv func(string) string) (collector.Options, error) {
	spec := shard.Spec{Index: f.shard, Total: f.totalShards}
	if f.shardFromPod {
		n, err := shard.FromPodName(getenv)
		if err != nil {
			return collector.Options{}, err
		}
		spec.Index = n
	}
	if err := spec.Validate(); err != nil {
		var fe *flagerr.Error
		if f.shardFromPod && errors.As(err, &fe) && fe.Flag == "shard" {
			// The ordinal came from the pod name, not from --shard or its variable.
			err = fmt.Errorf("--shard.from-pod-name gave %v", err)
		}
		return collector.Options{}, err
	}
	if !(f.jitter >= 0 && f.jitter < 1) {
		return collector.Options{}, flagerr.New("refresh.jitter", f.jitter, "must be at least 0 and below 1")
	}
	if err := prepareStateDir(f.storagePath); err != nil {
		return collector.Options{}, &flagerr.Error{Flag: "storage.path", Value: f.storagePath, Err: err}
	}
	return collector.Options{Shard: spec, Jitter: f.jitter, StatePath: f.storagePath}, nil
}

// checkConfig implements --config.check: the configuration file and,
// when given, --web.config.file, each problem on its own line.
func checkConfig(ctx context.Context, f flags, stdout, stderr io.Writer) int {
	var cfg *config.Config
	var err, webErr error
	if stop := untilDone(ctx, func() error {
		cfg, err = loadConfig(f.configFile)
		webErr = server.CheckWebConfig(*f.web.WebConfigFile)
		return nil
	}); stop != nil {
		fmt.Fprintf(stderr, "hss_exporter: %v\n", stop)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
	}
	if webErr != nil {
		fmt.Fprintln(stderr, webErr)
	}
	if err != nil || webErr != nil {
		return 1
	}
	fmt.Fprintf(stdout, "%s: OK, %d target(s)\n", f.configFile, len(cfg.Targets))
	return 0
}

// serve loads the configuration (or starts the demo), starts the refreshers
// and serves HTTP until ctx ends.
func serve(ctx context.Context, f flags, hups *reload.Hangups, logger log.Logger, slogger *slog.Logger) error {
	cfg, cleanup, err := loadOrDemo(ctx, f, logger)
	if err != nil {
		return err
	}
	defer cleanup()
	logStart(logger, f, cfg)
	gomemlimit.Set(logger, f.autoMemLimit, f.memLimitRatio, memlimit.FromCgroup)
	exp, reg, w, err := buildExporter(cfg, logger, f.collector)
	if err != nil {
		return err
	}
	apply := func() error { return reload.ErrNothingToReload }
	if !f.demo {
		apply = w.reloadFrom(f.configFile, exp)
	}
	reloader := reload.New(apply, reg, logger)
	hups.Use(reloader)
	runCtx, cancelRun := context.WithCancel(ctx)
	refreshDone := make(chan struct{})
	go func() {
		defer close(refreshDone)
		clustersDone := make(chan struct{})
		go func() { defer close(clustersDone); w.clusters.Run(runCtx) }()
		exp.Run(runCtx)
		<-clustersDone
	}()
	defer func() { cancelRun(); <-refreshDone }()

	opts := server.Options{MetricsPath: f.telemetry, MaxRequests: f.maxRequests, ShutdownTimeout: f.shutdownWait,
		Web: f.web, Logger: logger, Slogger: slogger, Reload: reloader, EnableLifecycle: f.lifecycle,
		Clusters: w.clusters.Status, Also: []metricshandler.Cached{w.clusters}}
	mux, err := server.Mux(exp, reg, opts)
	if err != nil {
		return err
	}
	return server.Serve(ctx, mux, opts)
}

// loadOrDemo returns the configuration to run, and what to stop at exit.
func loadOrDemo(ctx context.Context, f flags, logger log.Logger) (*config.Config, func(), error) {
	if f.demo {
		return demo.Start(ctx, demo.Options{ListenAddress: f.demoListen, CallsPerMinute: f.demoBudget,
			Hostile: f.demoHostile, Logger: logger})
	}
	var cfg *config.Config
	err := untilDone(ctx, func() (err error) {
		cfg, err = loadConfig(f.configFile)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return cfg, func() {}, nil
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
