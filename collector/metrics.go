package collector

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

const namespace = "hss"

// cached is appended to every inventory HELP text, so nobody mistakes a
// cached value for a live one.
const cached = " Cached: refreshed every refresh_interval."

var (
	imageLabels     = []string{"target", "image_name", "image_version", "image_digest"}
	imageInfoLabels = []string{"target", "image_name", "image_version", "image_digest",
		"image_id", "image_type", "scan_status", "severity_level"}
	containerInfoLabels = []string{"target", "container_id", "container_name", "image_name",
		"image_version", "host_id", "host_name", "pod_id", "pod_name", "private_ip", "public_ip", "agent_id"}
	targetLabel = []string{"target"}
)

// Inventory descriptors: the series of the last good snapshot.
var (
	imageContainersDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "image", "containers"),
		"Containers running the image, as listed by ListLocalImageContainers."+cached, imageLabels, nil)
	imagePublicContainersDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "image", "public_containers"),
		"Containers running the image that have a public (elastic) IP."+cached, imageLabels, nil)
	hostContainersDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "host", "containers"),
		"Distinct containers listed on the host."+cached, []string{"target", "host_id", "host_name"}, nil)
	podContainersDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "pod", "containers"),
		"Distinct containers listed in the pod."+cached, []string{"target", "pod_id", "pod_name"}, nil)
	imageInfoDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "image", "info"),
		"Local image known to HSS, with its metadata; value is always 1."+cached, imageInfoLabels, nil)
	imageVulnerabilitiesDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "image", "vulnerabilities"),
		"Vulnerabilities HSS found in the image (vul_num)."+cached, imageLabels, nil)
	imageUnsafeSettingsDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "image", "unsafe_settings"),
		"Unsafe settings HSS found in the image (unsafe_setting_num)."+cached, imageLabels, nil)
	imageMaliciousFilesDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "image", "malicious_files"),
		"Malicious files HSS found in the image (malicious_file_num)."+cached, imageLabels, nil)
	imageHostsDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "image", "hosts"),
		"Hosts holding the image, as HSS reports it (host_num)."+cached, imageLabels, nil)
	imageSizeDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "image", "size_bytes"),
		"Size of the image in bytes (image_size)."+cached, imageLabels, nil)
	imageLastScanDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "image", "last_scan_timestamp_seconds"),
		"Unix time of the image's latest HSS scan; absent when never scanned."+cached, imageLabels, nil)
	imageReportedContainersDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "image", "reported_containers"),
		"Containers HSS reports for the image in its image list (container_num), to compare with hss_image_containers."+cached, imageLabels, nil)
	containerInfoDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "container", "info"),
		"Container listed by HSS, with the image it runs and where; value is always 1 (opt-in: container_info)."+cached, containerInfoLabels, nil)
)

// Self-metric descriptors: the health of the exporter, always present.
var (
	upDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "up"),
		"1 when the target's last refresh fully succeeded, 0 after a partial or failed refresh or before the first.", targetLabel, nil)
	lastSuccessDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "last_refresh_success_timestamp_seconds"),
		"Unix time of the last refresh whose data landed (result success or partial); 0 before the first.", targetLabel, nil)
	refreshDurationDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "refresh_duration_seconds"),
		"Duration of the target's last completed refresh.", targetLabel, nil)
	refreshesDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "refreshes_total"),
		"Completed refreshes by result: success, partial (some images failed, their last good rows kept) or failure (nothing landed).", []string{"target", "result"}, nil)
	refreshesSkippedDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "refreshes_skipped_total"),
		"Refreshes skipped because the previous refresh of the target was still running.", targetLabel, nil)
	imagesFailedDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "images_failed"),
		"Images whose container listing failed in the target's last refresh.", targetLabel, nil)
	shardOrdinalDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "shard_ordinal"),
		"Which shard this replica is (--shard), from 0; 0 when not sharded. Sum inventory series over all shards.", nil, nil)
	totalShardsDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "total_shards"),
		"How many shards the images are split between (--total-shards); 1 when not sharded. Every replica should report the same.", nil, nil)
	shardImagesOwnedDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "shard_images_owned"),
		"Images of the target this shard lists and exports, at the last discovery that succeeded; all of them when not sharded.", targetLabel, nil)
	shardImagesDiscoveredDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "shard_images_discovered"),
		"Images the target covers (selected discovered images plus configured ones) before they are split between shards, at the last discovery that succeeded.", targetLabel, nil)
	labelsSanitizedDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "label_values_sanitized_total"),
		"Label values from the API that were changed to be valid: invalid UTF-8 replaced, control characters removed, or cut to 1024 bytes.", targetLabel, nil)
)

