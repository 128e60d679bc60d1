package hssfake

import (
	"math/rand"
	"slices"
	"strconv"
)

// Churn makes up to n random changes to the fleet, each removing a container or
// starting a new one, and returns how many of each. A new container copies
// the host, pod and cluster of a random existing one and mostly runs its
// image, but sometimes an image that had no containers, so images come and
// go too. A removed pod container leaves both listings (ListContainers and
// ListLocalImageContainers); an added one joins both.
// It also makes n/10 (rounded up) changes to the nodes, as ChurnNodes does,
// drawn from the fleet's own random source so that rng yields the same
// containers as before nodes existed. It is safe while the fleet is being
// served. The containers of a kept image (KeepImage) stay.
func (f *Fleet) Churn(rng *rand.Rand, n int) (added, removed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		if len(f.containers) > 0 && rng.Intn(2) == 0 {
			i := rng.Intn(len(f.containers))
			if f.kept[f.containers[i].ImageID] {
				continue
			}
			f.containers = slices.Delete(f.containers, i, i+1)
			removed++
			continue
		}
		if len(f.images) == 0 {
			continue
		}
		f.containers = append(f.containers, f.newChurnContainer(rng))
		added++
	}
	f.snap = nil
	f.churnNodesLocked(f.posturerng(), (n+9)/10)
	return added, removed
}

func (f *Fleet) newChurnContainer(rng *rand.Rand) Container {
	f.seq++
	var c Container
	if len(f.containers) > 0 {
		c = f.containers[rng.Intn(len(f.containers))]
	} else {
		c = Container{HostID: "churn-host", HostName: "ecs-churn", AgentID: randHex(rng, 64), PrivateIP: "192.168.250.1"}
	}
	if c.ImageID == "" || rng.Intn(5) == 0 {
		c.ImageID = f.images[rng.Intn(len(f.images))].ID
	}
	c.ID = randHex(rng, 64)
	c.Name = "/churn-" + strconv.Itoa(f.seq)
	// A pod container lands in the cluster of the one it copies (its host's)
	// with a state of its own.
	resetKube(&c)
	fillKube(&c, f.kubeRefTime())
	return c
}
