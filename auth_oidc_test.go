package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// counterValue is the value of the series of mf whose labels include all
// of want; 0 when there is none.
func counterValue(mf *dto.MetricFamily, want map[string]string) float64 {
	for _, m := range mf.GetMetric() {
		matched := 0
		for _, l := range m.GetLabel() {
			if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
				matched++
			}
		}
		if matched == len(want) {
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// TestOIDCTargetBecomesReadyWithExactCounts runs the exporter with OIDC
// workload identity, from the file and from the SDK's variables, against
// the stand-in IAM and HSS: the inventory is exact and the exchange ran
// once.
func TestOIDCTargetBecomesReadyWithExactCounts(t *testing.T) {
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 120})
	srv := startStandIn(t, hssfake.DemoOptions(fleet))
	dir := t.TempDir()
	token := filepath.Join(dir, "oidc-token")
	require.NoError(t, os.WriteFile(token, []byte(hssfake.DemoIDToken+"\n"), 0o600))
	target := `global: {api_calls_per_minute: 6000}
targets:
  - name: cce
    region: %s
    project_id: %s
    endpoint: %s
    enterprise_project_id: all_granted_eps
    images: {discover: true}
%s`
	for _, tc := range []struct {
		name, auth string
		env        map[string]string
	}{
		{"auth.oidc", fmt.Sprintf("    auth: {oidc: {idp_id: %s, id_token_file: %s, endpoint: %s}}\n", hssfake.DemoIdpID, token, srv.URL), nil},
		{"environment", "", map[string]string{config.EnvIdpID: hssfake.DemoIdpID, config.EnvIDTokenFile: token,
			config.EnvIAMEndpoint: srv.URL, config.EnvAccessKey: "", config.EnvSecretKey: ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			srv.ResetCounts()
			file := filepath.Join(t.TempDir(), "hss.yml")
			text := fmt.Sprintf(target, hssfake.DemoRegion, hssfake.DemoProjectID, srv.URL, tc.auth)
			require.NoError(t, os.WriteFile(file, []byte(text), 0o600))
			r := startExporter(t, "--config.file="+file)
			waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
			families := waitForInventory(t, http.DefaultClient, r.base)
			require.Equal(t, float64(fleet.Truth(hssfake.AllEnterpriseProjects).Containers), sumGauge(families["hss_image_containers"]))
			require.Equal(t, 1.0, sumGauge(families["hss_up"]))
			requests := families["hss_exporter_api_requests_total"]
			for _, op := range []string{hssfake.OpCreateTokenWithIDToken, hssfake.OpCreateTemporaryKeys} {
				require.Equal(t, 1.0, counterValue(requests, map[string]string{"operation": op, "code": "201"}), op)
			}
			require.Empty(t, srv.AuthFailures())
		})
	}
}

// TestConfigCheckValidatesOIDC: --config.check reads the oidc block, the
// token file included, and names every problem with its line.
func TestConfigCheckValidatesOIDC(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	token := filepath.Join(dir, "oidc-token")
	require.NoError(t, os.WriteFile(token, []byte("eyJ.secret-jwt.sig\n"), 0o600))
	check := func(auth string) (int, string) {
		file := filepath.Join(dir, "hss.yml")
		require.NoError(t, os.WriteFile(file, []byte(`targets:
  - name: cce
    region: cn-north-4
    project_id: p1
    images: {discover: true}
    auth:
      oidc: `+auth+"\n"), 0o600))
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"--config.check", "--config.file=" + file}, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	code, out := check("{idp_id: cce-idp, id_token_file: oidc-token}")
	require.Equal(t, 0, code, out)
	code, out = check("{idp_id: 'bad idp', id_token_file: missing}")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, `:7:22: targets[0].auth.oidc.idp_id: the value (not shown: values under auth may be secrets) is not an identity provider ID`)
	require.Contains(t, out, `:7:48: targets[0].auth.oidc.id_token_file: cannot read the file it names: no such file or directory`)
	require.NotContains(t, out, "bad idp", "no value under auth is quoted")
	require.NotContains(t, out, "secret-jwt")
}
