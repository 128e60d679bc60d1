package collector

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/hssclient"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
	"github.com/hss-exporter/hss_exporter/inventory"
)

const namespace = "hss"

var targetLabel = []string{"target"}

func selfDesc(name, help string, labels []string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", name), help, labels, nil)
}

// Self-metric descriptors: the health of the exporter, always present.
var (
	upDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "up"),
		"1 while the target's last discovery succeeded and no image's latest listing failed; throttling the budget absorbs is no failure. 0 before the first discovery.", targetLabel, nil)
	lastSuccessDesc = selfDesc("last_refresh_success_timestamp_seconds",
		"Unix time of the target's last successful API answer (a discovery or a listing); 0 before the first.", targetLabel)
	refreshDurationDesc = selfDesc("refresh_duration_seconds",
		"Duration of the target's last completed discovery of images.", targetLabel)
	refreshesDesc = selfDesc("refreshes_total",
		"Completed discoveries by result: success, partial (some image's latest listing failed; its last good rows kept) or failure (discovery failed; everything known kept).", []string{"target", "result"})
	refreshesSkippedDesc = selfDesc("refreshes_skipped_total",
		"Discoveries skipped because the previous one of the target was still running.", targetLabel)
	imagesFailedDesc = selfDesc("images_failed",
		"Images whose latest container listing failed (their last good rows are kept).", targetLabel)
	imagesPendingDesc = selfDesc("images_pending",
		"Images waiting for a container listing: never listed, or their container_num changed since.", targetLabel)
	listingAgeDesc = selfDesc("listing_age_seconds",
		"Age of the oldest container listing among the target's listed images; 0 when none is listed.", targetLabel)
	sweepDesc = selfDesc("sweep_seconds",
		"Estimated time to list every image's containers once at the API budget in force (and requests_per_second).", targetLabel)
	budgetConfiguredDesc = selfDesc("api_budget_configured_calls_per_minute",
		"Calls of each HSS API a minute the target's budget was given: api_calls_per_minute (the lowest of the targets sharing the credentials), divided between shards.", targetLabel)
	refreshIntervalDesc = selfDesc("refresh_interval_seconds",
		"The target's refresh_interval: how often discovery runs, and the least time before an unchanged image is listed again.", targetLabel)
	budgetDesc = selfDesc("api_budget_calls_per_minute",
		"Calls of the operation a minute the target's API budget allows now: api_calls_per_minute (shared by targets with the same credentials, divided between shards), or lower once a 429 named a lower limit, back at api_calls_per_minute 10 minutes after the latest refusal or when api_calls_per_minute changes.",
		[]string{"target", "operation"})
	shardOrdinalDesc = selfDesc("shard_ordinal",
		"Which shard this replica is (--shard), from 0; 0 when not sharded. Sum inventory series over all shards.", nil)
	totalShardsDesc = selfDesc("total_shards",
		"How many shards the images are split between (--total-shards); 1 when not sharded. Every replica should report the same.", nil)
	shardImagesOwnedDesc = selfDesc("shard_images_owned",
		"Images of the target this shard lists and exports, at the last discovery that succeeded; all of them when not sharded.", targetLabel)
	shardImagesDiscoveredDesc = selfDesc("shard_images_discovered",
		"Images the target covers (selected discovered images plus configured ones) before they are split between shards, at the last discovery that succeeded.", targetLabel)
	authBackoffDesc = selfDesc("auth_backoff_seconds",
		"Seconds until the target's credentials, refused by the API or IAM (a 401, or a 403 refusing the key) or not handed out by a failing IAM or metadata service, are tried again; no call is made meanwhile. 0 when they are neither, or the attempt is due. Shared by the targets with the same credentials.", targetLabel)
	stateWritesDesc = selfDesc("state_writes_total",
		"Writes of the state files under --storage.path by result: success or failure (a full disk, a lost volume, no permission). A failed write is tried again at the next change; a restart meanwhile loses what changed since the last success.", []string{"result"})
	labelsSanitizedDesc = selfDesc("label_values_sanitized_total",
		"Label values from the API that were changed to be valid: invalid UTF-8 replaced, control characters removed, or cut to 1024 bytes.", targetLabel)
	listingsInconsistentDesc = selfDesc("listings_inconsistent_total",
		"Listings whose list moved while they paged, by reason: total_changed (total_num differed between pages) or duplicate_row (a page repeated a row of an earlier page). Live rows may have been skipped: such a container listing is taken again once, and lands as it is if the list moves again.",
		[]string{"target", "operation", "reason"})
)

