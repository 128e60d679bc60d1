// Package hssfake is a stand-in for the Huawei Cloud HSS v5 image APIs, its
// container node, Kubernetes container, event severity and quota APIs, the
// IAM token endpoint and the ECS metadata security-key endpoint, all served
// by one HTTP server. It verifies SDK-HMAC-SHA256 signatures with its own
// code (it deliberately does not import hssclient, so a client bug cannot
// hide in shared code), serves a Fleet, counts requests and injects faults.
package hssfake

import (
	"context"
	"errors"
	"io"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// Operation names used by Requests and Fault.Operation, as the official SDK
// names them.
const (
	OpListLocalImageContainers = "ListLocalImageContainers"
	OpListImageLocal           = "ListImageLocal"
	OpListContainerNodes       = "ListContainerNodes"
	OpShowEventSeverity        = "ShowEventSeverity"
	OpShowResourceQuotas       = "ShowResourceQuotas"
	OpListContainers           = "ListContainers" // pod containers with their cluster and state
	OpCreateToken              = "KeystoneCreateUserTokenByPassword"
	OpMetadataSecurityKey      = "MetadataSecurityKey"
	OpCreateTokenWithIDToken   = "CreateTokenWithIdToken"
	OpCreateTemporaryKeys      = "CreateTemporaryAccessKeyByToken"
	// OpUnknown counts requests to paths the server does not serve.
	OpUnknown = "Unknown"
)

// Demo credentials of `hss_exporter --demo`, documented in the README so people
// can point curl or Huawei's SDK at the demo server. They guard nothing.
const (
	DemoProjectID   = "0b1c2d3e4f5a60718293a4b5c6d7e8f9"
	DemoRegion      = "cn-north-4"
	DemoAccessKey   = "HSSDEMOACCESSKEY0001"
	DemoSecretKey   = "hss-demo-secret-key-0001"
	DemoIAMUser     = "demo"
	DemoIAMPassword = "demo-password"
	DemoIAMDomain   = "demo"
	DemoIdpID       = "hss-demo-idp"
	DemoIDToken     = "hss-demo-id-token"
)

// Options configures a Server. Zero durations take the documented defaults.
type Options struct {
	ListenAddress string // Start only; default 127.0.0.1:0
	ProjectID     string
	Region        string
	AccessKey     string // permanent AK; empty disables permanent AK/SK
	SecretKey     string
	IAMUser       string // empty disables the IAM token endpoint's success path
	IAMPassword   string
	IAMDomain     string
	TokenTTL      time.Duration // IAM token lifetime; default 24h
	MetadataTTL   time.Duration // temporary credential lifetime; default 1h
	MaxSkew       time.Duration // allowed X-Sdk-Date skew; default 15m
	OIDC          OIDCOptions   // identity providers and ID tokens IAM accepts
	// GrantedEnterpriseProjects limits the caller to these enterprise
	// projects ("0" is the default one); nil grants all.
	GrantedEnterpriseProjects []string
	Fleet                     *Fleet           // default: an empty fleet
	Now                       func() time.Time // default time.Now
	Logger                    log.Logger       // default: no logging

	// RateLimit is the per-API, per-user call limit; zero: none.
	// SetRateLimit changes it at run time.
	RateLimit RateLimit
}

// DemoOptions returns Options with the demo credentials, serving fleet.
func DemoOptions(fleet *Fleet) Options {
	return Options{
		ProjectID: DemoProjectID, Region: DemoRegion,
		AccessKey: DemoAccessKey, SecretKey: DemoSecretKey,
		IAMUser: DemoIAMUser, IAMPassword: DemoIAMPassword, IAMDomain: DemoIAMDomain,
		OIDC:  OIDCOptions{IDTokens: map[string][]string{DemoIdpID: {DemoIDToken}}},
		Fleet: fleet,
	}
}

// Server is the stand-in HSS server. It is an http.Handler; Start also gives
// it a listener. All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234, set by Start.
	URL string

	opts    Options
	logger  log.Logger
	handler http.Handler

	fleetMu sync.RWMutex
	fleet   *Fleet

	stats    stats
	inFlight atomic.Int64
	creds    credStore
	oidc     oidcState
	faults   faultState
	rate     rateLimiter

	httpSrv   *http.Server
	done      chan struct{}
	closeOnce sync.Once
}

// New returns a Server for opts without listening; use it as an http.Handler
// (for example with httptest.NewServer).
func New(opts Options) *Server {
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 24 * time.Hour
	}
	if opts.MetadataTTL <= 0 {
		opts.MetadataTTL = time.Hour
	}
	if opts.MaxSkew <= 0 {
		opts.MaxSkew = 15 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Fleet == nil {
		opts.Fleet = NewFleet(nil, nil)
	}
	s := &Server{opts: opts, logger: opts.Logger, fleet: opts.Fleet, done: make(chan struct{})}
	if s.logger == nil {
		s.logger = log.NewNopLogger()
	}
	s.creds.init()
	s.SetRateLimit(opts.RateLimit)
	s.oidc.init(opts.OIDC)
	s.handler = s.routes()
	return s
}