// imageGauges are the per-image values taken from discovery (ImageLocalInfo).
// Adding a metric is adding a row; ok=false leaves the series out.
var imageGauges = []struct {
	desc  *prometheus.Desc
	value func(*hssclient.LocalImage) (v float64, ok bool)
}{
	{imageVulnerabilitiesDesc, func(i *hssclient.LocalImage) (float64, bool) { return known(i.VulNum) }},
	{imageUnsafeSettingsDesc, func(i *hssclient.LocalImage) (float64, bool) { return known(i.UnsafeSettingNum) }},
	{imageMaliciousFilesDesc, func(i *hssclient.LocalImage) (float64, bool) { return known(i.MaliciousFileNum) }},
	{imageHostsDesc, func(i *hssclient.LocalImage) (float64, bool) { return known(i.HostNum) }},
	{imageSizeDesc, func(i *hssclient.LocalImage) (float64, bool) { return known(i.ImageSize) }},
	{imageReportedContainersDesc, func(i *hssclient.LocalImage) (float64, bool) {
		if i.ContainerNumUnknown {
			return 0, false
		}
		return known(i.ContainerNum)
	}},
	{imageLastScanDesc, func(i *hssclient.LocalImage) (float64, bool) {
		return scanTime(i.LatestScanTime)
	}},
}

// known passes a count on, leaving a negative one out: HSS has no negative
// counts, so -1 means "not known", and exporting it would read as a value
// (and trip alerts comparing counts).
func known(n int64) (float64, bool) { return float64(n), n >= 0 }

// scanTime converts latest_scan_time, documented as Unix milliseconds with 0
// for never scanned, to seconds. A value below 1e11 cannot be milliseconds
// of a real scan (that is March 1973) but is a plausible time in seconds,
// so it is read as seconds rather than exported as a date in 1970.
func scanTime(t int64) (float64, bool) {
	switch {
	case t <= 0:
		return 0, false
	case t < 1e11:
		return float64(t), true
	default:
		return float64(t) / 1000, true
	}
}

// selfGauges are the per-target health values; adding one is adding a row.
var selfGauges = []struct {
	desc      *prometheus.Desc
	valueType prometheus.ValueType
	value     func(*targetStatus) float64
}{
	{upDesc, prometheus.GaugeValue, func(s *targetStatus) float64 { return boolValue(s.up) }},
	{lastSuccessDesc, prometheus.GaugeValue, func(s *targetStatus) float64 {
		if s.landed.IsZero() {
			return 0
		}
		return float64(s.landed.UnixNano()) / 1e9
	}},
	{refreshDurationDesc, prometheus.GaugeValue, func(s *targetStatus) float64 { return s.lastDuration.Seconds() }},
	{refreshesSkippedDesc, prometheus.CounterValue, func(s *targetStatus) float64 { return float64(s.skipped) }},
	{imagesFailedDesc, prometheus.GaugeValue, func(s *targetStatus) float64 { return float64(s.imagesFailed) }},
	{labelsSanitizedDesc, prometheus.CounterValue, func(s *targetStatus) float64 { return float64(s.sanitized) }},
	{shardImagesOwnedDesc, prometheus.GaugeValue, func(s *targetStatus) float64 { return float64(s.imagesOwned) }},
	{shardImagesDiscoveredDesc, prometheus.GaugeValue, func(s *targetStatus) float64 { return float64(s.imagesCovered) }},
}

// inventoryDescs lists the descriptors of the inventory series, which a
// snapshot defines; selfDescs those of the exporter's health, which stay
// live.
var (
	inventoryDescs = []*prometheus.Desc{
		imageContainersDesc, imagePublicContainersDesc, hostContainersDesc, podContainersDesc,
		imageInfoDesc, imageVulnerabilitiesDesc, imageUnsafeSettingsDesc, imageMaliciousFilesDesc,
		imageHostsDesc, imageSizeDesc, imageLastScanDesc, imageReportedContainersDesc, containerInfoDesc,
	}
	selfDescs = []*prometheus.Desc{
		upDesc, lastSuccessDesc, refreshDurationDesc, refreshesDesc, refreshesSkippedDesc,
		imagesFailedDesc, labelsSanitizedDesc, shardOrdinalDesc, totalShardsDesc,
		shardImagesOwnedDesc, shardImagesDiscoveredDesc,
	}
)

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
