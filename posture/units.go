package posture

import (
	"encoding/binary"
	"hash/maphash"
)

// seed is of the fingerprints: they are compared only within a process.
var seed = maphash.MakeSeed()

// fingerprint hashes the values of a row, each string ended so that no
// two rows hash alike by shifting a byte from one value to the next.
type fingerprint struct{ h maphash.Hash }

func newFingerprint(kind Part) *fingerprint {
	f := &fingerprint{}
	f.h.SetSeed(seed)
	f.ints(int64(kind))
	return f
}

func (f *fingerprint) strings(vs ...string) {
	for _, v := range vs {
		f.h.WriteString(v)
		f.h.WriteByte(0xff)
	}
}

func (f *fingerprint) ints(vs ...int64) {
	var b [8]byte
	for _, v := range vs {
		binary.LittleEndian.PutUint64(b[:], uint64(v))
		f.h.Write(b[:])
	}
}

func (f *fingerprint) sum() uint64 { return f.h.Sum64() }

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
		f := newFingerprint(Events)
		for _, r := range d.Events {
			f.strings(r.Category)
			f.ints(r.Counts[:]...)
		}
		add(0, -1, f.sum())
	},
	Quotas: func(d *Data, add func(bucket, member int, fp uint64)) {
		if len(d.Quotas) == 0 {
			return
		}
		f := newFingerprint(Quotas)
		for _, r := range d.Quotas {
			f.strings(r.Edition)
			f.ints(r.Total, r.Used, r.Available)
		}
		add(0, -1, f.sum())
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
	f := newFingerprint(Nodes)
	f.strings(r.HostID)
	bucket = uint16(f.sum() % nodeBuckets)
	f.strings(r.HostName, r.AgentStatus, r.ProtectStatus, r.HostStatus, r.NodeType, r.DetectResult, r.Reason)
	f.ints(int64(boolValue(r.Interrupted))<<1|int64(boolValue(r.Degraded)), r.Risks[0], r.Risks[1], r.Risks[2])
	return f.sum(), bucket
}
