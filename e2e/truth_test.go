package e2e

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// inventory is what the demo fleet implies for the exported gauges:
// containers per image (name|version|digest), per host and per pod, and
// containers with a public IP. hostIDs counts the containers per host_id,
// for the posture's joins; equal leaves it out, since it restates hosts.
type inventory struct {
	images, hosts, pods, hostIDs map[string]float64
	public                       float64
}

func newInventory() inventory {
	return inventory{images: map[string]float64{}, hosts: map[string]float64{}, pods: map[string]float64{},
		hostIDs: map[string]float64{}}
}

func (a inventory) equal(b inventory) bool {
	return maps.Equal(a.images, b.images) && maps.Equal(a.hosts, b.hosts) &&
		maps.Equal(a.pods, b.pods) && a.public == b.public
}

func (a inventory) String() string {
	var sum float64
	for _, v := range a.images {
		sum += v
	}
	return fmt.Sprintf("%d images with %v containers on %d hosts in %d pods, %v public",
		len(a.images), sum, len(a.hosts), len(a.pods), a.public)
}

// demoTruth reads the fleet straight from the stand-in HSS API with the
// demo credentials, counting on its own what the exporter should export.
func demoTruth(baseURL string) (inventory, error) {
	inv := newInventory()
	err := eachDemoContainer(baseURL, func(img hssclient.LocalImage, c hssclient.Container) {
		inv.images[img.ImageName+"|"+img.ImageVersion+"|"+img.ImageDigest]++
		inv.hosts[c.HostName]++
		inv.hostIDs[c.HostID]++
		if c.PodName != "" {
			inv.pods[c.PodName]++
		}
		if c.PublicIP != "" {
			inv.public++
		}
	})
	return inv, err
}

// eachDemoContainer calls fn for every container of the stand-in's fleet,
// with its image, read as the demo configuration reads it.
func eachDemoContainer(baseURL string, fn func(hssclient.LocalImage, hssclient.Container)) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := hssclient.New(hssclient.Config{
		Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: baseURL,
		Auth: auth.NewAKSK(hssfake.DemoAccessKey, hssfake.DemoSecretKey, ""),
	})
	if err != nil {
		return err
	}
	const eps = "all_granted_eps" // as the demo configuration asks
	var images []hssclient.LocalImage
	err = client.EachImage(ctx, hssclient.ListImagesRequest{EnterpriseProjectID: eps}, func(img hssclient.LocalImage) error {
		images = append(images, img)
		return nil
	})
	if err != nil {
		return err
	}
	for _, img := range images {
		req := hssclient.ListContainersRequest{EnterpriseProjectID: eps,
			ImageName: img.ImageName, ImageVersion: img.ImageVersion, ImageDigest: img.ImageDigest}
		err := client.EachContainer(ctx, req, func(c hssclient.Container) error {
			fn(img, c)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// exported reads the same inventory from Prometheus.
func exported(p promAPI) (inventory, error) {
	inv := newInventory()
	queries := []struct {
		expr string
		add  func(sample)
	}{
		{`hss_image_containers{target="demo"} > 0`, func(s sample) {
			inv.images[s.Metric["image_name"]+"|"+s.Metric["image_version"]+"|"+s.Metric["image_digest"]] = s.Value
		}},
		{`sum by (host_name) (hss_host_containers{target="demo"}) > 0`, func(s sample) { inv.hosts[s.Metric["host_name"]] = s.Value }},
		{`sum by (pod_name) (hss_pod_containers{target="demo"}) > 0`, func(s sample) { inv.pods[s.Metric["pod_name"]] = s.Value }},
		{`sum(hss_image_public_containers{target="demo"})`, func(s sample) { inv.public = s.Value }},
	}
	for _, q := range queries {
		samples, err := p.query(q.expr)
		if err != nil {
			return inventory{}, err
		}
		for _, s := range samples {
			q.add(s)
		}
	}
	return inv, nil
}
