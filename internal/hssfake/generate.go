package hssfake

import (
	"math/rand"
	"strconv"
	"time"
)

// GenerateOptions configures Generate. Zero values take defaults that scale
// with Containers.
type GenerateOptions struct {
	Seed       int64
	Containers int       // 10..100,000; default 200
	Images     int       // default Containers/25, at least 5
	Hosts      int       // default Containers/25, at least 2
	Pods       int       // default Containers/2, at least 1
	Now        time.Time // reference for scan and update times; default 2026-11-26T08:00:00Z
	// QuotaSpare is the number of idle protection quotas per edition; an
	// edition mapped to 0 (or left out) has none available. Nil takes the
	// defaults: a tenth of the container edition's used quotas (at least
	// 2), 3 of the basic edition, and none of the enterprise edition that
	// "other" nodes use, so one edition is always exhausted.
	QuotaSpare map[string]int
}

// Bounds of GenerateOptions.Containers.
const (
	MinGeneratedContainers = 10
	MaxGeneratedContainers = 100_000
)

func (o *GenerateOptions) defaults() {
	if o.Containers == 0 {
		o.Containers = 200
	}
	o.Containers = min(max(o.Containers, MinGeneratedContainers), MaxGeneratedContainers)
	if o.Images <= 0 {
		o.Images = max(5, o.Containers/25)
	}
	if o.Hosts <= 0 {
		o.Hosts = max(2, o.Containers/25)
	}
	if o.Pods <= 0 {
		o.Pods = max(1, o.Containers/2)
	}
	if o.Now.IsZero() {
		o.Now = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	}
}

// Enterprise projects other than the default that Generate uses.
const (
	GeneratedEnterpriseProjectA = "5c9b7d4e-2f1a-4a3b-9c8d-0e1f2a3b4c5d"
	GeneratedEnterpriseProjectB = "a1b2c3d4-e5f6-4789-8abc-def012345678"
)

type genHost struct {
	id, name, agent, ip, eip string
	docker                   bool
}

type genPod struct {
	id, name string
	host     int
}

// Generate builds a deterministic fleet from opts.Seed, skewed like a real
// estate: a Zipf-like few images carry most containers and about one image in
// seven carries none; about 30% of containers are plain Docker (no pod
// fields); about 5% of hosts have an elastic IP; a few entry points carry a
// secret-looking argument; about one image in ten (with its containers)
// belongs to a non-default enterprise project. Its nodes, security events
// and quotas are described at genNodes, genEvents and GenerateOptions; its
// Kubernetes clusters and pod container states at genClusters.
func Generate(opts GenerateOptions) *Fleet {
	opts.defaults()
	rng := rand.New(rand.NewSource(opts.Seed))
	hosts := genHosts(rng, opts.Hosts)
	pods := genPods(rng, opts.Pods, hosts)
	images := make([]Image, opts.Images)
	for i := range images {
		images[i] = genImage(rng, i, opts.Now)
	}
	// The images that run containers, in a shuffled popularity order so the
	// busiest image is not always the first one listed.
	used := rng.Perm(len(images))[:max(1, len(images)-max(1, len(images)/7))]
	zipf := rand.NewZipf(rng, 1.4, 1, uint64(len(used)-1))
	var dockerHosts []int
	for i, h := range hosts {
		if h.docker {
			dockerHosts = append(dockerHosts, i)
		}
	}
	containers := make([]Container, opts.Containers)
	for i := range containers {
		img := &images[used[zipf.Uint64()]]
		c := Container{ImageID: img.ID, ID: randHex(rng, 64), EntryPoint: genEntryPoint(rng, img.Name)}
		var h genHost
		if rng.Intn(10) < 3 {
			h = hosts[dockerHosts[rng.Intn(len(dockerHosts))]]
			c.Name = "/" + appName(img.Name) + "-" + strconv.Itoa(i)
		} else {
			p := pods[rng.Intn(len(pods))]
			h = hosts[p.host]
			c.PodID, c.PodName = p.id, p.name
			c.Name = "k8s_" + appName(img.Name) + "_" + p.name + "_default_" + p.id + "_0"
		}
		c.HostID, c.HostName, c.AgentID, c.PrivateIP, c.PublicIP = h.id, h.name, h.agent, h.ip, h.eip
		containers[i] = c
	}
	genClusters(opts.Seed, opts.Now, containers)
	f := &Fleet{images: images, containers: containers, kubeRef: opts.Now}
	genPosture(f, opts, hosts)
	return f
}

func genHosts(rng *rand.Rand, n int) []genHost {
	hosts := make([]genHost, n)
	for i := range hosts {
		h := genHost{id: uuid(rng), agent: randHex(rng, 64),
			ip: "192.168." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250+2)}
		// 30% of hosts run plain Docker, the last one always Kubernetes; with
		// one host it does both.
		h.docker = (i%10 < 3 && i != n-1) || n == 1
		h.name = "ecs-k8s-node-" + strconv.Itoa(i)
		if h.docker {
			h.name = "ecs-docker-" + strconv.Itoa(i)
		}
		if i%20 == 7 || (n < 8 && i == n-1) {
			h.eip = "121.36." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250+1)
		}
		hosts[i] = h
	}
	return hosts
}

func genPods(rng *rand.Rand, n int, hosts []genHost) []genPod {
	var k8s []int
	for i, h := range hosts {
		if !h.docker || len(hosts) == 1 {
			k8s = append(k8s, i)
		}
	}
	pods := make([]genPod, n)
	for i := range pods {
		pods[i] = genPod{id: uuid(rng), host: k8s[rng.Intn(len(k8s))],
			name: podApps[rng.Intn(len(podApps))] + "-" + randHex(rng, 10) + "-" + randHex(rng, 5)}
	}
	return pods
}

const hexDigits = "0123456789abcdef"

func randHex(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := 0; i < n; i += 16 {
		v := rng.Uint64()
		for j := i; j < n && j < i+16; j++ {
			b[j] = hexDigits[v&15]
			v >>= 4
		}
	}
	return string(b)
}

func uuid(rng *rand.Rand) string {
	h := randHex(rng, 32)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
