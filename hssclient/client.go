package hssclient

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Config configures a Client. Zero values take the documented defaults.
type Config struct {
	Region    string // required; sent as the region header
	ProjectID string // required; path parameter and X-Project-Id
	Endpoint  string // default DefaultEndpoint(Region)
	Auth      Authenticator

	HTTPClient *http.Client // default: a client with sane transport timeouts
	UserAgent  string       // default "hss_exporter/<unknown>"

	PageSize          int           // default 200; stepped down to 100, then 10, on a 400
	RequestsPerSecond float64       // token bucket rate; 0 = unlimited
	Burst             int           // default max(1, ceil(RequestsPerSecond))
	MaxConcurrency    int           // in-flight requests; 0 = unlimited
	MaxRetries        int           // retries per request; default 4; -1 = none
	RequestTimeout    time.Duration // per attempt; default 30s
	MaxPages          int           // cap on pages per listing; default 10000
	MaxBodyBytes      int64         // cap on a response body; default 64 MiB
	Observer          Observer
}

// Client talks to the HSS v5 image APIs of one project in one region.
// It is safe for concurrent use.
type Client struct {
	cfg Config
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	return nil, errors.New("not implemented")
}

// ListLocalImageContainers fetches one page of containers.
func (c *Client) ListLocalImageContainers(ctx context.Context, req ListContainersRequest) (*ContainerPage, error) {
	return nil, errors.New("not implemented")
}

// ListImageLocal fetches one page of local images.
func (c *Client) ListImageLocal(ctx context.Context, req ListImagesRequest) (*ImagePage, error) {
	return nil, errors.New("not implemented")
}

// EachContainer walks every page of containers matching req (Offset and
// Limit are managed by the pager) and calls fn once per distinct
// container_id. It returns the first error of the API or of fn.
func (c *Client) EachContainer(ctx context.Context, req ListContainersRequest, fn func(Container) error) error {
	return errors.New("not implemented")
}

// EachImage walks every page of local images matching req and calls fn once
// per distinct image.
func (c *Client) EachImage(ctx context.Context, req ListImagesRequest, fn func(LocalImage) error) error {
	return errors.New("not implemented")
}
