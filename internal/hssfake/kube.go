package hssfake

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// Values of KubeState.Status, as ListContainers reports them.
const (
	KubeRunning    = "Running"
	KubeTerminated = "Terminated"
	KubeWaiting    = "Waiting"
)

// Values of Cluster.Type, as ListContainers reports them.
const (
	ClusterK8s          = "k8s"
	ClusterCCE          = "cce"
	ClusterAli          = "ali"
	ClusterTencent      = "tencent"
	ClusterAzure        = "azure"
	ClusterAWS          = "aws"
	ClusterSelfBuiltHW  = "self_built_hw"
	ClusterSelfBuiltIDC = "self_built_idc"
)

// MaxRestartCount is the largest restart_count HSS reports.
const MaxRestartCount = 20

// Cluster is the Kubernetes cluster a pod container runs in. The zero
// Cluster is a pod container no cluster manages: ListContainers lists it
// with the cluster fields left out.
type Cluster struct {
	Name string
	ID   string
	Type string // a Cluster* constant
}

// Risks counts a container's risks by severity.
type Risks struct {
	Low, Medium, High, Fatal int
}

// Any reports whether there is a risk of any severity (ListContainers'
// risky).
func (r Risks) Any() bool { return r.Low > 0 || r.Medium > 0 || r.High > 0 || r.Fatal > 0 }

// KubeState is what ListContainers adds to a pod container. Only pod
// containers (PodID set) are listed there; plain Docker containers ignore
// it.
type KubeState struct {
	Cluster      Cluster
	Status       string // Running, Terminated, Waiting
	CreateTime   time.Time
	CPULimit     string // "500m", "2"; empty when unlimited
	MemoryLimit  string // "512Mi"; empty when unlimited
	RestartCount int    // 0..MaxRestartCount
	Risks        Risks
}

// kubeEpoch is the reference time of the create times of containers the
// fleet did not generate: the default GenerateOptions.Now.
var kubeEpoch = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

var (
	cpuLimits    = []string{"", "250m", "500m", "1", "2", "4"}
	memoryLimits = []string{"", "256Mi", "512Mi", "1Gi", "2Gi", "8Gi"}
)

// fillKube gives a pod container without a status the rest of its
// KubeState, derived from its ID alone: the same container always gets the
// same state, whichever way (generated, added, churned) it joined the
// fleet, and no random stream of the fleet moves. About 85% run, 10%
// wait, 5% have terminated; 70% never restarted and about 8% crash-loop
// (5 to 20 restarts, waiting more often than not); about 30% carry risks,
// a quarter of those a fatal one. The cluster is left as given.
func fillKube(c *Container, ref time.Time) {
	if c.PodID == "" || c.Kube.Status != "" {
		return
	}
	sum := sha256.Sum256([]byte("kube:" + c.ID))
	b := sum[:]
	k := &c.Kube
	k.Status = KubeRunning
	switch n := percent(b[0]); {
	case n >= 95:
		k.Status = KubeTerminated
	case n >= 85:
		k.Status = KubeWaiting
	}
	switch n := percent(b[1]); {
	case n >= 92:
		k.RestartCount = 5 + int(b[2])%(MaxRestartCount-4)
		if b[3]%3 != 0 {
			k.Status = KubeWaiting // CrashLoopBackOff
		}
	case n >= 70:
		k.RestartCount = 1 + int(b[2])%3
	}
	if percent(b[4]) >= 70 {
		k.Risks = Risks{Low: int(b[5] % 6), Medium: int(b[6] % 4), High: int(b[7] % 3)}
		if b[8]%4 == 0 {
			k.Risks.Fatal = 1 + int(b[9]%2)
		}
		if !k.Risks.Any() {
			k.Risks.Low = 1
		}
	}
	k.CPULimit = cpuLimits[int(b[10])%len(cpuLimits)]
	k.MemoryLimit = memoryLimits[int(b[11])%len(memoryLimits)]
	age := time.Duration(binary.BigEndian.Uint32(b[12:16])%(30*24*3600)) * time.Second
	k.CreateTime = ref.Add(-age).Truncate(time.Millisecond)
}

// percent maps a hash byte onto 0..99 evenly (b%100 would favour 0..55).
func percent(b byte) int { return int(b) * 100 / 256 }

// resetKube forgets the per-container part of c's state, keeping its
// cluster, for a new container that copies another's placement.
func resetKube(c *Container) {
	c.Kube = KubeState{Cluster: c.Kube.Cluster}
}
