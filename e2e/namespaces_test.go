package e2e

import (
	"errors"
	"fmt"
	"maps"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

// kubePod is one pod as kube_pod_info describes it.
type kubePod struct{ namespace, name, node string }

// elsewhereNode is the node kube_pod_info gives one pod: a name HSS reports
// for no host, so that pod's containers must join no namespace.
const elsewhereNode = "node-hss-does-not-know"

// kubeStateMetrics stands in for kube-state-metrics: kube_pod_info in the
// text exposition on loopback, served by two replicas as an HA pair of
// kube-state-metrics is scraped, so every pod has its series twice.
type kubeStateMetrics struct {
	info    *prometheus.GaugeVec
	targets []string // host:port of each replica
}

func startKubeStateMetrics(t *testing.T) *kubeStateMetrics {
	t.Helper()
	reg := prometheus.NewRegistry()
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kube_pod_info", Help: "Information about pod."},
		[]string{"namespace", "pod", "uid", "host_ip", "pod_ip", "node", "created_by_kind", "created_by_name", "priority_class", "host_network"})
	reg.MustRegister(info)
	k := &kubeStateMetrics{info: info}
	for range 2 {
		srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		t.Cleanup(srv.Close)
		k.targets = append(k.targets, srv.Listener.Addr().String())
	}
	return k
}

// serve publishes the pods' kube_pod_info.
func (k *kubeStateMetrics) serve(pods map[string]kubePod) {
	for i, name := range slices.Sorted(maps.Keys(pods)) {
		p := pods[name]
		k.info.WithLabelValues(p.namespace, p.name, fmt.Sprintf("uid-%d", i), "", "", p.node,
			"ReplicaSet", "", "", "false").Set(1)
	}
}

// kubePodsOf makes kube_pod_info's pods from the stand-in's fleet: each
// pod on the node named as HSS's host, in one of two namespaces, except
// the pod with most containers, which kube_pod_info puts on elsewhereNode.
func kubePodsOf(baseURL string) (map[string]kubePod, error) {
	hosts, containers := map[string]string{}, map[string]int{}
	err := eachDemoContainer(baseURL, func(_ hssclient.LocalImage, c hssclient.Container) {
		if c.PodName != "" {
			hosts[c.PodName] = c.HostName
			containers[c.PodName]++
		}
	})
	if err != nil {
		return nil, err
	}
	if len(hosts) < 3 {
		return nil, fmt.Errorf("the demo fleet has %d pods, want at least 3", len(hosts))
	}
	names := slices.Sorted(maps.Keys(hosts))
	busiest := slices.MaxFunc(names, func(a, b string) int { return containers[a] - containers[b] })
	pods := map[string]kubePod{}
	for i, name := range names {
		p := kubePod{namespace: []string{"team-a", "team-b"}[i%2], name: name, node: hosts[name]}
		if name == busiest {
			p.node = elsewhereNode
		}
		pods[name] = p
	}
	return pods, nil
}

// namespaceCounts are containers by namespace, and by namespace|image|version.
type namespaceCounts struct {
	namespaces, images map[string]float64
	unjoined           float64 // containers of pods kube_pod_info puts on another node
}

func (a namespaceCounts) equal(b namespaceCounts) bool {
	return maps.Equal(a.namespaces, b.namespaces) && maps.Equal(a.images, b.images)
}

func (a namespaceCounts) String() string {
	return fmt.Sprintf("namespaces %v, %d namespace images", a.namespaces, len(a.images))
}

// namespaceTruth joins the stand-in's containers to the pods in Go: a
// container counts in its pod's namespace when its host is the pod's node.
func namespaceTruth(baseURL string, pods map[string]kubePod) (namespaceCounts, error) {
	n := namespaceCounts{namespaces: map[string]float64{}, images: map[string]float64{}}
	err := eachDemoContainer(baseURL, func(img hssclient.LocalImage, c hssclient.Container) {
		p, ok := pods[c.PodName]
		switch {
		case !ok:
		case p.node != c.HostName:
			n.unjoined++
		default:
			n.namespaces[p.namespace]++
			n.images[p.namespace+"|"+img.ImageName+"|"+img.ImageVersion]++
		}
	})
	return n, err
}

// exportedNamespaces reads the recording rules as the dashboard does.
func exportedNamespaces(p promAPI) (namespaceCounts, error) {
	n := namespaceCounts{namespaces: map[string]float64{}, images: map[string]float64{}}
	samples, err := p.query(`sum by (namespace) (max by (target, namespace, shard) (hss:namespace_containers{target="demo"}))`)
	if err != nil {
		return n, err
	}
	for _, s := range samples {
		n.namespaces[s.Metric["namespace"]] = s.Value
	}
	samples, err = p.query(`sum by (namespace, image_name, image_version) ` +
		`(max by (target, namespace, image_name, image_version, shard) (hss:namespace_image_containers{target="demo"}))`)
	for _, s := range samples {
		n.images[s.Metric["namespace"]+"|"+s.Metric["image_name"]+"|"+s.Metric["image_version"]] = s.Value
	}
	return n, err
}

// checkNamespaces compares the namespace recording rules, evaluated by
// Prometheus over the exporter and two replicas of kube_pod_info, with the
// join computed in Go, when the fleet did not churn while reading.
func checkNamespaces(t *testing.T, s *stack) {
	eventually(t, "each pod's kube_pod_info scraped from both replicas", func() error {
		v, err := s.prom.scalar(`count(kube_pod_info)`)
		if err == nil && v != float64(2*len(s.kubePods)) {
			err = fmt.Errorf("%v series of kube_pod_info for %d pods", v, len(s.kubePods))
		}
		return err
	})
	eventually(t, "namespaces recorded equal to the join of the fleet", func() error {
		before, err := namespaceTruth(s.demoAPI, s.kubePods)
		if err != nil {
			return err
		}
		got, err := exportedNamespaces(s.prom)
		if err != nil {
			return err
		}
		after, err := namespaceTruth(s.demoAPI, s.kubePods)
		if err != nil {
			return err
		}
		if !before.equal(after) || before.unjoined != after.unjoined {
			return errors.New("the fleet churned while reading")
		}
		if !got.equal(before) {
			return fmt.Errorf("recorded %v; joined in Go %v", got, before)
		}
		if len(got.namespaces) != 2 || before.unjoined == 0 {
			return fmt.Errorf("want two namespaces and a pod left out: %v, %v containers left out", got, before.unjoined)
		}
		t.Logf("recorded %v; %v containers of the pod on %s left out", got, before.unjoined, elsewhereNode)
		return nil
	})
}
