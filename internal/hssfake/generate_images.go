package hssfake

import (
	"math/rand"
	"strconv"
	"strings"
	"time"
)

var (
	registries = []string{"swr.cn-north-4.myhuaweicloud.com/shop/", "swr.cn-north-4.myhuaweicloud.com/platform/",
		"swr.ap-southeast-1.myhuaweicloud.com/data-team/", "", "library/", "docker.io/bitnami/", "quay.io/prometheus/"}
	apps = []string{"nginx", "redis", "postgresql", "order-service", "payment-api", "node-exporter",
		"kafka", "zookeeper", "mysql", "frontend", "cart", "search", "etcd", "coredns", "fluent-bit"}
	podApps   = []string{"web", "api", "worker", "cache", "ingress", "monitor", "batch"}
	scanState = []string{"success", "success", "success", "success", "success", "success",
		"success", "success", "success", "success", "success", "success", "success", "success",
		"success", "unscan", "unscan", "scanning", "failed", "waiting"}
	severities = []string{"Low", "Medium", "Medium", "High"}
)

// genImage builds image i; the index makes name:version unique.
func genImage(rng *rand.Rand, i int, now time.Time) Image {
	app := apps[i%len(apps)]
	img := Image{
		Name:    registries[(i/len(apps))%len(registries)] + app,
		Version: strconv.Itoa(1+i%4) + "." + strconv.Itoa(i/(len(apps)*len(registries))) + "." + strconv.Itoa(rng.Intn(10)),
		ID:      randHex(rng, 64), Digest: "sha256:" + randHex(rng, 64),
		ScanStatus:       scanState[rng.Intn(len(scanState))],
		Size:             (5 + rng.Int63n(2000)) << 20,
		LatestUpdateTime: now.Add(-time.Duration(rng.Int63n(int64(90 * 24 * time.Hour)))).Truncate(time.Millisecond),
	}
	if i%10 == 9 {
		img.EnterpriseProjectID = GeneratedEnterpriseProjectA
		if i%20 == 19 {
			img.EnterpriseProjectID = GeneratedEnterpriseProjectB
		}
	}
	img.Type = "other_image"
	if strings.HasPrefix(img.Name, "swr.") {
		img.Type = "swr_image"
	}
	switch img.ScanStatus {
	case "success":
		img.LatestScanTime = img.LatestUpdateTime.Add(time.Duration(rng.Int63n(int64(time.Hour))))
		img.VulNum = int64(rng.ExpFloat64() * 40)
		img.UnsafeSettingNum = rng.Int63n(6)
		img.ComponentNum = 20 + rng.Int63n(600)
		if rng.Intn(25) == 0 {
			img.MaliciousFileNum = 1 + rng.Int63n(3)
		}
		img.SeverityLevel = "Security"
		if img.VulNum > 0 {
			img.SeverityLevel = severities[rng.Intn(len(severities))]
		}
	case "failed":
		img.ScanFailedDesc = "image layer download timed out"
	case "unscan":
		img.NonScanReason = "the image has not been scanned yet"
	}
	return img
}

// appName is the last path element of an image name.
func appName(image string) string {
	return image[strings.LastIndexByte(image, '/')+1:]
}

// genEntryPoint returns a start command; about 3% carry a secret-looking
// argument, so tests can prove it never leaks.
func genEntryPoint(rng *rand.Rand, image string) string {
	app := appName(image)
	switch n := rng.Intn(100); {
	case n < 2:
		return "java -jar /app/" + app + ".jar --spring.datasource.password=S3cr3t-" + randHex(rng, 12)
	case n < 3:
		return "redis-server --requirepass " + randHex(rng, 24)
	case n < 40:
		return "/docker-entrypoint.sh " + app
	case n < 70:
		return "/usr/local/bin/" + app + " --config /etc/" + app + "/config.yaml"
	}
	return ""
}
