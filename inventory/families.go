package inventory

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/hssclient"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

const namespace = "hss"

// cached is appended to every inventory HELP text, so nobody mistakes a
// cached value for a live one.
const cached = " Cached: each image is listed again once per refresh_interval, or as the API budget allows."

// family is one metric family the exporter encodes.
type family = expo.Family

// newFamily returns the inventory family hss_<subsystem>_<name>, its HELP
// text marked as cached.
func newFamily(subsystem, name, help string, labels []string) *family {
	return expo.NewFamily(prometheus.BuildFQName(namespace, subsystem, name), help+cached, labels)
}

// Table indexes the inventory's families; a page of the inventory's
// snapshots is made from it. Naming each one here makes every variable
// that reads the table initialise after them.
var Table = expo.NewTable(imageContainers, imagePublicContainers, imageInfo, imageVulnerabilities,
	imageUnsafeSettings, imageMaliciousFiles, imageHosts, imageSize, imageLastScan, imageReportedContainers,
	containerInfo, hostContainers, podContainers)

// Families lists the inventory's families, in the order of their indexes.
var Families = Table.Families()

var (
	imageLabels     = []string{"target", "image_name", "image_version", "image_digest"}
	imageInfoLabels = []string{"target", "image_name", "image_version", "image_digest",
		"image_id", "image_type", "scan_status", "severity_level"}
	containerInfoLabels = []string{"target", "container_id", "container_name", "image_name",
		"image_version", "host_id", "host_name", "pod_id", "pod_name", "private_ip", "public_ip", "agent_id"}
	targetLabel = []string{"target"}
)

// The inventory families. Those of one image are encoded together, per
// group of images; host and pod counts are sums over every image's rows.
var (
	imageContainers = newFamily("image", "containers",
		"Containers running the image, as listed by ListLocalImageContainers.", imageLabels)
	imagePublicContainers = newFamily("image", "public_containers",
		"Containers running the image that have a public (elastic) IP.", imageLabels)
	imageInfo = newFamily("image", "info",
		"Local image known to HSS, with its metadata; value is always 1.", imageInfoLabels)
	imageVulnerabilities = newFamily("image", "vulnerabilities",
		"Vulnerabilities HSS found in the image (vul_num).", imageLabels)
	imageUnsafeSettings = newFamily("image", "unsafe_settings",
		"Unsafe settings HSS found in the image (unsafe_setting_num).", imageLabels)
	imageMaliciousFiles = newFamily("image", "malicious_files",
		"Malicious files HSS found in the image (malicious_file_num).", imageLabels)
	imageHosts = newFamily("image", "hosts",
		"Hosts holding the image, as HSS reports it (host_num).", imageLabels)
	imageSize = newFamily("image", "size_bytes",
		"Size of the image in bytes (image_size).", imageLabels)
	imageLastScan = newFamily("image", "last_scan_timestamp_seconds",
		"Unix time of the image's latest HSS scan; absent when never scanned.", imageLabels)
	imageReportedContainers = newFamily("image", "reported_containers",
		"Containers HSS reports for the image in its image list (container_num), to compare with hss_image_containers.", imageLabels)
	containerInfo = newFamily("container", "info",
		"Container listed by HSS, with the image it runs and where; value is always 1 (opt-in: container_info).", containerInfoLabels).Compact()
	hostContainers = newFamily("host", "containers",
		"Distinct containers listed on the host.", []string{"target", "host_id", "host_name"})
	podContainers = newFamily("pod", "containers",
		"Distinct containers listed in the pod.", []string{"target", "pod_id", "pod_name"})
)

// imageGauges are the per-image values taken from discovery (ImageLocalInfo).
// Adding a metric is adding a row; ok=false leaves the series out.
var imageGauges = []struct {
	family *family
	value  func(*hssclient.LocalImage) (v float64, ok bool)
}{
	{imageVulnerabilities, func(i *hssclient.LocalImage) (float64, bool) { return known(i.VulNum) }},
	{imageUnsafeSettings, func(i *hssclient.LocalImage) (float64, bool) { return known(i.UnsafeSettingNum) }},
	{imageMaliciousFiles, func(i *hssclient.LocalImage) (float64, bool) { return known(i.MaliciousFileNum) }},
	{imageHosts, func(i *hssclient.LocalImage) (float64, bool) { return known(i.HostNum) }},
	{imageSize, func(i *hssclient.LocalImage) (float64, bool) { return known(i.ImageSize) }},
	{imageReportedContainers, func(i *hssclient.LocalImage) (float64, bool) {
		if i.ContainerNumUnknown {
			return 0, false
		}
		return known(i.ContainerNum)
	}},
	{imageLastScan, func(i *hssclient.LocalImage) (float64, bool) {
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
