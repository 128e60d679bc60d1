package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// surfaces are every page an operator or a scraper can read.
var surfaces = []string{"/metrics", "/", "/readyz", "/healthz", "/status", "/api/v1/status"}

// runAndCollect starts the exporter on config at debug level, waits until
// its first refresh has an outcome (readyz turns 200 or names the last
// error), reads every surface, stops it as SIGTERM does and returns all it
// wrote and served.
func runAndCollect(t *testing.T, config string) string {
	t.Helper()
	r := startExporter(t, "--config.file="+config, "--log.level=debug")
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body, err := httpGet(http.DefaultClient, r.base+"/readyz")
		if err == nil && (code == http.StatusOK || strings.Contains(body, "last error")) {
			break
		}
		require.True(t, time.Now().Before(deadline), "no refresh outcome within 20s; logs:\n%s", r.logs.String())
		time.Sleep(50 * time.Millisecond)
	}
	var all strings.Builder
	for _, path := range surfaces {
		_, body, err := httpGet(http.DefaultClient, r.base+path)
		require.NoError(t, err)
		all.WriteString(path + ":\n" + body + "\n")
	}
	r.stop(t)
	all.WriteString("logs:\n" + r.logs.String())
	return all.String()
}

// requireNoSecret fails when text holds any secret, naming where.
func requireNoSecret(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if i := strings.Index(text, s); i >= 0 {
			start := max(0, i-300)
			t.Fatalf("secret %q leaked:\n...%s...", s, text[start:min(len(text), i+len(s)+100)])
		}
	}
}

// TestNoSecretReachesLogsPagesOrMetrics runs the exporter through every
// failure path it can meet with known secrets: a wrong secret key, a wrong
// IAM password, tokens expiring (and expired on arrival), and hostile
// servers that echo the Authorization header, X-Auth-Token and
// X-Security-Token back in every field of their errors. Not one secret,
// token, security token or signature may appear in the debug logs, the
// metrics, the landing, readiness and status pages.
func TestNoSecretReachesLogsPagesOrMetrics(t *testing.T) {
	t.Parallel()
	secrets := []string{leakSK, leakPassword, leakSecurityToken, leakIssuedToken, leakTempSecret, leakTempToken, leakEntryPoint,
		leakIDToken, leakFederated}
	const (
		aksk      = "      access_key: LEAKCHECKACCESSKEY01\n      secret_key_file: DIR/sk"
		temporary = aksk + "\n      security_token_file: DIR/token"
		metadata  = "      metadata: true\n      metadata_endpoint: URL"
	)
	oidc := func(url, idp string) string {
		return "      oidc: {idp_id: " + idp + ", id_token_file: DIR/id-token, endpoint: " + url + "}"
	}
	iam := func(url, user, password string) string {
		return "      iam: {endpoint: " + url + ", domain: " + user + ", username: " + user + ", password_file: 'DIR/" + password + "'}"
	}
	fake := func(t *testing.T, fleet *hssfake.Fleet, faults ...hssfake.Fault) *hssfake.Server {
		if fleet == nil {
			fleet = hssfake.Generate(hssfake.GenerateOptions{Seed: 1, Containers: 30})
		}
		srv := startStandIn(t, hssfake.DemoOptions(fleet))
		for _, f := range faults {
			srv.AddFault(f)
		}
		return srv
	}
	type setup struct {
		endpoint, auth, extra string
		h                     *hostileHSS
		succeeds              bool
	}
	hostile := func(t *testing.T, auth func(url string) string) setup {
		h := newHostileHSS(t)
		return setup{endpoint: h.URL, auth: auth(h.URL), h: h}
	}
	cases := []struct {
		name  string
		setup func(t *testing.T) setup
	}{
		{"wrong secret key", func(t *testing.T) setup { return setup{endpoint: fake(t, nil).URL, auth: aksk} }},
		{"wrong IAM password", func(t *testing.T) setup {
			s := fake(t, nil)
			return setup{endpoint: s.URL, auth: iam(s.URL, hssfake.DemoIAMUser, "password")}
		}},
		{"token expired mid-refresh", func(t *testing.T) setup {
			s := fake(t, nil, hssfake.Fault{Operation: hssfake.OpListImageLocal, Kind: hssfake.FaultStatus, Status: 401, Times: 1})
			return setup{endpoint: s.URL, auth: iam(s.URL, hssfake.DemoIAMUser, "demo-password"), succeeds: true}
		}},
		{"entry_point with secrets and container_info on", func(t *testing.T) setup {
			fleet := hssfake.NewFleet([]hssfake.Image{{ID: "i1", Name: "app", Version: "1"}}, []hssfake.Container{
				{ImageID: "i1", ID: "c1", Name: "/app", HostID: "h1", HostName: "ecs-1",
					EntryPoint: "app --db-password=" + leakEntryPoint + " --token " + leakEntryPoint},
			})
			auth := "      access_key: " + hssfake.DemoAccessKey + "\n      secret_key_file: DIR/demo-sk"
			return setup{endpoint: fake(t, fleet).URL, auth: auth, extra: "    container_info: true\n", succeeds: true}
		}},
		{"hostile echo of AK/SK", func(t *testing.T) setup { return hostile(t, func(string) string { return aksk }) }},
		{"hostile echo of temporary AK/SK", func(t *testing.T) setup { return hostile(t, func(string) string { return temporary }) }},
		{"hostile echo of the IAM token", func(t *testing.T) setup {
			return hostile(t, func(url string) string { return iam(url, "u", "password") })
		}},
		{"hostile echo of metadata credentials", func(t *testing.T) setup {
			return hostile(t, func(url string) string { return strings.ReplaceAll(metadata, "URL", url) })
		}},
		{"IAM token expired on arrival", func(t *testing.T) setup {
			s := hostile(t, func(url string) string { return iam(url, "u", "password") })
			s.h.iamExpired = true
			return s
		}},
		{"IAM refuses and echoes the password", func(t *testing.T) setup {
			return hostile(t, func(url string) string { return iam(url, "other", "password") })
		}},
		{"stand-in IAM refuses the ID token", func(t *testing.T) setup {
			s := fake(t, nil)
			return setup{endpoint: s.URL, auth: oidc(s.URL, hssfake.DemoIdpID)}
		}},
		{"hostile echo of OIDC temporary keys", func(t *testing.T) setup {
			return hostile(t, func(url string) string { return oidc(url, "hss-leak-idp") })
		}},
		{"IAM refuses and echoes the ID token", func(t *testing.T) setup {
			return hostile(t, func(url string) string { return oidc(url, "hss-other-idp") })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := tc.setup(t)
			out := runAndCollect(t, leakConfig(t, st.endpoint, st.auth, st.extra))
			all := append([]string(nil), secrets...)
			if st.h != nil {
				sigs := st.h.seenSignatures()
				all = append(all, sigs...)
				if strings.Contains(st.auth, "access_key") || strings.Contains(st.auth, "metadata") ||
					strings.Contains(st.auth, "hss-leak-idp") {
					require.NotEmpty(t, sigs, "the hostile server saw signed requests")
				}
				if st.h.calls.Load() > 0 || strings.Contains(tc.name, "echoes") {
					require.Contains(t, out, "[REDACTED]", "the echo reached the logs, cut")
				}
			}
			requireNoSecret(t, out, all...)
			if st.succeeds {
				require.Contains(t, out, `hss_up{target="leak"} 1`)
			} else {
				require.Contains(t, out, "level=error", "the failure is logged")
			}
		})
	}
}
