package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// writeSelfSignedCert writes a throwaway loopback certificate and key.
func writeSelfSignedCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

// writeWebConfig writes an exporter-toolkit web config serving TLS with a
// throwaway certificate and, when user is not empty, basic auth for user
// with password. It returns the file's path.
func writeWebConfig(t *testing.T, user, password string) string {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := writeSelfSignedCert(t, dir)
	text := fmt.Sprintf("tls_server_config: {cert_file: %s, key_file: %s}\n", certFile, keyFile)
	if user != "" {
		text += fmt.Sprintf("basic_auth_users: {%s: %s}\n", user, bcryptHash(t, password))
	}
	path := filepath.Join(dir, "web.yml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// tlsTestClient trusts the throwaway certificate of writeWebConfig.
func tlsTestClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

func bcryptHash(t *testing.T, password string) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	require.NoError(t, err)
	return string(hash)
}

func TestTLSAndBasicAuth(t *testing.T) {
	t.Parallel()
	webConfig := writeWebConfig(t, "prometheus", "scrape-password")
	r := startExporter(t, "--demo", "--web.config.file="+webConfig)
	base := strings.Replace(r.base, "http://", "https://", 1)
	client := tlsTestClient()
	waitFor(t, client, base+"/healthz", http.StatusUnauthorized)

	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	require.NoError(t, err)
	req.SetBasicAuth("prometheus", "scrape-password")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	code, _, err := httpGet(http.DefaultClient, r.base+"/metrics")
	require.True(t, err != nil || code == http.StatusBadRequest, "plain HTTP is refused once TLS is on")
}

// TestTwoListenAddressesBehindTLSAndBasicAuth serves two addresses with a
// web config. exporter-toolkit writes the shared server's handler and TLS
// config once per listener, a data race (go test -race fails) when one
// server serves both; each address now has its own.
func TestTwoListenAddressesBehindTLSAndBasicAuth(t *testing.T) {
	t.Parallel()
	webConfig := writeWebConfig(t, "prometheus", "scrape-password")
	r := startExporter(t, "--demo", "--web.config.file="+webConfig, anyPort)
	require.Len(t, r.bases, 2)
	client := tlsTestClient()
	for _, base := range []string{strings.Replace(r.bases[0], "http://", "https://", 1), strings.Replace(r.bases[1], "http://", "https://", 1)} {
		waitFor(t, client, base+"/metrics", http.StatusUnauthorized)
		req, err := http.NewRequest(http.MethodGet, base+"/status", nil)
		require.NoError(t, err)
		req.SetBasicAuth("prometheus", "scrape-password")
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, base)
	}
	r.stop(t)
}

// TestStatusIsBehindTLSAndBasicAuth checks the page and its JSON twin are
// guarded by --web.config.file exactly like /metrics.
func TestStatusIsBehindTLSAndBasicAuth(t *testing.T) {
	t.Parallel()
	webConfig := writeWebConfig(t, "ops", "status-password")
	r := startExporter(t, "--demo", "--web.config.file="+webConfig)
	base := strings.Replace(r.base, "http://", "https://", 1)
	client := tlsTestClient()
	waitFor(t, client, base+"/status", http.StatusUnauthorized)

	for _, path := range []string{"/status", "/api/v1/status"} {
		t.Run(path, func(t *testing.T) {
			for _, tc := range []struct {
				user, password string
				want           int
			}{{"", "", http.StatusUnauthorized}, {"ops", "wrong", http.StatusUnauthorized}, {"ops", "status-password", http.StatusOK}} {
				req, err := http.NewRequest(http.MethodGet, base+path, nil)
				require.NoError(t, err)
				if tc.user != "" {
					req.SetBasicAuth(tc.user, tc.password)
				}
				resp, err := client.Do(req)
				require.NoError(t, err)
				resp.Body.Close()
				require.Equal(t, tc.want, resp.StatusCode, "user %q", tc.user)
			}
			code, _, err := httpGet(http.DefaultClient, r.base+path)
			require.True(t, err != nil || code == http.StatusBadRequest, "plain HTTP is refused once TLS is on")
		})
	}
}
