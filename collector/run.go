package collector

import (
	"context"
	"sync"
)

// Run works every target until ctx ends: each one's inventory (discovery
// at once and then every refresh_interval ± jitter, max_concurrency
// listers draining its queue of container listings as the budget allows,
// and a publisher) and posture reads; with a StatePath, after restoring
// what was kept there, and writing it back. It returns after all of them
// have stopped.
func (e *Exporter) Run(ctx context.Context) {
	e.mu.Lock()
	e.running = ctx
	restored := map[BudgetStater]bool{}
	for _, t := range e.targets {
		if e.opts.StatePath != "" {
			e.restoreState(t, restored)
		}
		e.start(t)
	}
	e.mu.Unlock()
	<-ctx.Done()
	e.mu.Lock()
	e.running = nil
	targets := e.targets
	e.mu.Unlock()
	for _, t := range targets {
		<-t.done
	}
}

// start runs t under Run's context; e.mu is held and Run is running.
func (e *Exporter) start(t *target) {
	ctx, cancel := context.WithCancel(e.running)
	t.stop, t.done = cancel, make(chan struct{})
	go func() {
		defer close(t.done)
		e.runTarget(ctx, t)
	}()
}

// runTarget works one target until ctx ends.
func (e *Exporter) runTarget(ctx context.Context, t *target) {
	var wg sync.WaitGroup
	if e.opts.StatePath != "" {
		wg.Go(func() { e.stateWriter(ctx, t) })
	}
	wg.Go(func() { t.inv.Run(ctx) })
	wg.Go(func() { t.posture.Run(ctx) })
	wg.Wait()
}
