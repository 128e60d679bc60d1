package deploy

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// TestChartLints runs helm lint --strict with each value set: the schema
// (values.schema.json) and the templates.
func TestChartLints(t *testing.T) {
	t.Parallel()
	for _, set := range []string{"credentials", "sharded", "oidc", "tls", "storage"} {
		args := []string{"lint", "--strict", chartDir, "-f", valueSet(set)}
		require.Contains(t, runTool(t, ".", testtool.Helm, args...), "1 chart(s) linted, 0 chart(s) failed", set)
	}
}

// TestChartDefaultIsTheKustomizeBase renders the default values (with
// the credentials Secret, which a user must name): one
// Deployment with the kustomize base's pod (security context, probes,
// memory), the credentials Secret mounted, the Service, ServiceMonitor
// and the PrometheusRule of alerts.yml and kube-join.rules.yml, and a configuration the exporter
// accepts.
func TestChartDefaultIsTheKustomizeBase(t *testing.T) {
	t.Parallel()
	r := renderDefaults(t)
	require.Empty(t, r.kind("StatefulSet"))
	require.Empty(t, r.kind("Secret"), "credentials come from an existing Secret")
	d := r.one(t, "Deployment")
	require.Equal(t, 1, dig(t, d, "spec", "replicas"))

	base := readYAML(t, "kubernetes/deployment.yaml")
	basePod := dig(t, base, "spec", "template", "spec").(map[string]any)
	baseC := dig(t, basePod, "containers", 0).(map[string]any)
	require.Equal(t, basePod["securityContext"], podSpec(t, d)["securityContext"], "pod securityContext as in the kustomize base")
	require.Equal(t, false, podSpec(t, d)["automountServiceAccountToken"])
	c := container(t, d)
	for _, key := range []string{"securityContext", "ports", "resources"} {
		require.Equal(t, baseC[key], c[key], "container %s as in the kustomize base", key)
	}
	require.Equal(t, "512Mi", dig(t, c, "resources", "limits", "memory"), "docs/design.md's 512 MiB per 100,000 containers")
	for _, probe := range []string{"livenessProbe", "readinessProbe"} {
		require.Equal(t, dig(t, baseC, probe, "httpGet", "path"), dig(t, c, probe, "httpGet", "path"))
		require.Equal(t, "HTTP", dig(t, c, probe, "httpGet", "scheme"))
	}
	require.Equal(t, []string{"--config.file=/etc/hss_exporter/config/hss.yml", "--log.format=json", "--log.level=info",
		"--storage.path=/var/lib/hss_exporter", "--web.enable-lifecycle"}, args(t, d))
	require.Equal(t, dig(t, volume(t, base, "storage"), "emptyDir"), dig(t, volume(t, d, "storage"), "emptyDir"),
		"state kept in an emptyDir, as in the kustomize base")
	require.Equal(t, "hss-exporter-credentials", dig(t, volume(t, d, "secrets"), "secret", "secretName"))

	// Service <- ServiceMonitor, and the pod's labels.
	podLabels := dig(t, d, "spec", "template", "metadata", "labels")
	svc := r.one(t, "Service")
	require.Equal(t, podLabels, dig(t, svc, "spec", "selector"))
	require.Nil(t, dig(t, svc, "spec").(map[string]any)["clusterIP"], "one pod behind a ClusterIP")
	sm := r.one(t, "ServiceMonitor")
	require.Equal(t, podLabels, dig(t, sm, "spec", "selector", "matchLabels"))
	require.Equal(t, "hss_exporter", dig(t, sm, "spec", "endpoints", 0, "relabelings", 0, "replacement"),
		"the alert rules select job=hss_exporter")
	require.Equal(t, allRuleGroups(t), dig(t, r.one(t, "PrometheusRule"), "spec", "groups"))
	require.Equal(t, dig(t, podSpec(t, d), "serviceAccountName"), dig(t, r.one(t, "ServiceAccount"), "metadata", "name"))

	// The configuration loads, with the Secret's file where it is mounted.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret_key"), []byte("a-secret-key"), 0o600))
	text := strings.ReplaceAll(r.configFile(t, "hss.yml"), mountPath(t, d, "secrets")+"/", dir+"/")
	cfg, err := config.Parse([]byte(text), dir)
	require.NoError(t, err, "%s", text)
	require.Len(t, cfg.Targets, 1)
}

