package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// envValue returns the value of the container's environment variable
// name, and the variable itself.
func envValue(t *testing.T, container any, name string) (string, map[string]any) {
	t.Helper()
	for _, e := range dig(t, container, "env").([]any) {
		if v := e.(map[string]any); v["name"] == name {
			s, _ := v["value"].(string)
			return s, v
		}
	}
	t.Fatalf("no environment variable %s", name)
	return "", nil
}

// TestShardedStatefulSet keeps the sharded layout consistent: as many
// shards as replicas, each pod's shard from its name, and the pod spec of
// the single-replica Deployment, security context and probes included.
func TestShardedStatefulSet(t *testing.T) {
	t.Parallel()
	sts := readYAML(t, "kubernetes/sharded/statefulset.yaml")
	require.Equal(t, "StatefulSet", sts["kind"])
	replicas := dig(t, sts, "spec", "replicas").(int)
	require.GreaterOrEqual(t, replicas, 2)
	require.Equal(t, "Parallel", dig(t, sts, "spec", "podManagementPolicy"))

	c := dig(t, sts, "spec", "template", "spec", "containers", 0)
	total, _ := envValue(t, c, "HSS_EXPORTER_TOTAL_SHARDS")
	require.Equal(t, strconv.Itoa(replicas), total, "HSS_EXPORTER_TOTAL_SHARDS must equal replicas")
	_, podName := envValue(t, c, "POD_NAME")
	require.Equal(t, "metadata.name", dig(t, podName, "valueFrom", "fieldRef", "fieldPath"))
	args := dig(t, c, "args").([]any)
	require.Contains(t, args, "--shard.from-pod-name")

	// The pod is the base's pod, plus the shard's flag and environment.
	base := readYAML(t, "kubernetes/deployment.yaml")
	basePod := dig(t, base, "spec", "template", "spec").(map[string]any)
	pod := dig(t, sts, "spec", "template", "spec").(map[string]any)
	for _, key := range []string{"securityContext", "automountServiceAccountToken", "volumes"} {
		require.Equal(t, basePod[key], pod[key], "pod %s differs from deployment.yaml", key)
	}
	baseC := dig(t, basePod, "containers", 0).(map[string]any)
	for _, key := range []string{"name", "image", "ports", "livenessProbe", "readinessProbe", "resources", "securityContext", "volumeMounts"} {
		require.Equal(t, baseC[key], c.(map[string]any)[key], "container %s differs from deployment.yaml", key)
	}
	require.Equal(t, dig(t, baseC, "args"), slices.DeleteFunc(slices.Clone(args), func(a any) bool { return a == "--shard.from-pod-name" }))
	require.Nil(t, baseC["env"], "the base sets no environment the shards would lack")

	// Selectors: StatefulSet -> pods <- headless Service <- ServiceMonitor.
	podLabels := dig(t, sts, "spec", "template", "metadata", "labels")
	require.Equal(t, podLabels, dig(t, sts, "spec", "selector", "matchLabels"))
	require.NotEqual(t, dig(t, base, "spec", "selector", "matchLabels"), podLabels,
		"the shards' pods need a label of their own, or a leftover Deployment would count as theirs")
	svc := readYAML(t, "kubernetes/sharded/service.yaml")
	require.Equal(t, dig(t, svc, "metadata", "name"), dig(t, sts, "spec", "serviceName"))
	require.Equal(t, "None", dig(t, svc, "spec", "clusterIP"), "headless: every pod is an endpoint")
	require.Equal(t, true, dig(t, svc, "spec", "publishNotReadyAddresses"))
	require.Equal(t, podLabels, dig(t, svc, "spec", "selector"))
	require.Equal(t, "http-metrics", dig(t, svc, "spec", "ports", 0, "targetPort"))
	sm := readYAML(t, "kubernetes/sharded/servicemonitor.yaml")
	require.Equal(t, dig(t, svc, "metadata", "labels"), dig(t, sm, "spec", "selector", "matchLabels"))
	require.Equal(t, "http-metrics", dig(t, sm, "spec", "endpoints", 0, "port"))
}

// TestShardedServiceMonitorRelabeling applies the ServiceMonitor's shard
// relabeling as Prometheus does (anchored regex) to the StatefulSet's pod
// names, and to a second StatefulSet's (an HA pair): pod i is shard i.
func TestShardedServiceMonitorRelabeling(t *testing.T) {
	t.Parallel()
	sm := readYAML(t, "kubernetes/sharded/servicemonitor.yaml")
	sts := readYAML(t, "kubernetes/sharded/statefulset.yaml")
	var job, shard map[string]any
	for _, r := range dig(t, sm, "spec", "endpoints", 0, "relabelings").([]any) {
		switch rl := r.(map[string]any); rl["targetLabel"] {
		case "job":
			job = rl
		case "shard":
			shard = rl
		}
	}
	require.NotNil(t, job, "relabeling to job")
	require.Equal(t, "hss_exporter", job["replacement"], "the alert rules select job=hss_exporter")
	require.NotNil(t, shard, "relabeling to shard")
	require.Equal(t, []any{"__meta_kubernetes_pod_name"}, shard["sourceLabels"])
	re := regexp.MustCompile("^(?:" + shard["regex"].(string) + ")$")
	name := dig(t, sts, "metadata", "name").(string)
	for _, set := range []string{name, name + "-b"} {
		for i := range dig(t, sts, "spec", "replicas").(int) + 8 {
			pod := fmt.Sprintf("%s-%d", set, i)
			m := re.FindStringSubmatchIndex(pod)
			require.NotNil(t, m, pod)
			got := string(re.ExpandString(nil, shard["replacement"].(string), pod, m))
			require.Equal(t, strconv.Itoa(i), got, pod)
		}
	}
}
