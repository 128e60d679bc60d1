package hssclient_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// The black-box tests run the client against the stand-in server
// (hssfake), which follows the real API; these are their shared helpers.

// startFake serves a generated fleet with the demo credentials.
func startFake(t *testing.T, containers int) *hssfake.Server {
	t.Helper()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 7, Containers: containers})
	srv, err := hssfake.Start(hssfake.DemoOptions(fleet))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// fakeClient is a client of srv with quick backoff, tweaked as a test needs.
func fakeClient(t *testing.T, srv *hssfake.Server, authn auth.Authenticator, tweak func(*hssclient.Config)) *hssclient.Client {
	t.Helper()
	cfg := hssclient.Config{
		Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: srv.URL, Auth: authn,
		RetryBaseDelay: time.Millisecond, ThrottleBaseDelay: time.Millisecond, MaxRetryDelay: 10 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := hssclient.New(cfg)
	require.NoError(t, err)
	return c
}

// demoAKSK signs with the stand-in's demo keys.
func demoAKSK() auth.Authenticator {
	return auth.NewAKSK(hssfake.DemoAccessKey, hssfake.DemoSecretKey, "")
}

// inventory lists every image, then every image's containers, like a refresh.
// A listing whose list moved under it still counts its rows; the last
// *MovedError is returned with the counts.
func inventory(t *testing.T, c *hssclient.Client) (map[hssfake.ImageKey]int, error) {
	t.Helper()
	ctx := context.Background()
	var moved error // a *MovedError of a listing, returned with the counts
	var images []hssclient.LocalImage
	err := c.EachImage(ctx, hssclient.ListImagesRequest{EnterpriseProjectID: hssfake.AllEnterpriseProjects}, func(img hssclient.LocalImage) error {
		images = append(images, img)
		return nil
	})
	if err != nil {
		return nil, err
	}
	counts := map[hssfake.ImageKey]int{}
	for _, img := range images {
		key := hssfake.ImageKey{Name: img.ImageName, Version: img.ImageVersion, Digest: img.ImageDigest}
		counts[key] += 0
		if img.ContainerNum == 0 {
			continue
		}
		err := c.EachContainer(ctx, hssclient.ListContainersRequest{
			EnterpriseProjectID: hssfake.AllEnterpriseProjects, ImageName: img.ImageName, ImageVersion: img.ImageVersion,
		}, func(hssclient.Container) error { counts[key]++; return nil })
		var movedErr *hssclient.MovedError
		switch {
		case errors.As(err, &movedErr):
			moved = err // every row was passed on; the caller judges
		case err != nil:
			return nil, err
		}
	}
	return counts, moved
}

// callLog is an Observer that keeps every attempt and retry.
type callLog struct {
	mu      sync.Mutex
	codes   map[int]int
	retries map[string]int
}

func newCallLog() *callLog { return &callLog{codes: map[int]int{}, retries: map[string]int{}} }

func (l *callLog) RequestDone(_ string, code int, _ time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.codes[code]++
}

func (l *callLog) Retry(_, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.retries[reason]++
}

func (l *callLog) snapshot() (map[int]int, map[string]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	codes, retries := map[int]int{}, map[string]int{}
	for k, v := range l.codes {
		codes[k] = v
	}
	for k, v := range l.retries {
		retries[k] = v
	}
	return codes, retries
}
