package collector

import "github.com/prometheus/client_golang/prometheus"

// This file is what another source of the exporter (package clusters)
// needs of the inventory, so that it does not reach into its internals.

// ContainerImage names the image a container runs, as the inventory's
// series label it (sanitised).
type ContainerImage struct {
	Name, Version string
}

// ContainerImages returns, for the named target, the image of every
// container_id the inventory currently lists; nil for an unknown target.
// It reads the target's rows under its lock and never calls the API.
func (e *Exporter) ContainerImages(target string) map[string]ContainerImage {
	t, ok := e.lookup(target)
	if !ok {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]ContainerImage)
	for _, img := range t.order {
		if !img.listed || len(img.ref.labels) < 3 {
			continue
		}
		id := ContainerImage{Name: img.ref.labels[1], Version: img.ref.labels[2]}
		for _, row := range img.rows {
			if row.ContainerID != "" {
				out[row.ContainerID] = id
			}
		}
	}
	return out
}

// CleanLabel returns s under the inventory's label rule (see
// MaxLabelValueBytes), and whether the rule changed it, so every source
// labels a value as the inventory does.
func CleanLabel(s string) (string, bool) {
	var z sanitizer
	v := z.clean(s)
	return v, z.changed > 0
}

// BudgetDesc is the descriptor of hss_exporter_api_budget_calls_per_minute,
// for a source that adds the row of its own operation to the family.
func BudgetDesc() *prometheus.Desc { return budgetDesc }
