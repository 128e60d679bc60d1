// Package posture reads what a target shows besides the image inventory:
// where HSS cannot see or protect. Three parts, each its own API with its
// own call budget: the container nodes with their agent and protection
// state, the unhandled security events by severity, and the protection
// quotas. Each part keeps its own state: one that fails keeps its last
// good data until max_staleness without touching the inventory or the
// other parts. Only shard 0 reads them: they are per target, not per
// image, so the union of the shards stays the single process.
//
// The package holds the reads, their state and an immutable Snapshot of
// plain values, with the metric table that turns it into series; the
// loop that calls it and the units it is served from are the collector's.
package posture

import (
	"context"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
)

// API is what the posture reads need from hssclient.Client. A target
// without one reads no posture.
type API interface {
	EachContainerNode(ctx context.Context, req hssclient.ListContainerNodesRequest, fn func(hssclient.ContainerNode) error) error
	ShowEventSeverity(ctx context.Context, req hssclient.ShowEventSeverityRequest) (*hssclient.EventSeverity, error)
	ShowResourceQuotas(ctx context.Context, req hssclient.ShowResourceQuotasRequest) (*hssclient.ResourceQuotas, error)
}

var _ API = (*hssclient.Client)(nil)

// Part is one posture read, an index into the part table.
type Part int

// The parts, in the order of the table.
const (
	Nodes Part = iota
	Events
	Quotas
	NumParts
)

// partDef is one row of the part table: adding a part is adding a row.
type partDef struct {
	name string // the value of hss_posture_up's part label
	op   string // the API operation it calls
	on   func(config.Posture) bool
	// read reads the part into its field of Data.
	read func(r *reader, ctx context.Context, d *Data) error
	// take copies the part's field of src into dst.
	take func(dst *Data, src *Data)
	// buckets is how many units its series spread over.
	buckets int
}

// nodeBuckets spreads the nodes' series over units: churn touches a few
// nodes per read, and a unit of a few dozen nodes still compresses well.
const nodeBuckets = 64

var parts = [NumParts]partDef{
	Nodes: {name: "nodes", op: hssclient.OpListContainerNodes, buckets: nodeBuckets,
		on:   func(c config.Posture) bool { return c.Nodes },
		read: (*reader).nodes, take: func(dst, src *Data) { dst.Nodes = src.Nodes }},
	Events: {name: "events", op: hssclient.OpShowEventSeverity, buckets: 1,
		on:   func(c config.Posture) bool { return c.Events },
		read: (*reader).events, take: func(dst, src *Data) { dst.Events = src.Events }},
	Quotas: {name: "quotas", op: hssclient.OpShowResourceQuotas, buckets: 1,
		on:   func(c config.Posture) bool { return c.Quotas },
		read: (*reader).quotas, take: func(dst, src *Data) { dst.Quotas = src.Quotas }},
}

// Name is the part's value of hss_posture_up's part label.
func (p Part) Name() string { return parts[p].name }

// Operation is the API operation the part calls.
func (p Part) Operation() string { return parts[p].op }

// Buckets is how many units the part's series spread over.
func (p Part) Buckets() int { return parts[p].buckets }
