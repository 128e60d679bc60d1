package collector

import (
	"context"
	"sync/atomic"

	"github.com/go-kit/log"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/inventory"
	"github.com/hss-exporter/hss_exporter/posture"
)

// target is one configured target as the Exporter works it: its sources
// (the inventory, and the posture beside it), what it can do beyond them,
// and its run.
type target struct {
	name string
	cfg  config.Target
	// inv is the target's inventory (package inventory), posture its
	// posture (package posture).
	inv     *inventory.Source
	posture *posture.Source
	// pacer is the API budget the client spends from (nil: none), and
	// budgetState the part of it the state file keeps (nil: none).
	pacer       Pacer
	budgetState BudgetStater
	logger      log.Logger
	// stop ends the target's work and done closes once it has ended; set
	// while it runs (see Exporter.start).
	stop context.CancelFunc
	done chan struct{}
	// stateDirty is set by each publish and taken by the state writer,
	// which stateReq wakes.
	stateDirty atomic.Bool
	stateReq   chan struct{}
}

// published marks the target's state changed and wakes its state writer.
func (t *target) published() {
	t.stateDirty.Store(true)
	select {
	case t.stateReq <- struct{}{}:
	default:
	}
}
