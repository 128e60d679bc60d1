package collector

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/inventory"
)

// This file is what another source of the exporter (package clusters)
// needs of the inventory, so that it does not reach into its internals.

// ContainerImage names the image a container runs, as the inventory's
// series label it (sanitised).
type ContainerImage = inventory.ContainerImage

// ContainerImages returns, for the named target, the image of every
// container_id the inventory currently lists; nil for an unknown target.
// It never calls the API.
func (e *Exporter) ContainerImages(target string) map[string]ContainerImage {
	t, ok := e.lookup(target)
	if !ok {
		return nil
	}
	return t.inv.ContainerImages()
}

// BudgetDesc is the descriptor of hss_exporter_api_budget_calls_per_minute,
// for a source that adds the row of its own operation to the family.
func BudgetDesc() *prometheus.Desc { return budgetDesc }
