package hssfake

import (
	"math/rand"
	"time"
)

// clusterSeed separates the clusters' random stream from the inventory's
// and the posture's, so adding clusters left every generated image,
// container and node as it was.
const clusterSeed = 0xc1a5_7e25

// generatedClusters are the clusters Generate spreads the Kubernetes hosts
// over, in the order hosts fill them: most in a CCE cluster, then a
// self-built one in a data centre, then a plain Kubernetes one.
var generatedClusters = []struct {
	name, typ string
	share     int // percent of the Kubernetes hosts, rounded up
}{
	{"cce-prod", ClusterCCE, 60},
	{"idc-batch", ClusterSelfBuiltIDC, 25},
	{"k8s-edge", ClusterK8s, 15},
}

// genClusters places every Kubernetes host (a host that runs pods) in one
// of generatedClusters, in a random order, and gives every pod container
// its host's cluster and its state (see fillKube). With one Kubernetes
// host there is one cluster, with two there are two, from three on all
// three.
func genClusters(seed int64, now time.Time, containers []Container) {
	rng := rand.New(rand.NewSource(seed ^ clusterSeed))
	clusters := make([]Cluster, len(generatedClusters))
	for i, gc := range generatedClusters {
		clusters[i] = Cluster{Name: gc.name, ID: uuid(rng), Type: gc.typ}
	}
	var hosts []string // Kubernetes hosts, in order of first pod container
	seen := map[string]bool{}
	for _, c := range containers {
		if c.PodID != "" && !seen[c.HostID] {
			seen[c.HostID] = true
			hosts = append(hosts, c.HostID)
		}
	}
	rng.Shuffle(len(hosts), func(i, j int) { hosts[i], hosts[j] = hosts[j], hosts[i] })
	clusterOf := make(map[string]Cluster, len(hosts))
	next := 0
	for i, gc := range generatedClusters {
		later := len(generatedClusters) - i - 1
		n := (len(hosts)*gc.share + 99) / 100
		n = max(1, min(n, len(hosts)-next-later)) // a host left for each later cluster
		if later == 0 {
			n = len(hosts) - next
		}
		for _, h := range hosts[next:min(next+n, len(hosts))] {
			clusterOf[h] = clusters[i]
		}
		next = min(next+n, len(hosts))
	}
	for i := range containers {
		c := &containers[i]
		if c.PodID != "" {
			c.Kube.Cluster = clusterOf[c.HostID]
			fillKube(c, now)
		}
	}
}
