package collector

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/go-kit/log/level"
)

// State files: one per target, <dir>/<target>.state.json.gz, written
// atomically (a temporary file, fsync, rename, fsync of the directory) at
// most every StateInterval after a change, and on shutdown; read by
// readState (stateread.go).
func stateFile(dir, target string) string {
	return filepath.Join(dir, target+".state.json.gz")
}

// restoreState restores t's state file, before t runs. A file that is
// damaged, truncated, foreign (another target or configuration), from a
// newer version or over the bounds of readState is set aside (renamed
// with a .bad suffix) with a warning, and the target starts empty; a
// missing file is a first start. A budget shared by several targets
// takes the first one's record only: restored lists the budgets already
// restored.
func (e *Exporter) restoreState(t *target, restored map[BudgetStater]bool) {
	path := stateFile(e.opts.StatePath, t.name)
	r := t.restoring(e.opts.Now())
	s, err := readState(path, r.reader())
	switch {
	case errors.Is(err, os.ErrNotExist):
		return
	case err != nil:
		bad := path + ".bad"
		_ = os.Rename(path, bad)
		level.Warn(t.logger).Log("msg", "state file set aside; starting empty", "file", bad, "err", err)
		return
	}
	images, rows := r.commit(s)
	if st := t.budgetState; st != nil && s.Budget != nil && !restored[st] {
		st.Restore(s.Budget.state())
		restored[st] = true
	}
	t.publish()
	level.Info(t.logger).Log("msg", "state restored", "file", path, "images", images, "rows", rows,
		"written_at", s.WrittenAt.UTC().Format(time.RFC3339))
}

// writeState writes s to path atomically, the images one at a time so a
// large fleet is never held encoded whole.
func writeState(path string, s *savedTarget) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; left behind after a failure
	zw, _ := gzip.NewWriterLevel(tmp, gzip.BestSpeed)
	err = errors.Join(encodeState(zw, s), zw.Close(), tmp.Sync(), tmp.Close())
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil { // the rename itself survives a crash
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// encodeState writes the head of s, then its images one by one.
func encodeState(w io.Writer, s *savedTarget) error {
	head := *s
	head.Images = nil
	b, err := json.Marshal(head)
	if err != nil {
		return err
	}
	if _, err := w.Write(append(b[:len(b)-1], `,"images":[`...)); err != nil {
		return err
	}
	enc := json.NewEncoder(w) // its buffer is pooled: no copy of each image
	for i := range s.Images {
		if i > 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		if err := enc.Encode(s.Images[i].toDisk()); err != nil {
			return err
		}
	}
	_, err = io.WriteString(w, "]}\n")
	return err
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
		if err := writeState(stateFile(e.opts.StatePath, t.name), t.saved(e.opts.Now())); err != nil {
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
			sleepUntil(ctx, wait, nil)
		}
		if t.stateDirty.Swap(false) {
			write()
		}
	}
}