// TestChartShardsRunAStatefulSet renders three shards: each pod takes its
// shard from its name, the headless Service makes every pod an endpoint,
// and the ServiceMonitor labels each pod's series with its shard.
func TestChartShardsRunAStatefulSet(t *testing.T) {
	t.Parallel()
	r := renderChart(t, "-f", valueSet("sharded"))
	require.Empty(t, r.kind("Deployment"))
	require.Empty(t, r.kind("PersistentVolumeClaim"), "a StatefulSet claims its volumes itself")
	s := r.one(t, "StatefulSet")
	replicas := dig(t, s, "spec", "replicas").(int)
	require.Equal(t, 3, replicas)
	require.Equal(t, "Parallel", dig(t, s, "spec", "podManagementPolicy"))
	c := container(t, s)
	total, _ := envValue(t, c, "HSS_EXPORTER_TOTAL_SHARDS")
	require.Equal(t, strconv.Itoa(replicas), total)
	_, podName := envValue(t, c, "POD_NAME")
	require.Equal(t, "metadata.name", dig(t, podName, "valueFrom", "fieldRef", "fieldPath"))
	require.Contains(t, args(t, s), "--shard.from-pod-name")
	require.Equal(t, "512Mi", dig(t, c, "resources", "limits", "memory"), "300,000 containers over 3 shards")

	svc := r.one(t, "Service")
	require.Equal(t, "None", dig(t, svc, "spec", "clusterIP"))
	require.Equal(t, dig(t, svc, "metadata", "name"), dig(t, s, "spec", "serviceName"))
	podLabels := dig(t, s, "spec", "template", "metadata", "labels").(map[string]any)
	require.Equal(t, "shard", podLabels["app.kubernetes.io/component"], "a leftover Deployment's pod is no shard")
	sm := r.one(t, "ServiceMonitor")
	require.Equal(t, "kube-prometheus-stack", dig(t, sm, "metadata", "labels", "release"))
	shard := dig(t, sm, "spec", "endpoints", 0, "relabelings", 1)
	require.Equal(t, "shard", dig(t, shard, "targetLabel"))
	require.Equal(t, readYAML(t, "kubernetes/sharded/servicemonitor.yaml")["spec"].(map[string]any)["endpoints"].([]any)[0].(map[string]any)["relabelings"],
		dig(t, sm, "spec", "endpoints", 0, "relabelings"), "the same relabeling as the kustomize overlay")

	require.Contains(t, args(t, s), "--storage.path=/var/lib/hss_exporter")
	require.Equal(t, "/var/lib/hss_exporter", mountPath(t, s, "storage"))
	require.Equal(t, "2Gi", dig(t, s, "spec", "volumeClaimTemplates", 0, "spec", "resources", "requests", "storage"))
}

// TestChartOIDCMountsAProjectedTokenAndNoSecret renders federated
// identity: the ServiceAccount token projected for the identity
// provider's audience, where the configuration reads it, and no Secret.
func TestChartOIDCMountsAProjectedTokenAndNoSecret(t *testing.T) {
	t.Parallel()
	r := renderChart(t, "-f", valueSet("oidc"))
	d := r.workload(t)
	require.Nil(t, volume(t, d, "secrets"), "no Secret holds a credential")
	require.Empty(t, r.kind("Secret"))
	token := dig(t, volume(t, d, "oidc"), "projected", "sources", 0, "serviceAccountToken")
	require.Equal(t, "hss-exporter", dig(t, token, "audience"))
	require.Equal(t, 3600, dig(t, token, "expirationSeconds"))
	tokenFile := mountPath(t, d, "oidc") + "/" + dig(t, token, "path").(string)
	require.Equal(t, "/var/run/secrets/tokens/oidc-token", tokenFile)
	text := r.configFile(t, "hss.yml")
	require.Contains(t, text, "id_token_file: "+tokenFile, "the configuration reads the projected token")
	// The exporter loads it, with a token where the kubelet puts it.
	local := filepath.Join(t.TempDir(), "oidc-token")
	require.NoError(t, os.WriteFile(local, []byte("eyJ.example.jwt\n"), 0o600))
	cfg, err := config.Parse([]byte(strings.ReplaceAll(text, tokenFile, local)), filepath.Dir(local))
	require.NoError(t, err, "%s", text)
	require.Len(t, cfg.Targets, 1)
	require.Equal(t, dig(t, token, "audience"), dig(t, readYAML(t, "kubernetes-oidc/deployment-patch.yaml"),
		"spec", "template", "spec", "volumes", 1, "projected", "sources", 0, "serviceAccountToken", "audience"),
		"the same audience as the kustomize OIDC overlay")
	sa := r.one(t, "ServiceAccount")
	require.Equal(t, dig(t, sa, "metadata", "name"), podSpec(t, d)["serviceAccountName"], "the token is this ServiceAccount's")
	require.Equal(t, false, podSpec(t, d)["automountServiceAccountToken"], "no API token besides the projected one")
}

