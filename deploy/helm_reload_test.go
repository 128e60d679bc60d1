package deploy

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// containerNamed returns the pod's container of that name, or nil.
func containerNamed(t *testing.T, workload object, name string) map[string]any {
	t.Helper()
	for _, c := range podSpec(t, workload)["containers"].([]any) {
		if c.(map[string]any)["name"] == name {
			return c.(map[string]any)
		}
	}
	return nil
}

// podAnnotations returns the pod template's annotations.
func podAnnotations(t *testing.T, workload object) map[string]any {
	t.Helper()
	a, _ := dig(t, workload, "spec", "template", "metadata").(map[string]any)["annotations"].(map[string]any)
	return a
}

// TestChartConfigChangeReloadsWithoutARestart renders a change of config
// with the default values: the pod template stays the same, so nothing
// rolls (no new pod without the stored state, no surge pod doubling the
// API calls); the configmap-reload sidecar watches the exporter's config
// directory and posts /-/reload to the exporter's port, and the exporter
// runs with --web.enable-lifecycle, without which it answers 403.
func TestChartConfigChangeReloadsWithoutARestart(t *testing.T) {
	t.Parallel()
	for _, set := range [][]string{nil, {"-f", valueSet("sharded")}} {
		before := renderDefaults(t, set...)
		after := renderDefaults(t, append(set, "--set", "config.global.refresh_interval=10m")...)
		require.NotEqual(t, before.configFile(t, "hss.yml"), after.configFile(t, "hss.yml"))
		require.Equal(t, dig(t, before.workload(t), "spec", "template"), dig(t, after.workload(t), "spec", "template"),
			"%v: a change of config must not roll the pods", set)
		require.NotContains(t, podAnnotations(t, before.workload(t)), "checksum/config")

		w := before.workload(t)
		exporter := container(t, w)
		require.Contains(t, args(t, w), "--web.enable-lifecycle")
		sidecar := containerNamed(t, w, "config-reload")
		require.NotNil(t, sidecar, "the reload sidecar")
		require.Equal(t, "ghcr.io/jimmidyson/configmap-reload:v0.15.0", sidecar["image"])
		port := dig(t, exporter, "ports", 0, "containerPort")
		require.ElementsMatch(t, []any{
			"--volume-dir=" + mountPath(t, w, "config"),
			fmt.Sprintf("--webhook-url=http://127.0.0.1:%v/-/reload", port),
			"--web.listen-address=127.0.0.1:9533",
		}, sidecar["args"], "watches the directory the exporter reads, posts to the exporter's port")
		require.Equal(t, []any{map[string]any{"name": "config", "mountPath": mountPath(t, w, "config"), "readOnly": true}},
			sidecar["volumeMounts"], "sees only the configuration")
		require.Equal(t, exporter["securityContext"], sidecar["securityContext"])
		require.Nil(t, sidecar["ports"], "opens no port beyond the pod")
	}
}

// TestChartRollsOnConfigChangeOnlyWhenAskedTo checks the opt-in: with
// reload.rollOnChange a change of config changes the checksum/config
// annotation, and so rolls the pods; podAnnotations render either way.
func TestChartRollsOnConfigChangeOnlyWhenAskedTo(t *testing.T) {
	t.Parallel()
	roll := []string{"--set", "reload.rollOnChange=true"}
	before := podAnnotations(t, renderDefaults(t, roll...).workload(t))
	after := podAnnotations(t, renderDefaults(t, append(roll, "--set", "config.global.refresh_interval=10m")...).workload(t))
	require.NotEmpty(t, before["checksum/config"])
	require.NotEqual(t, before["checksum/config"], after["checksum/config"], "a change of config rolls the pods")

	require.Equal(t, map[string]any{"example.com/team": "sre"},
		podAnnotations(t, renderDefaults(t, "--set", "podAnnotations.example\\.com/team=sre").workload(t)))
	tls := renderChart(t, "-f", valueSet("tls")).workload(t)
	require.Contains(t, podAnnotations(t, tls), "checksum/config", "the TLS value set rolls instead")

	// Where the pods roll, a claim keeps the state across the roll.
	kept := renderDefaults(t, append(roll, "-f", valueSet("storage"))...)
	d := kept.one(t, "Deployment")
	require.Equal(t, dig(t, kept.one(t, "PersistentVolumeClaim"), "metadata", "name"),
		dig(t, volume(t, d, "storage"), "persistentVolumeClaim", "claimName"))
	require.Equal(t, "Recreate", dig(t, d, "spec", "strategy", "type"))
}

// TestChartReloadSidecarOff leaves the sidecar out, and with it the flag
// that lets anyone reaching the port ask for a reload.
func TestChartReloadSidecarOff(t *testing.T) {
	t.Parallel()
	w := renderDefaults(t, "--set", "reload.sidecar.enabled=false").workload(t)
	require.Len(t, podSpec(t, w)["containers"], 1)
	require.NotContains(t, args(t, w), "--web.enable-lifecycle")
}

// TestChartRefusesAReloadSidecarItsPortRefuses renders the sidecar with
// TLS or basic auth on the exporter's port, where its plain,
// credential-less POST would fail on every change: the chart refuses and
// says what to set instead.
func TestChartRefusesAReloadSidecarItsPortRefuses(t *testing.T) {
	t.Parallel()
	for _, set := range [][]string{
		{"-f", valueSet("tls"), "--set", "reload.sidecar.enabled=true"},
		{"-f", valueSet("credentials"), "--set-json", `web.extraConfig={"basic_auth_users":{"prometheus":"$2y$10$abcdefghijklmnopqrstuv"}}`},
	} {
		_, stderr, err := helmTemplate(t, set...)
		require.Error(t, err, "%v", set)
		require.Contains(t, stderr, "reload.sidecar posts /-/reload over plain HTTP without credentials")
		require.Contains(t, stderr, "set reload.sidecar.enabled=false")
	}
}

// TestChartREADMETellsTheReloadTheTemplatesDo keeps the chart's README to
// what the templates above do.
func TestChartREADMETellsTheReloadTheTemplatesDo(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(chartDir + "/README.md")
	require.NoError(t, err)
	text := strings.Join(strings.Fields(string(data)), " ")
	for _, want := range []string{"`reload.sidecar.enabled`", "`reload.rollOnChange`", "`checksum/config`",
		"`--web.enable-lifecycle`", "ghcr.io/jimmidyson/configmap-reload", "`storage.persistent`"} {
		require.Contains(t, text, want)
	}
}
