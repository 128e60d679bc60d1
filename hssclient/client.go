package hssclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/endpoint"
)

// Config configures a Client. Zero values take the documented defaults.
type Config struct {
	Region    string // required; sent as the region header
	ProjectID string // required; path parameter and X-Project-Id
	Endpoint  string // default endpoint.HSS(Region)
	Auth      auth.Authenticator

	HTTPClient *http.Client // default: a client with transport timeouts and no redirects
	UserAgent  string       // default "hss_exporter"

	PageSize          int     // 0: MaxPageSize; stepped down to 100, 50, then 10, on a 400 (see walk)
	RequestsPerSecond float64 // token bucket rate, a ceiling within Budget; 0 = unlimited
	// Budget, when set, limits the calls of each operation per minute; it
	// is shared by every client that calls HSS as the same user. A 429
	// then waits out its window in the budget instead of backing off.
	Budget *budget.Budget
	// AuthBackoff, when set, holds the calls made with the credentials
	// after the API or IAM refused them; it is shared by every client
	// that authenticates as the same identity. Without one the client
	// keeps its own, stepping by auth.DefaultBackoffStep.
	AuthBackoff    *auth.Backoff
	MaxConcurrency int           // in-flight requests; 0 = unlimited
	MaxRetries     int           // retries per request; default 4; negative = none
	RequestTimeout time.Duration // per attempt (config's request_timeout); 0 = none beyond HTTPClient's
	MaxBodyBytes   int64         // cap on a 200 answer; default 1 MiB + 8 KiB per row asked for

	RetryBaseDelay    time.Duration // first backoff step for 5xx and network errors; default 500ms
	ThrottleBaseDelay time.Duration // first backoff step for 429 without Retry-After; default 2s
	MaxRetryDelay     time.Duration // cap on one backoff sleep; default 30s
	Observer          Observer
	// Now is the clock of what the client remembers for a while (a smaller
	// page size); default time.Now.
	Now func() time.Time
}

// Client talks to the HSS v5 image APIs of one project in one region.
// It is safe for concurrent use.
type Client struct {
	cfg     Config
	base    *url.URL
	limiter *rate.Limiter
	slots   chan struct{}
	// pageSizes remembers the page size each endpoint accepts.
	pageSizes *pageSizes
	refusals  *auth.Backoff
	maxPages  int // maxPages; tests lower it
	sleep     func(ctx context.Context, d time.Duration) error
}

// DefaultMaxRetries is Config.MaxRetries when not set (config has no key
// for it).
const DefaultMaxRetries = 4

// maxPages caps the pages of one listing, so a total_num that keeps
// drifting upwards cannot page forever: 2,000,000 rows at the largest page.
const maxPages = 10000

// New returns a client for cfg, or an error naming what is missing.
func New(cfg Config) (*Client, error) {
	if cfg.Region == "" || cfg.ProjectID == "" {
		return nil, errors.New("hssclient: region and project_id are required")
	}
	if cfg.Auth == nil {
		return nil, errors.New("hssclient: no authentication configured")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = endpoint.HSS(cfg.Region)
	}
	base, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("hssclient: endpoint %q is not an absolute http(s) URL", cfg.Endpoint)
	}
	applyDefaults(&cfg)
	c := &Client{cfg: cfg, base: base, limiter: rate.NewLimiter(rate.Inf, 0), sleep: sleepContext, refusals: cfg.AuthBackoff,
		maxPages: maxPages}
	if c.refusals == nil {
		c.refusals = auth.NewBackoff(auth.DefaultBackoffStep, auth.BackoffOptions{})
	}
	if cfg.RequestsPerSecond > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), max(1, int(cfg.RequestsPerSecond)))
	}
	if cfg.MaxConcurrency > 0 {
		c.slots = make(chan struct{}, cfg.MaxConcurrency)
	}
	c.pageSizes = newPageSizes(cfg.PageSize, cfg.Now)
	return c, nil
}

func applyDefaults(cfg *Config) {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = transport.DefaultHTTPClient()
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "hss_exporter"
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = MaxPageSize
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.RetryBaseDelay <= 0 {
		cfg.RetryBaseDelay = 500 * time.Millisecond
	}
	if cfg.ThrottleBaseDelay <= 0 {
		cfg.ThrottleBaseDelay = 2 * time.Second
	}
	if cfg.MaxRetryDelay <= 0 {
		cfg.MaxRetryDelay = 30 * time.Second
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
}

// PageSize is the page size listings of op use, after any step-down.
func (c *Client) PageSize(op string) int { return c.pageSizes.size(op) }

// ListLocalImageContainers fetches one page of containers.
func (c *Client) ListLocalImageContainers(ctx context.Context, req ListContainersRequest) (*ContainerPage, error) {
	q := url.Values{}
	setIfNotEmpty(q, "enterprise_project_id", req.EnterpriseProjectID)
	setIfNotEmpty(q, "image_digest", req.ImageDigest)
	setIfNotEmpty(q, "image_name", req.ImageName)
	setIfNotEmpty(q, "image_version", req.ImageVersion)
	setIfNotEmpty(q, "container_id", req.ContainerID)
	setIfNotEmpty(q, "agent_id", req.AgentID)
	setPaging(q, req.Offset, req.Limit)
	var page ContainerPage
	if err := c.get(ctx, OpListContainers, "image/local/containers", q, page.stream(req.Offset)); err != nil {
		return nil, err
	}
	return &page, nil
}

// ListImageLocal fetches one page of local images.
func (c *Client) ListImageLocal(ctx context.Context, req ListImagesRequest) (*ImagePage, error) {
	q := url.Values{}
	setIfNotEmpty(q, "enterprise_project_id", req.EnterpriseProjectID)
	setIfNotEmpty(q, "image_name", req.ImageName)
	setIfNotEmpty(q, "image_version", req.ImageVersion)
	setIfNotEmpty(q, "scan_status", req.ScanStatus)
	setIfNotEmpty(q, "local_image_type", req.LocalImageType)
	setIfNotEmpty(q, "host_name", req.HostName)
	setIfNotEmpty(q, "host_id", req.HostID)
	setIfNotEmpty(q, "container_id", req.ContainerID)
	setBool(q, "has_vul", req.HasVul)
	setBool(q, "has_container", req.HasContainer)
	setPaging(q, req.Offset, req.Limit)
	var page ImagePage
	if err := c.get(ctx, OpListImages, "image/local-repositories", q, page.stream(req.Offset)); err != nil {
		return nil, err
	}
	return &page, nil
}

func setIfNotEmpty(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}

func setBool(q url.Values, key string, value *bool) {
	if value != nil {
		q.Set(key, fmt.Sprint(*value))
	}
}

func setPaging(q url.Values, offset int64, limit int) {
	q.Set("offset", fmt.Sprint(offset))
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