// Start returns a Server listening on opts.ListenAddress (default
// 127.0.0.1:0); s.URL holds its address. Close it when done.
func Start(opts Options) (*Server, error) {
	addr := opts.ListenAddress
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := New(opts)
	s.URL = "http://" + ln.Addr().String()
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = level.Error(s.logger).Log("msg", "stand-in HSS server stopped", "err", err)
		}
	}()
	return s, nil
}

// Close stops the listener (if Start made one), drops open connections and
// releases requests held by a FaultHang.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	if s.httpSrv != nil {
		_ = s.httpSrv.Close()
	}
}

// Shutdown stops the listener gracefully, waiting for answers in flight
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.done) })
	if s.httpSrv == nil {
		return nil
	}
	return s.httpSrv.Shutdown(ctx)
}

// InFlight returns how many requests are being served right now, for
// example held by a FaultHang.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// Handler returns the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Fleet returns the fleet being served.
func (s *Server) Fleet() *Fleet {
	s.fleetMu.RLock()
	defer s.fleetMu.RUnlock()
	return s.fleet
}

// SetFleet replaces the fleet being served; requests in flight finish on the
// old one.
func (s *Server) SetFleet(f *Fleet) {
	if f == nil {
		f = NewFleet(nil, nil)
	}
	s.fleetMu.Lock()
	s.fleet = f
	s.fleetMu.Unlock()
}

// Churn makes n changes to the served fleet (see Fleet.Churn).
func (s *Server) Churn(rng *rand.Rand, n int) (added, removed int) {
	return s.Fleet().Churn(rng, n)
}

func (s *Server) now() time.Time { return s.opts.Now() }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/v5/{project_id}/image/local/containers", s.wrap(OpListLocalImageContainers, http.MethodGet, s.handleContainers))
	mux.Handle("/v5/{project_id}/image/local-repositories", s.wrap(OpListImageLocal, http.MethodGet, s.handleImages))
	mux.Handle("/v5/{project_id}/container/nodes", s.wrap(OpListContainerNodes, http.MethodGet, s.handleNodes))
	mux.Handle("/v5/{project_id}/event/severity", s.wrap(OpShowEventSeverity, http.MethodGet, s.handleEventSeverity))
	mux.Handle("/v5/{project_id}/billing/quotas", s.wrap(OpShowResourceQuotas, http.MethodGet, s.handleQuotas))
	mux.Handle("/v5/{project_id}/container/kubernetes", s.wrap(OpListContainers, http.MethodGet, s.handleKubernetesContainers))
	mux.Handle("/v3/auth/tokens", s.wrap(OpCreateToken, http.MethodPost, s.handleCreateToken))
	mux.Handle("/openstack/latest/securitykey", s.wrap(OpMetadataSecurityKey, http.MethodGet, s.handleSecurityKey))
	mux.Handle("/v3.0/OS-AUTH/id-token/tokens", s.wrap(OpCreateTokenWithIDToken, http.MethodPost, s.handleIDToken))
	mux.Handle("/v3.0/OS-CREDENTIAL/securitytokens", s.wrap(OpCreateTemporaryKeys, http.MethodPost, s.handleSecurityTokens))
	mux.Handle("/", s.wrap(OpUnknown, "", nil))
	return mux
}

// wrap adds what every answer shares: a request id, counting, logging, the
// method check and fault injection.
func (s *Server) wrap(op, method string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		id := s.stats.nextRequestID()
		rec := &recorder{ResponseWriter: w, count: func(code int) { s.stats.count(op, code) }}
		rec.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		defer func() {
			if rec.status == 0 {
				s.stats.count(op, 0) // no answer written: hijacked and dropped
			}
			_ = level.Debug(s.logger).Log("msg", "request", "operation", op, "method", r.Method,
				"code", rec.status, "duration", time.Since(start), "request_id", id)
			rec.closeHijacked()
		}()
		if h == nil || r.Method != method {
			writeGatewayError(rec, r, http.StatusNotFound, "APIG.0101",
				"The API does not exist or has not been published in the environment")
			return
		}
		s.serveWithFaults(op, rec, r, h)
	})
}

type requestIDKey struct{}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

// recorder remembers the status written, so requests can be counted by code.
// A hijacked or never-answered request keeps status 0.
type recorder struct {
	http.ResponseWriter
	status   int
	count    func(code int)
	hijacked []io.Closer
}

// answered records the status and counts the request as the status goes
// out, before the client can read any of the answer: a client that has
// read a whole answer always finds its request counted.
func (r *recorder) answered(code int) {
	if r.status == 0 {
		r.status = code
		r.count(code)
	}
}

// closeLater closes a hijacked connection only after the request is
// counted, so a client that sees the connection drop can already read the
// count.
func (r *recorder) closeLater(c io.Closer) { r.hijacked = append(r.hijacked, c) }

func (r *recorder) closeHijacked() {
	for _, c := range r.hijacked {
		_ = c.Close()
	}
}

func (r *recorder) WriteHeader(code int) {
	r.answered(code)
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.answered(http.StatusOK)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
