package collector

import (
	"cmp"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/labelrule"
	"github.com/hss-exporter/hss_exporter/inventory"
	"github.com/hss-exporter/hss_exporter/posture"
)

// The posture (package posture) is a source of its own per target, read
// beside the inventory every refresh_interval and encoded for scrapes
// each time a part lands; this is what the collector shows of it.

// PostureAPI is what the posture reads need from hssclient.Client. A
// target without one (Target.Posture nil) reads no posture.
type PostureAPI = posture.API

// The posture's views, as the status page reads them.
type (
	PostureView = posture.View
	PosturePart = posture.PartView
	NodeView    = posture.NodeView
	HostView    = posture.HostView
	EventCounts = posture.EventCounts
	QuotaView   = posture.QuotaView
)

// Why a posture part is not read, in PosturePart.Off.
const (
	PostureOffConfig = posture.OffConfig
	PostureOffShard  = posture.OffShard
	PostureOffAPI    = posture.OffAPI
)

// newPosture returns the posture state of a target on this shard.
func newPosture(tg Target, shardIndex int) *posture.State {
	return posture.New(tg.Posture, tg.Config, shardIndex, labelrule.Clean)
}

// Posture returns the named target's posture view; ok is false for an
// unknown target. It never calls the API.
func (e *Exporter) Posture(target string) (v PostureView, ok bool) {
	t, ok := e.lookup(target)
	if !ok {
		return PostureView{}, false
	}
	now := e.opts.Now()
	return t.postureView(t.inv.Serving(now), now, e.opts.Shard.Index), true
}

// postureView is the target's posture as last published; serving is the
// inventory served (nil: none), whose hosts it tells apart from the nodes.
func (t *target) postureView(serving *inventory.Snapshot, now time.Time, shardIndex int) PostureView {
	var hosts map[string]HostView
	if serving != nil {
		hosts = map[string]HostView{}
		serving.EachHost(func(id, name string, containers int) {
			hv := hosts[id]
			hv.HostID, hv.HostName, hv.Containers = id, cmp.Or(hv.HostName, name), hv.Containers+containers
			hosts[id] = hv
		})
	}
	return t.posture.ViewAt(hosts, now, shardIndex)
}
