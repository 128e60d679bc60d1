package collector

import (
	"reflect"

	"github.com/go-kit/log/level"

	"github.com/hss-exporter/hss_exporter/config"
)

// Apply makes targets the ones the Exporter works, as a reloaded
// configuration gives them. A target whose configuration is unchanged
// keeps everything (its inventory, budget and schedule; the new Target's
// client is not used); a changed one stops and starts afresh under the new
// configuration (from its state file, when one fits); a removed one stops,
// and its series go from the next scrape. It returns the names of the
// targets added, changed and removed.
func (e *Exporter) Apply(targets []Target) (added, changed, removed []string) {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	current := map[string]*target{}
	for _, t := range e.all() {
		current[t.name] = t
	}
	next := make([]*target, 0, len(targets))
	byName := make(map[string]*target, len(targets))
	var stopped []*target
	for _, tg := range targets {
		old, had := current[tg.Config.Name]
		if had && sameTarget(old.cfg, tg.Config) {
			next, byName[old.name] = append(next, old), old
			continue
		}
		if had {
			changed, stopped = append(changed, old.name), append(stopped, old)
		} else {
			added = append(added, tg.Config.Name)
		}
		t := e.newTarget(tg)
		next, byName[t.name] = append(next, t), t
	}
	for name, old := range current {
		if _, kept := byName[name]; !kept {
			removed, stopped = append(removed, name), append(stopped, old)
		}
	}
	// The old ones stop first, so a changed target's last state is on disk
	// before the new one reads it, and the two never call HSS at once.
	for _, t := range stopped {
		e.stopTarget(t)
	}
	for _, name := range removed {
		e.stats.forget(name)
	}
	e.mu.Lock()
	e.targets, e.byName = next, byName
	e.countSharers()
	if e.running != nil {
		restored := map[BudgetStater]bool{}
		for _, t := range next {
			if t.done != nil {
				continue
			}
			if e.opts.StatePath != "" {
				e.restoreState(t, restored)
			}
			e.start(t)
		}
	}
	e.mu.Unlock()
	level.Info(e.logger).Log("msg", "targets applied", "added", len(added), "changed", len(changed), "removed", len(removed))
	return added, changed, removed
}

// stopTarget ends t's work, if it runs, and waits for it.
func (e *Exporter) stopTarget(t *target) {
	e.mu.RLock()
	stop, done := t.stop, t.done
	e.mu.RUnlock()
	if stop != nil {
		stop()
		<-done
	}
}

// sameTarget reports whether two configurations of a target are the same;
// the compiled patterns are compared by their text.
func sameTarget(a, b config.Target) bool {
	a.Images.IncludeRE, a.Images.ExcludeRE = nil, nil
	b.Images.IncludeRE, b.Images.ExcludeRE = nil, nil
	return reflect.DeepEqual(a, b)
}
