package collector

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"time"

	"github.com/go-kit/log/level"

	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
	"github.com/hss-exporter/hss_exporter/internal/statefile"
)

// State files (internal/statefile): one per target, written at most every
// StateInterval after a change, and on shutdown.

// restoreState restores t's state file, before t runs. A file that is
// damaged, truncated, foreign (another target or configuration), from a
// newer version or over the bounds of statefile.Read is set aside (renamed
// with a .bad suffix) with a warning, and the target starts empty; a
// missing file is a first start. A budget shared by several targets
// takes the first one's record only: restored lists the budgets already
// restored.
func (e *Exporter) restoreState(t *target, restored map[BudgetStater]bool) {
	path := statefile.Path(e.opts.StatePath, t.name)
	r := t.inv.Restoring(e.opts.Now())
	s, err := statefile.Read(path, r.Reader())
	switch {
	case errors.Is(err, os.ErrNotExist):
		return
	case err != nil:
		bad := path + ".bad"
		_ = os.Rename(path, bad)
		level.Warn(t.logger).Log("msg", "state file set aside; starting empty", "file", bad, "err", err)
		return
	}
	images, rows := r.Commit(s)
	if st := t.budgetState; st != nil && s.Budget != nil && !restored[st] {
		st.Restore(s.Budget.State())
		restored[st] = true
	}
	t.inv.Publish()
	level.Info(t.logger).Log("msg", "state restored", "file", path, "images", images, "rows", rows,
		"written_at", s.WrittenAt.UTC().Format(time.RFC3339))
}

// stateWrites counts the writes of state files, for
// hss_exporter_state_writes_total.
type stateWrites struct{ success, failure atomic.Uint64 }

// stateWriter writes a target's state when it changed, at most every
// StateInterval and never more than a tenth of the time, and once more
// when ctx ends.
func (e *Exporter) stateWriter(ctx context.Context, t *target) {
	var last time.Time
	var cost time.Duration
	write := func() {
		start := time.Now()
		if err := statefile.Write(statefile.Path(e.opts.StatePath, t.name), t.saved(e.opts.Now())); err != nil {
			e.stateWrites.failure.Add(1)
			level.Error(t.logger).Log("msg", "writing the state file failed; it is tried again at the next change", "err", err)
		} else {
			e.stateWrites.success.Add(1)
		}
		last, cost = time.Now(), time.Since(start)
	}
	for {
		select {
		case <-ctx.Done():
			if t.stateDirty.Swap(false) {
				write()
			}
			return
		case <-t.stateReq:
		}
		if wait := max(e.opts.StateInterval, 10*cost) - time.Since(last); wait > 0 {
			schedule.Sleep(ctx, wait)
		}
		if t.stateDirty.Swap(false) {
			write()
		}
	}
}

// saved is the target's state file: its inventory's, with its budget's
// when it keeps one.
func (t *target) saved(now time.Time) *statefile.Target {
	s := t.inv.Saved(now)
	if t.budgetState != nil {
		s.Budget = statefile.BudgetOf(t.budgetState.State())
	}
	return s
}

// BudgetStater is a budget whose state outlives a restart, kept in the
// state file: the target's Pacer, as *budget.Budget is both.
type BudgetStater interface {
	State() budget.State
	Restore(budget.State)
}

var _ BudgetStater = (*budget.Budget)(nil)
