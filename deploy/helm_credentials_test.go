package deploy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestChartRefusesDefaultValuesWithoutACredentialsSecret renders the
// default values, whose configuration reads the secret key from the
// mounted Secret: with no credentials.existingSecret the chart refuses,
// saying which target needs it and what to run and set, instead of
// starting a pod without its key. The chart renders no Secret of its own.
func TestChartRefusesDefaultValuesWithoutACredentialsSecret(t *testing.T) {
	t.Parallel()
	_, stderr, err := helmTemplate(t)
	require.Error(t, err, "the default values name no Secret")
	for _, want := range []string{
		`credentials.existingSecret is empty, but target "prod-cn-north-4" reads its credentials from /etc/hss_exporter/secrets/`,
		"kubectl -n monitoring create secret generic hss-exporter-credentials --from-file=secret_key=./secret_key",
		"set credentials.existingSecret=hss-exporter-credentials",
	} {
		require.Contains(t, stderr, want)
	}

	named := renderChart(t, "--set", "credentials.existingSecret=my-keys")
	require.Empty(t, named.kind("Secret"), "the chart never creates the Secret")
	require.Equal(t, "my-keys", dig(t, volume(t, named.one(t, "Deployment"), "secrets"), "secret", "secretName"))
}

// TestChartNeedsNoSecretWhereTheConfigurationReadsNone renders
// credentials that are no file of the Secret: ECS agency credentials, and
// OIDC's projected token. Neither needs credentials.existingSecret, and
// neither mounts one.
func TestChartNeedsNoSecretWhereTheConfigurationReadsNone(t *testing.T) {
	t.Parallel()
	ecs := renderChart(t, "--set-json", `config.targets=[{"name":"ecs","region":"cn-north-4","auth":{"metadata":true}}]`)
	require.Nil(t, volume(t, ecs.one(t, "Deployment"), "secrets"))
	require.Contains(t, ecs.configFile(t, "hss.yml"), "metadata: true")

	oidc := renderChart(t, "-f", valueSet("oidc"))
	require.Nil(t, volume(t, oidc.workload(t), "secrets"))
	require.Empty(t, oidc.kind("Secret"))
}
