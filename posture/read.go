package posture

import (
	"context"
	"strings"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
)

// eventCategories are the ShowEventSeverity categories counted, one call each.
var eventCategories = []string{"host", "container"}

// reader is one read of one part: it sanitises what the API gives and
// counts the label values the rule changed.
type reader struct {
	api     API
	cfg     config.Target
	clean   Cleaner
	changed uint64
}

// label returns s under the label rule, counting a change.
func (r *reader) label(s string) string {
	v, changed := r.clean(s)
	if changed {
		r.changed++
	}
	return v
}

func (r *reader) nodes(ctx context.Context, d *Data) error {
	return r.api.EachContainerNode(ctx, hssclient.ListContainerNodesRequest{EnterpriseProjectID: r.cfg.EnterpriseProjectID},
		func(n hssclient.ContainerNode) error {
			d.Nodes = append(d.Nodes, r.node(&n))
			return nil
		})
}

func (r *reader) events(ctx context.Context, d *Data) error {
	for _, category := range eventCategories {
		c, err := r.api.ShowEventSeverity(ctx, hssclient.ShowEventSeverityRequest{Category: category,
			EnterpriseProjectID: r.cfg.EnterpriseProjectID, LastDays: r.cfg.Posture.EventsLastDays, HandleStatus: "unhandled"})
		if err != nil {
			return err
		}
		d.Events = append(d.Events, EventRow{Category: category,
			Counts: [len(EventSeverities)]int64{c.LowNum, c.MediumNum, c.HighNum, c.CriticalNum}})
	}
	return nil
}

func (r *reader) quotas(ctx context.Context, d *Data) error {
	q, err := r.api.ShowResourceQuotas(ctx, hssclient.ShowResourceQuotasRequest{EnterpriseProjectID: r.cfg.EnterpriseProjectID})
	if err != nil {
		return err
	}
	for _, row := range q.DataList {
		d.Quotas = append(d.Quotas, QuotaRow{Edition: r.label(editionLabel(row.Version)),
			Total: row.TotalNum, Used: row.UsedNum, Available: row.AvailableNum})
	}
	return nil
}

// node returns the sanitised row of a node, with its fingerprint and unit.
func (r *reader) node(n *hssclient.ContainerNode) NodeRow {
	row := NodeRow{HostID: r.label(n.HostID), HostName: r.label(n.HostName), AgentStatus: r.label(n.AgentStatus),
		ProtectStatus: r.label(n.ProtectStatus), HostStatus: r.label(n.HostStatus), NodeType: r.label(n.ContainerTags),
		DetectResult: r.label(n.DetectResult), Interrupted: n.ProtectInterrupt, Degraded: n.ProtectDegradation,
		Reason: r.label(n.DegradationReason), Risks: [len(RiskKinds)]int64{n.Vulnerability, n.Intrusion, n.Asset}}
	row.FP, row.Bucket = nodeRowFingerprint(&row)
	return row
}

// editionPrefix starts every edition HSS names (hss.version.enterprise,
// hss.version.container.enterprise); the edition label leaves it out.
const editionPrefix = "hss.version."

// editionLabel is the edition label of a quota's version: without the
// common prefix, or as HSS gave it when it lacks the prefix.
func editionLabel(version string) string {
	return strings.TrimPrefix(version, editionPrefix)
}
