package inventory

import (
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/shard"
)

// owned returns the refs this replica lists and exports, in their order,
// when the target's images are split between replicas (see package shard).
//
// Ownership is decided per overlap group, not per image alone. A container
// query by name and version also lists the containers of every other image
// with that tag, a query by digest those of every image with that digest,
// and a query by a name configured without version those of every tag of
// that name; a single process counts such a container once, under the first
// image in the refresh's order. So images are grouped when they share a
// tag, a non-empty digest or such a name, directly or through another image
// discovery returned (selected or not), and the whole group goes to the shard of its
// smallest identity key. Every container of a discovered image is then
// listed by one group only, hence by one shard, which counts it exactly as
// the single process does. Nearly every group is one image, whose owner is
// its own key's.
//
// refs must already have their queries planned over the whole list, so
// every shard plans the same query for the same image.
func owned(spec shard.Spec, target string, refs []imageRef, found []hssclient.LocalImage) []imageRef {
	if !spec.Sharded() {
		return refs
	}
	g := newGroups()
	for _, r := range refs {
		if r.name != "" && r.version == "" && r.digest == "" {
			g.wholeNames[r.name] = true
		}
	}
	for i := range found {
		g.link(found[i].ImageName, found[i].ImageVersion, found[i].ImageDigest, -1)
	}
	for i, r := range refs {
		g.link(r.name, r.version, r.digest, i)
	}
	// The group's key is its smallest member key, so the owner depends
	// only on the group's members, never on the order they arrived in.
	keys := make([]string, len(refs))
	groupKey := map[int]string{}
	for i, r := range refs {
		keys[i] = shard.Key(target, r.name, r.version, r.digest)
		root := g.find(g.ref(i))
		if k, ok := groupKey[root]; !ok || keys[i] < k {
			groupKey[root] = keys[i]
		}
	}
	out := make([]imageRef, 0, len(refs)/spec.Count()+1)
	for i := range refs {
		if spec.Owns(groupKey[g.find(g.ref(i))]) {
			out = append(out, refs[i])
		}
	}
	return out
}

// groups is a union-find over images, tags and digests.
type groups struct {
	parent     []int
	ids        map[string]int  // tag or digest -> node
	refs       map[int]int     // ref index -> node
	wholeNames map[string]bool // names configured without version: their query lists every tag
}

func newGroups() *groups {
	return &groups{ids: map[string]int{}, refs: map[int]int{}, wholeNames: map[string]bool{}}
}

func (g *groups) node() int {
	g.parent = append(g.parent, len(g.parent))
	return len(g.parent) - 1
}

func (g *groups) named(kind byte, parts ...string) int {
	key := string(kind)
	for _, p := range parts {
		key += "\x00" + p
	}
	n, ok := g.ids[key]
	if !ok {
		n = g.node()
		g.ids[key] = n
	}
	return n
}

func (g *groups) ref(i int) int {
	n, ok := g.refs[i]
	if !ok {
		n = g.node()
		g.refs[i] = n
	}
	return n
}

// link joins an image (ref index i, or -1 for a discovered image that is
// no ref) with its tag, when it has a whole one, its digest, when it has
// one, and its name, when an image is configured by that name alone: the
// identities a container query can select it by.
func (g *groups) link(name, version, digest string, i int) {
	var nodes []int
	if i >= 0 {
		nodes = append(nodes, g.ref(i))
	}
	if g.wholeNames[name] {
		nodes = append(nodes, g.named('n', name))
	}
	if name != "" && version != "" {
		nodes = append(nodes, g.named('t', name, version))
	}
	if digest != "" {
		nodes = append(nodes, g.named('d', digest))
	}
	for _, n := range nodes[min(1, len(nodes)):] {
		g.union(nodes[0], n)
	}
}

func (g *groups) find(n int) int {
	for g.parent[n] != n {
		g.parent[n] = g.parent[g.parent[n]]
		n = g.parent[n]
	}
	return n
}

func (g *groups) union(a, b int) {
	if ra, rb := g.find(a), g.find(b); ra != rb {
		g.parent[rb] = ra
	}
}
