package collector

import (
	"github.com/hss-exporter/hss_exporter/inventory"
)

// TargetStatus is one target's state, for a status page: the inventory's
// status (see inventory.Status), by the names every reader uses.
type TargetStatus = inventory.Status

// Health is a target's state in one word; Result how a refresh ended.
type (
	Health = inventory.Health
	Result = inventory.Result
)

// Health and refresh result values (see package inventory).
const (
	HealthHealthy  = inventory.HealthHealthy
	HealthPending  = inventory.HealthPending
	HealthDegraded = inventory.HealthDegraded
	HealthFailing  = inventory.HealthFailing
	HealthDown     = inventory.HealthDown
	HealthStale    = inventory.HealthStale

	ResultSuccess = inventory.ResultSuccess
	ResultPartial = inventory.ResultPartial
	ResultFailure = inventory.ResultFailure
)

// Status returns every target's state, in configuration order.
func (e *Exporter) Status() []TargetStatus {
	now := e.opts.Now()
	targets := e.all()
	out := make([]TargetStatus, 0, len(targets))
	for _, t := range targets {
		out = append(out, t.inv.Status(now))
	}
	return out
}
