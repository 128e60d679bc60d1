package hssclient_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

// Rotated keys, each unique so a leak is easy to spot.
const (
	newAccessKey = "HSSROTATEDACCESSKEY2"
	newSecretKey = "rotated-secret-key-ROT2"
)

// secretVolume lays files out as Kubernetes mounts a Secret: each name is a
// symlink through ..data to a timestamped directory, and an update writes a
// new directory and swaps ..data with a rename, all keys at once.
type secretVolume struct {
	t   *testing.T
	dir string
	gen int
}

func newSecretVolume(t *testing.T, files map[string]string) *secretVolume {
	v := &secretVolume{t: t, dir: t.TempDir()}
	v.update(files)
	for name := range files {
		require.NoError(t, os.Symlink(filepath.Join("..data", name), filepath.Join(v.dir, name)))
	}
	return v
}

func (v *secretVolume) path(name string) string { return filepath.Join(v.dir, name) }

// update writes a new generation and swaps ..data to it atomically.
func (v *secretVolume) update(files map[string]string) {
	v.gen++
	gen := fmt.Sprintf("..2026_11_27_08_00_%02d.%d", v.gen, v.gen)
	require.NoError(v.t, os.Mkdir(filepath.Join(v.dir, gen), 0o755))
	for name, content := range files {
		require.NoError(v.t, os.WriteFile(filepath.Join(v.dir, gen, name), []byte(content), 0o400))
	}
	tmp := filepath.Join(v.dir, "..data_tmp")
	require.NoError(v.t, os.Symlink(gen, tmp))
	require.NoError(v.t, os.Rename(tmp, filepath.Join(v.dir, "..data")))
}

// reloads records what OnReload hears.
type reloads struct {
	mu   sync.Mutex
	errs []error
	oks  int
}

func (r *reloads) hear(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs = append(r.errs, err)
	} else {
		r.oks++
	}
}

func (r *reloads) get() (oks int, errs []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.oks, append([]error(nil), r.errs...)
}

// rotatingSetup serves the demo fleet and signs with keys read from a
// Kubernetes-style Secret volume, checked every minute of a fake clock.
func rotatingSetup(t *testing.T) (*hssfake.Server, *hssclient.Client, *secretVolume, *testclock.Clock, *reloads) {
	srv := startFake(t, 20)
	vol := newSecretVolume(t, map[string]string{
		"access_key": hssfake.DemoAccessKey + "\n", "secret_key": hssfake.DemoSecretKey + "\n"})
	clk, heard := testclock.New(time.Now()), &reloads{}
	authn := auth.NewRotatingAKSK(auth.AKSKConfig{
		AccessKey: auth.Credential{Value: hssfake.DemoAccessKey, File: vol.path("access_key")},
		SecretKey: auth.Credential{Value: hssfake.DemoSecretKey, File: vol.path("secret_key")},
		Rotation:  auth.RotationOptions{CheckInterval: time.Minute, Now: clk.Now, OnReload: heard.hear},
	})
	return srv, fakeClient(t, srv, authn, nil), vol, clk, heard
}

func listOnce(c *hssclient.Client) error {
	_, err := c.ListImageLocal(context.Background(), hssclient.ListImagesRequest{EnterpriseProjectID: hssfake.AllEnterpriseProjects})
	return err
}

// requireNoKey fails when text holds any key, old or new.
func requireNoKey(t *testing.T, text string) {
	t.Helper()
	for _, k := range []string{hssfake.DemoSecretKey, newSecretKey, hssfake.DemoIAMPassword, "rotated-password-ROT3"} {
		require.NotContains(t, text, k)
	}
}

func TestRotatedKeysUsedWithoutRestart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// after rotating the server's and the volume's keys
		next func(clk *testclock.Clock)
	}{
		// The periodic look finds the new files before any request fails.
		{"at the next check", func(clk *testclock.Clock) { clk.Advance(time.Minute) }},
		// The API refuses the old key before the check is due: the refusal
		// makes the files be looked at, and the request is retried once.
		{"on the refusal", func(*testclock.Clock) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, vol, clk, heard := rotatingSetup(t)
			require.NoError(t, listOnce(c))
			srv.RotateAccessKey(newAccessKey, newSecretKey)
			vol.update(map[string]string{"access_key": newAccessKey + "\n", "secret_key": newSecretKey + "\n"})
			tc.next(clk)
			srv.ResetCounts()
			require.NoError(t, listOnce(c))
			require.NoError(t, listOnce(c))
			oks, errs := heard.get()
			require.Equal(t, 1, oks, "one rotation heard")
			require.Empty(t, errs)
			failures := srv.AuthFailures()
			for _, f := range failures {
				require.Equal(t, hssfake.DemoAccessKey, f.AccessKey, "only the old key may be refused")
			}
			if tc.name == "at the next check" {
				require.Empty(t, failures, "the old key is not used once the check found the new one")
			} else {
				require.Len(t, failures, 1, "one refusal of the old key, then the new one")
			}
			require.Equal(t, 2, srv.Requests(hssfake.OpListImageLocal, 200))
		})
	}
}

func TestBrokenRotationKeepsTheWorkingKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, want string
		breakIt    func(v *secretVolume)
	}{
		{"empty secret key", "the file is empty", func(v *secretVolume) {
			v.update(map[string]string{"access_key": newAccessKey, "secret_key": "\n"})
		}},
		{"secret key removed", "no such file or directory", func(v *secretVolume) {
			v.update(map[string]string{"access_key": newAccessKey})
		}},
		{"unreadable", "", func(v *secretVolume) {
			v.update(map[string]string{"access_key": newAccessKey, "secret_key": newSecretKey})
			require.NoError(t, os.Remove(filepath.Join(v.dir, "..data")))
			require.NoError(t, os.Symlink("/dev/null", filepath.Join(v.dir, "..data")))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, vol, clk, heard := rotatingSetup(t)
			require.NoError(t, listOnce(c))
			tc.breakIt(vol)
			for range 3 {
				clk.Advance(time.Minute)
				require.NoError(t, listOnce(c), "the old keys still sign")
			}
			require.Empty(t, srv.AuthFailures(), "the half-new pair was never used")
			oks, errs := heard.get()
			require.Zero(t, oks)
			require.Len(t, errs, 1, "a failure is told once, not at every check")
			msg := errs[0].Error()
			require.Contains(t, msg, vol.path("secret_key")[:len(vol.dir)], "names the file")
			require.Contains(t, msg, "keeping the previous credentials")
			require.Contains(t, msg, tc.want)
			requireNoKey(t, msg)

			// Repaired: the next check takes the new pair.
			srv.RotateAccessKey(newAccessKey, newSecretKey)
			vol.update(map[string]string{"access_key": newAccessKey, "secret_key": newSecretKey})
			clk.Advance(time.Minute)
			require.NoError(t, listOnce(c))
			oks, _ = heard.get()
			require.Equal(t, 1, oks)
		})
	}
}

// A refused key whose files have not changed is not retried: HSS locks an
// access key after five failures.
func TestRefusedKeyNotRetriedWithoutRotation(t *testing.T) {
	t.Parallel()
	srv, c, _, _, _ := rotatingSetup(t)
	srv.RotateAccessKey(newAccessKey, newSecretKey)
	err := listOnce(c)
	require.Error(t, err)
	require.Len(t, srv.AuthFailures(), 1)
	requireNoKey(t, err.Error())
	requireNoKey(t, fmt.Sprintf("%v %+v %#v", err, c, auth.Credential{Value: newSecretKey, File: "/x"}))
}

func TestRotatedIAMPasswordUsedForTheNextToken(t *testing.T) {
	t.Parallel()
	srv := startFake(t, 20)
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "password")
	require.NoError(t, os.WriteFile(pwFile, []byte(hssfake.DemoIAMPassword+"\n"), 0o600))
	heard := &reloads{}
	authn := auth.NewIAM(auth.IAMConfig{
		Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain, Username: hssfake.DemoIAMUser,
		Password: hssfake.DemoIAMPassword, PasswordFile: pwFile, ProjectID: hssfake.DemoProjectID,
		Rotation: auth.RotationOptions{CheckInterval: time.Hour, OnReload: heard.hear},
	})
	c := fakeClient(t, srv, authn, nil)
	require.NoError(t, listOnce(c))

	// The password changes and the tokens are revoked: the refused token is
	// dropped, the file is read again, and the new token comes from it.
	srv.RotateIAMPassword("rotated-password-ROT3")
	require.NoError(t, os.WriteFile(pwFile+".new", []byte("rotated-password-ROT3\n"), 0o600))
	require.NoError(t, os.Rename(pwFile+".new", pwFile))
	srv.ExpireTokens()
	srv.ResetCounts()
	require.NoError(t, listOnce(c))
	require.Equal(t, 1, srv.Requests(hssfake.OpCreateToken, 201), "one token, with the new password")
	require.Zero(t, srv.Requests(hssfake.OpCreateToken, 401), "the old password was not tried again")
	oks, errs := heard.get()
	require.Equal(t, 1, oks)
	require.Empty(t, errs)

	// An emptied file keeps the last good password for the next token.
	require.NoError(t, os.WriteFile(pwFile, nil, 0o600))
	srv.ExpireTokens()
	require.NoError(t, listOnce(c))
	_, errs = heard.get()
	require.Len(t, errs, 1)
	require.True(t, strings.Contains(errs[0].Error(), pwFile), errs[0].Error())
	requireNoKey(t, errs[0].Error())
}
