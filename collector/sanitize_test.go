package collector

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/labelrule"
)

func TestHostileLabelValuesKeepTheExpositionValid(t *testing.T) {
	t.Parallel()
	api := testFleet()
	hostile := []hssclient.Container{
		{ContainerID: "x1", ContainerName: strings.Repeat("n", 10000), HostID: "h9", HostName: "evil\nhost\xff",
			PodName: `pod "quoted" \ back`, AgentID: "a\x00gent"},
		// The same host once the control character is gone: one host series.
		{ContainerID: "x2", HostID: "h9", HostName: "evil\nhost\xff"},
		// Rows without container_id cannot be de-duplicated: both count,
		// but identical info series must not be emitted twice.
		{ContainerName: "anon"},
		{ContainerName: "anon"},
	}
	api.set(func(f *fakeAPI) {
		f.images = append(f.images, hssclient.LocalImage{ImageName: "bad\x1bname", ImageVersion: "1", ContainerNum: 4})
		f.containers[nameKey("bad\x1bname", "1")] = hostile
	})
	cfg := testTarget()
	cfg.ContainerInfo = true
	e := newEnv(t, cfg, overAPI(api)).e
	require.NoError(t, refreshOnce(t, e, "prod"))

	text := exposition(t, e)
	parser := expfmt.NewTextParser(model.LegacyValidation)
	_, err := parser.TextToMetricFamilies(strings.NewReader(text))
	require.NoError(t, err)
	requireLintClean(t, e)

	require.Equal(t, api.callCount(nameKey("bad\x1bname", "1")), 1, "queries use the raw upstream value")
	require.Len(t, seriesWith(t, e, "hss_image_containers", `image_name="badname"`, "} 4"), 1)
	require.Len(t, seriesWith(t, e, "hss_host_containers", `host_name="evilhost`+"\uFFFD"+`"`, "} 2"), 1)
	require.Len(t, seriesWith(t, e, "hss_pod_containers", `pod_name="pod \"quoted\" \\ back"`), 1)
	require.Len(t, seriesWith(t, e, "hss_container_info", `container_name="anon"`), 1)
	require.Len(t, seriesWith(t, e, "hss_container_info", `container_name="`+strings.Repeat("n", labelrule.MaxValueBytes)+`"`), 1)
	// Changed: the image name, x1's container name, host name and agent
	// id, x2's host name.
	require.Len(t, seriesWith(t, e, "hss_exporter_label_values_sanitized_total", "} 5"), 1)
}

// Names that are not UTF-8 reach the exporter already repaired to U+FFFD
// by the JSON encoder of the API and the decoder of the client; each such
// value is still one the rule changed, and is counted.
func TestInvalidUTF8NamesFromTheAPIAreCounted(t *testing.T) {
	t.Parallel()
	var images []hssfake.Image
	for i := range 3 {
		images = append(images, hssfake.Image{ID: fmt.Sprintf("img-%d", i), Name: fmt.Sprintf("repo\xff-%d", i),
			Version: "1", Digest: fmt.Sprintf("sha256:%064d", i), ScanStatus: "success"})
	}
	fleet := hssfake.NewFleet(images, nil)
	for i := range 6 {
		fleet.AddContainer(hssfake.Container{ImageID: fmt.Sprintf("img-%d", i%3), ID: fmt.Sprintf("c%d", i),
			Name: fmt.Sprintf("app\xfe\xfd-%d", i), HostID: "h1", HostName: "host-1"})
	}
	cfg := clientTarget()
	cfg.ContainerInfo = true
	e := newEnv(t, cfg, serving(fleet), retrying()).e
	require.NoError(t, refreshOnce(t, e, "h"))

	text := scrapeChecked(t, e)
	require.Len(t, textSeries(text, "hss_container_info", `container_name="app`+"\uFFFD\uFFFD"+`-0"`), 1)
	require.Len(t, textSeries(text, "hss_image_containers", `image_name="repo`+"\uFFFD"+`-0"`, "} 2"), 1,
		"the containers of an image with a repaired name are listed (by its digest)")
	require.Equal(t, []string{`hss_exporter_label_values_sanitized_total{target="h"} 9`},
		textSeries(text, "hss_exporter_label_values_sanitized_total"), "three image names and six container names")
}