// budgetOperations are the operations whose budget is exported.
var budgetOperations = []string{hssclient.OpListImages, hssclient.OpListContainers,
	hssclient.OpListContainerNodes, hssclient.OpShowEventSeverity, hssclient.OpShowResourceQuotas}

// selfGauges are the per-target health values; adding one is adding a row.
var selfGauges = []struct {
	desc      *prometheus.Desc
	valueType prometheus.ValueType
	value     func(*inventory.Status) float64
}{
	{upDesc, prometheus.GaugeValue, func(s *inventory.Status) float64 { return boolValue(s.Up) }},
	{lastSuccessDesc, prometheus.GaugeValue, func(s *inventory.Status) float64 {
		if s.LastSuccess.IsZero() {
			return 0
		}
		return float64(s.LastSuccess.UnixNano()) / 1e9
	}},
	{refreshDurationDesc, prometheus.GaugeValue, func(s *inventory.Status) float64 { return s.LastDuration.Seconds() }},
	{refreshesSkippedDesc, prometheus.CounterValue, func(s *inventory.Status) float64 { return float64(s.Skipped) }},
	{imagesFailedDesc, prometheus.GaugeValue, func(s *inventory.Status) float64 { return float64(s.ImagesFailed) }},
	{imagesPendingDesc, prometheus.GaugeValue, func(s *inventory.Status) float64 { return float64(s.ImagesPending) }},
	{listingAgeDesc, prometheus.GaugeValue, func(s *inventory.Status) float64 { return s.OldestListing.Seconds() }},
	{sweepDesc, prometheus.GaugeValue, func(s *inventory.Status) float64 { return s.Sweep.Seconds() }},
	{authBackoffDesc, prometheus.GaugeValue, func(s *inventory.Status) float64 { return s.AuthBackoff.Seconds() }},
	{shardImagesOwnedDesc, prometheus.GaugeValue, func(s *inventory.Status) float64 { return float64(s.ImagesOwned) }},
	{shardImagesDiscoveredDesc, prometheus.GaugeValue, func(s *inventory.Status) float64 { return float64(s.ImagesDiscovered) }},
}

// collectSelf emits the target's health series, from st, its status.
func (t *target) collectSelf(ch chan<- prometheus.Metric, st inventory.Status) {
	for _, g := range selfGauges {
		ch <- expo.ConstMetric(g.desc, g.valueType, g.value(&st), t.name)
	}
	ch <- expo.ConstMetric(labelsSanitizedDesc, prometheus.CounterValue, float64(st.Sanitized+t.posture.Sanitized()), t.name)
	for i, r := range inventory.Results {
		ch <- expo.ConstMetric(refreshesDesc, prometheus.CounterValue, float64(st.Refreshes[i]), t.name, string(r))
	}
	for i, reason := range hssclient.MovedReasons {
		ch <- expo.ConstMetric(listingsInconsistentDesc, prometheus.CounterValue, float64(st.Inconsistent[i]), t.name, hssclient.OpListContainers, reason)
	}
	ch <- expo.ConstMetric(refreshIntervalDesc, prometheus.GaugeValue, t.inv.Interval().Seconds(), t.name)
	t.posture.CollectUp(ch, t.name)
	if t.pacer != nil {
		ch <- expo.ConstMetric(budgetConfiguredDesc, prometheus.GaugeValue, t.pacer.Configured(), t.name)
		for _, op := range budgetOperations {
			ch <- expo.ConstMetric(budgetDesc, prometheus.GaugeValue, t.pacer.PerMinute(op), t.name, op)
		}
	}
}

// selfDescs are the descriptors of the exporter's health, which stay live.
var selfDescs = []*prometheus.Desc{
	upDesc, lastSuccessDesc, refreshDurationDesc, refreshesDesc, refreshesSkippedDesc,
	imagesFailedDesc, imagesPendingDesc, listingAgeDesc, sweepDesc, budgetDesc, budgetConfiguredDesc, refreshIntervalDesc, authBackoffDesc,
	labelsSanitizedDesc, listingsInconsistentDesc, shardOrdinalDesc, totalShardsDesc, shardImagesOwnedDesc, shardImagesDiscoveredDesc,
	stateWritesDesc,
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
