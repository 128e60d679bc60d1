package deploy

// MetricFamilies are the metric names hss_exporter promises its users
// (the metric tables of docs/metrics.md). The rules, the dashboards and
// their tests may use only these; the end-to-end test checks them against
// a live scrape.
var MetricFamilies = []string{
	"hss_image_containers",
	"hss_image_public_containers",
	"hss_host_containers",
	"hss_pod_containers",
	"hss_image_info",
	"hss_image_vulnerabilities",
	"hss_image_unsafe_settings",
	"hss_image_malicious_files",
	"hss_image_hosts",
	"hss_image_size_bytes",
	"hss_image_last_scan_timestamp_seconds",
	"hss_image_reported_containers",
	"hss_container_info",
	"hss_up",
	"hss_exporter_last_refresh_success_timestamp_seconds",
	"hss_exporter_refresh_duration_seconds",
	"hss_exporter_refreshes_total",
	"hss_exporter_refreshes_skipped_total",
	"hss_exporter_images_failed",
	"hss_exporter_api_requests_total",
	"hss_exporter_api_request_duration_seconds",
	"hss_exporter_api_retries_total",
	"hss_exporter_build_info",
	// The listing schedule within the API budget.
	"hss_exporter_images_pending",
	"hss_exporter_listing_age_seconds",
	"hss_exporter_sweep_seconds",
	"hss_exporter_api_budget_calls_per_minute",
	"hss_exporter_api_budget_configured_calls_per_minute",
	"hss_exporter_refresh_interval_seconds",
	"hss_exporter_config_last_reload_successful",
	"hss_exporter_config_last_reload_success_timestamp_seconds",
	"hss_exporter_label_values_sanitized_total",
	"hss_exporter_listings_inconsistent_total",
	// Writes of the state files under --storage.path, by result.
	"hss_exporter_state_writes_total",
	// Refused credentials: seconds until they are tried again, 0 when not refused.
	"hss_exporter_auth_backoff_seconds",
	// Sharding: present also when not sharded (ordinal 0 of 1).
	"hss_exporter_shard_ordinal",
	"hss_exporter_total_shards",
	"hss_exporter_shard_images_owned",
	"hss_exporter_shard_images_discovered",
	// Posture: where HSS cannot see or protect, read by shard 0 only.
	"hss_node_info",
	"hss_node_protection_interrupted",
	"hss_node_protection_degraded",
	"hss_node_risks",
	"hss_security_events_unhandled",
	"hss_quota",
	"hss_posture_up",
	// Clusters: ListContainers, read by shard 0 only, on unless clusters: false.
	"hss_cluster_containers",
	"hss_cluster_image_containers",
	"hss_cluster_container_restarts",
	"hss_cluster_risky_containers",
	"hss_container_cluster_info",
	"hss_clusters_up",
	"hss_exporter_clusters_sweep_seconds",
	"hss_exporter_clusters_listing_age_seconds",
	"hss_exporter_clusters_label_values_sanitized_total",
}

// OptInFamilies are the families absent unless configured:
// hss_container_info and hss_container_cluster_info need container_info:
// true.
var OptInFamilies = []string{"hss_container_info", "hss_container_cluster_info"}

// KnownSeriesName reports whether a series name belongs to a promised
// family, counting the _bucket, _sum and _count series of the histogram.
func KnownSeriesName(name string) bool {
	for _, f := range MetricFamilies {
		if name == f {
			return true
		}
	}
	const hist = "hss_exporter_api_request_duration_seconds"
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if name == hist+suffix {
			return true
		}
	}
	return false
}
