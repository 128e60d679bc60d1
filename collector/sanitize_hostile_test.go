package collector

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/labelrule"
)

// hostileFleet holds names an attacker who controls a registry, a pod spec
// or a host name could choose: quotes, backslashes, newlines, control
// characters, 10,000-character names, two long names equal in their first
// labelrule.MaxValueBytes bytes under one digest, and secrets in entry_point.
func hostileFleet() *hssfake.Fleet {
	long := strings.Repeat("r", 10000)
	const digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	images := []hssfake.Image{
		{ID: "img-quote", Name: `evil"name\with` + "\nnewline\ttab\x1b[31m\x7f", Version: `1"0\`, ScanStatus: "success"},
		{ID: "img-long-a", Name: long + "-a", Version: "1", Digest: digest},
		{ID: "img-long-b", Name: long + "-b", Version: "1", Digest: digest},
		{ID: "img-unicode", Name: "ünï\u2028cöde\u0085", Version: "\u200b", ScanStatus: "failed"},
	}
	f := hssfake.NewFleet(images, nil)
	for _, c := range []hssfake.Container{
		{ImageID: "img-quote", ID: "c1", Name: "/a\"b\\c\nd", HostID: "h1", HostName: "host\r\nInjected: 1", PodID: "p1", PodName: `pod\"x`,
			PrivateIP: "10.0.0.1", PublicIP: "198.51.100.1", AgentID: "ag\x00ent", EntryPoint: "run --password=Sup3rS3cretEntry"},
		{ImageID: "img-long-a", ID: "c2", Name: strings.Repeat("n", 10000), HostID: strings.Repeat("h", 10000), HostName: "x",
			EntryPoint: "java -Dtoken=Sup3rS3cretEntry"},
		{ImageID: "img-long-b", ID: "c3", Name: strings.Repeat("n", 10000) + "-other", HostID: strings.Repeat("h", 10000) + "-other", HostName: "x"},
		{ImageID: "img-unicode", ID: "c4", Name: "\u2028", HostID: "h4", HostName: "h\u0085ost"},
	} {
		f.AddContainer(c)
	}
	return f
}

func TestHostileNamesKeepTheServedExpositionValid(t *testing.T) {
	t.Parallel()
	for _, containerInfo := range []bool{false, true} {
		cfg := clientTarget()
		cfg.ContainerInfo = containerInfo
		e := newEnv(t, cfg, serving(hostileFleet()), retrying()).e
		require.NoError(t, refreshOnce(t, e, "h"))

		text := scrapeChecked(t, e) // parses, and passes promtool when installed
		require.Empty(t, duplicateSeries(text), "no series twice, even where truncation makes two names equal")
		require.NotContains(t, text, "Sup3rS3cretEntry", "entry_point never leaves the process")
		require.NotContains(t, text, "entry_point")
		require.NotContains(t, text, "\nInjected: 1", "a newline in a value cannot start a line")
		for _, line := range strings.Split(text, "\n") {
			require.LessOrEqual(t, len(line), 20*labelrule.MaxValueBytes, "values are cut to the documented length")
		}
		require.Len(t, textSeries(text, "hss_image_containers", `image_name="evil\"name\\withnewlinetab[31m"`, `image_version="1\"0\\"`, "} 1"), 1,
			"quotes and backslashes escaped, control characters removed")
		// Two host IDs equal in their first labelrule.MaxValueBytes bytes become
		// one host once cut: its series counts both, and no container is lost.
		require.Len(t, textSeries(text, "hss_host_containers"), 3)
		require.Len(t, textSeries(text, "hss_host_containers", `host_id="`+strings.Repeat("h", labelrule.MaxValueBytes)+`"`, "} 2"), 1)
		require.Positive(t, len(textSeries(text, "hss_exporter_label_values_sanitized_total", `target="h"`)))
		require.Empty(t, textSeries(text, "hss_exporter_label_values_sanitized_total", "} 0"), "the changes are counted")
	}
}

// TestTruncationCollisionLosesNoContainer: two images whose names are equal
// in their first labelrule.MaxValueBytes bytes, under one digest and version,
// become one label set once cut. Their containers must still all be
// counted (summed into that one series), as hss_host_containers does;
// dropping the second series loses them from hss_image_containers.
func TestTruncationCollisionLosesNoContainer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, clientTarget(), serving(hostileFleet()), retrying()).e
	require.NoError(t, refreshOnce(t, e, "h"))
	text := scrapeChecked(t, e)
	long := `image_name="` + strings.Repeat("r", labelrule.MaxValueBytes) + `"`
	require.Len(t, textSeries(text, "hss_image_containers", long, "} 2"), 1,
		"both containers of the two colliding images are counted")
}
