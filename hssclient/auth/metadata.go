package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/endpoint"
)

// MetadataConfig configures temporary credentials from the ECS metadata
// service.
type MetadataConfig struct {
	Endpoint   string // default endpoint.Metadata; overridable for tests
	HTTPClient *http.Client
	Observer   Observer
}

// Metadata credential rules: renew when less than max(10m, a third of the
// lifetime) remains, well before expiry as Huawei asks, and well within the
// window in which ECS already hands out the next key.
const (
	metadataMinRefreshMargin = 10 * time.Minute
	metadataMaxBodyBytes     = 64 << 10
)

func metadataRefreshMargin(lifetime time.Duration) time.Duration {
	return max(metadataMinRefreshMargin, lifetime/3)
}

// tempCredentials is a temporary AK/SK with its security token.
type tempCredentials struct {
	access, secret, token string
}

// metadataAuth signs requests with temporary keys from the metadata service.
type metadataAuth struct {
	cfg   MetadataConfig
	url   string
	now   func() time.Time
	cache *credCache[tempCredentials]
}

// NewMetadata returns an Authenticator that signs requests with the
// temporary AK/SK and security token of the VM's IAM agency, read from
// {Endpoint}/openstack/latest/securitykey. They are cached, renewed when
// less than max(10m, 1/3 of their lifetime) remains, fetched once at a time
// however many callers wait, and dropped by Invalidate.
func NewMetadata(cfg MetadataConfig) Authenticator {
	if cfg.Endpoint == "" {
		cfg.Endpoint = endpoint.Metadata
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = transport.DefaultHTTPClient()
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	a := &metadataAuth{
		cfg: cfg,
		url: strings.TrimRight(cfg.Endpoint, "/") + "/openstack/latest/securitykey",
		now: time.Now,
	}
	a.cache = newCredCache(OpMetadata, a.fetch, metadataRefreshMargin)
	return a
}

// Authorize signs req with the current temporary credentials, the security
// token among the signed headers.
func (a *metadataAuth) Authorize(ctx context.Context, req *http.Request, body []byte) error {
	cred, err := a.cache.get(ctx)
	if err != nil {
		return err
	}
	return signWith(req, body, cred.access, cred.secret, cred.token, a.now())
}

// Invalidate drops the cached credentials; the next call reads new ones.
func (a *metadataAuth) Invalidate() bool { return a.cache.invalidate() }

func (a *metadataAuth) String() string { return "ECS metadata(" + a.cfg.Endpoint + ")" }

// GoString keeps %#v from dumping cached keys.
func (a *metadataAuth) GoString() string { return a.String() }

// Format prints String for every verb.
func (a *metadataAuth) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(a.String())) }

func (a *metadataAuth) fetch(ctx context.Context) (tempCredentials, time.Time, error) {
	var none tempCredentials
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.url, nil)
	if err != nil {
		return none, time.Time{}, fmt.Errorf("%s: building request: %w", OpMetadata, transport.StripURL(err))
	}
	resp, data, err := doBounded(a.cfg.HTTPClient, req, OpMetadata, a.cfg.Observer, metadataMaxBodyBytes)
	if err != nil {
		return none, time.Time{}, err
	}
	if resp.StatusCode != http.StatusOK {
		// The body is not quoted: a misbehaving proxy could echo keys in it.
		return none, time.Time{}, &transport.APIError{Operation: OpMetadata, StatusCode: resp.StatusCode}
	}
	return decodeTemporaryKeys(OpMetadata, data)
}
