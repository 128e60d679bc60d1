package collector

import "time"

// Report is what a status page shows of one target: its status, its view
// and its posture, read together at one instant from one snapshot,
// so the counts agree with the images listed and the blind spots with
// both, as a scrape at that moment would.
type Report struct {
	Status  TargetStatus
	View    TargetView
	Posture PostureView
}

// Reports returns every target's report, in configuration order. It reads
// memory only and never calls the API.
func (e *Exporter) Reports() []Report {
	now := e.opts.Now()
	targets := e.all()
	out := make([]Report, 0, len(targets))
	for _, t := range targets {
		out = append(out, e.report(t, now))
	}
	return out
}

func (e *Exporter) report(t *target, now time.Time) Report {
	status, serving := t.inv.Read(now)
	return Report{
		Status:  status,
		View:    t.view(serving),
		Posture: t.postureView(serving, now, e.opts.Shard.Index),
	}
}