// TestChartTLSServesHTTPS renders TLS from an existing Secret: the web
// config the toolkit reads, HTTPS probes, and a ServiceMonitor that trusts
// the CA.
func TestChartTLSServesHTTPS(t *testing.T) {
	t.Parallel()
	r := renderChart(t, "-f", valueSet("tls"))
	d := r.workload(t)
	require.Contains(t, args(t, d), "--web.config.file=/etc/hss_exporter/config/web.yml")
	c := decodeWebConfig(t, r.configFile(t, "web.yml"))
	tlsDir := mountPath(t, d, "tls")
	require.Equal(t, tlsDir+"/tls.crt", c.TLSConfig.TLSCertPath)
	require.Equal(t, tlsDir+"/tls.key", c.TLSConfig.TLSKeyPath)
	require.Equal(t, "max-age=31536000", c.HTTPConfig.Header["Strict-Transport-Security"])
	require.Equal(t, "hss-exporter-tls", dig(t, volume(t, d, "tls"), "secret", "secretName"))
	cont := container(t, d)
	for _, probe := range []string{"livenessProbe", "readinessProbe"} {
		require.Equal(t, "HTTPS", dig(t, cont, probe, "httpGet", "scheme"))
	}
	ep := dig(t, r.one(t, "ServiceMonitor"), "spec", "endpoints", 0)
	require.Equal(t, "https", dig(t, ep, "scheme"))
	require.Equal(t, "ca.crt", dig(t, ep, "tlsConfig", "ca", "secret", "key"))
}

// TestChartStorageOnADeployment renders the optional volume for one
// replica: a claim, the flag, and Recreate, since a ReadWriteOnce volume
// cannot move to the new pod while the old one holds it.
func TestChartStorageOnADeployment(t *testing.T) {
	t.Parallel()
	r := renderChart(t, "-f", valueSet("storage"))
	d := r.one(t, "Deployment")
	require.Equal(t, "Recreate", dig(t, d, "spec", "strategy", "type"))
	pvc := r.one(t, "PersistentVolumeClaim")
	require.Equal(t, dig(t, pvc, "metadata", "name"), dig(t, volume(t, d, "storage"), "persistentVolumeClaim", "claimName"))
	require.Equal(t, "standard", dig(t, pvc, "spec", "storageClassName"))
	require.Contains(t, args(t, d), "--storage.path=/var/lib/hss_exporter")

	off := renderDefaults(t, "--set", "storage.enabled=false").one(t, "Deployment")
	require.NotContains(t, strings.Join(args(t, off), " "), "--storage.path", "no flag without the volume")
	require.Nil(t, volume(t, off, "storage"))
	require.Equal(t, "RollingUpdate", dig(t, renderDefaults(t).one(t, "Deployment"), "spec", "strategy", "type"),
		"an emptyDir does not hold a rollout up")
}

// TestChartSizesMemoryFromTheFleet checks the sizing of docs/design.md: 512 MiB per
// 100,000 containers, divided over the shards, at least 128 MiB, request
// equal to the limit; explicit resources replace it.
func TestChartSizesMemoryFromTheFleet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		set  []string
		want string
	}{
		{[]string{"--set", "sizing.containers=50000"}, "256Mi"},
		{[]string{"--set", "sizing.containers=250000"}, "1280Mi"},
		{[]string{"--set", "sizing.containers=250000", "--set", "shards=4"}, "320Mi"},
		{[]string{"--set", "sizing.containers=1000"}, "128Mi"},
	}
	for _, tt := range tests {
		c := container(t, renderDefaults(t, tt.set...).workload(t))
		require.Equal(t, tt.want, dig(t, c, "resources", "limits", "memory"), "%v", tt.set)
		require.Equal(t, tt.want, dig(t, c, "resources", "requests", "memory"), "%v", tt.set)
	}
	c := container(t, renderDefaults(t, "--set", "resources.limits.memory=3Gi").workload(t))
	require.Equal(t, map[string]any{"limits": map[string]any{"memory": "3Gi"}}, c["resources"])
}
