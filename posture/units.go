package posture

import (
	"hash/maphash"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// seed is of the fingerprints: they are compared only within a process.
var seed = maphash.MakeSeed()

// fingerprint hashes a row of part kind: its strings, then its counts.
func fingerprint(kind Part, strings []string, ints ...int64) uint64 {
	words := make([]uint64, 0, 2+len(ints))
	words = append(words, uint64(kind), expo.HashStrings(seed, strings...))
	for _, v := range ints {
		words = append(words, uint64(v))
	}
	return expo.HashWords(seed, words...)
}

// unitsOf are the units each part's series are served from: add is
// called once per member with its unit (bucket) and fingerprint, which a
// unit sums, so the order of members does not matter. A part of one unit
// is one member, -1, and has no unit when it has no rows.
var unitsOf = [NumParts]func(d *Data, add func(bucket, member int, fp uint64)){
	Nodes: func(d *Data, add func(bucket, member int, fp uint64)) {
		for i := range d.Nodes {
			add(int(d.Nodes[i].Bucket), i, d.Nodes[i].FP)
		}
	},
	Events: func(d *Data, add func(bucket, member int, fp uint64)) {
		if len(d.Events) == 0 {
			return
		}
		fp := uint64(0)
		for _, r := range d.Events {
			fp = expo.HashWords(seed, fp, fingerprint(Events, []string{r.Category}, r.Counts[:]...))
		}
		add(0, -1, fp)
	},
	Quotas: func(d *Data, add func(bucket, member int, fp uint64)) {
		if len(d.Quotas) == 0 {
			return
		}
		fp := uint64(0)
		for _, r := range d.Quotas {
			fp = expo.HashWords(seed, fp, fingerprint(Quotas, []string{r.Edition}, r.Total, r.Used, r.Available))
		}
		add(0, -1, fp)
	},
}

// Units calls add for every member of the units of the parts s holds;
// see EmitUnit for the series of a unit.
func (s *Snapshot) Units(add func(p Part, bucket, member int, fp uint64)) {
	for p := range NumParts {
		if s.Good[p].IsZero() {
			continue
		}
		unitsOf[p](&s.Data, func(bucket, member int, fp uint64) { add(p, bucket, member, fp) })
	}
}

// nodeRowFingerprint is the fingerprint of everything a node's series
// and status show, and its unit, by host_id.
func nodeRowFingerprint(r *NodeRow) (fp uint64, bucket uint16) {
	bucket = uint16(expo.HashStrings(seed, r.HostID) % nodeBuckets)
	fp = fingerprint(Nodes, []string{r.HostID, r.HostName, r.AgentStatus, r.ProtectStatus, r.HostStatus, r.NodeType,
		r.DetectResult, r.Reason}, int64(boolValue(r.Interrupted))<<1|int64(boolValue(r.Degraded)), r.Risks[0], r.Risks[1], r.Risks[2])
	return fp, bucket
}
