package clusters

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// The cluster families are kept encoded beside the inventory's: the page
// the real handler serves must still hold every family once, with its
// HELP and TYPE once, in both formats and gzipped alike.
func TestScrapeServesInventoryAndClusterFamiliesEachOnceAsValidExposition(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 2, Containers: 100})
	r := newRig(t, fleet, rigOptions{noRun: true})
	r.set.sources[0].tg.Config.ContainerInfo = true
	truth := fleet.ClusterTruth("")
	require.Eventually(t, func() bool { return r.inventoryExact(truth) }, 20*time.Second, 20*time.Millisecond)
	r.set.sources[0].sweep(context.Background())

	text := r.page(t, "")
	want := []string{"hss_cluster_containers", "hss_cluster_image_containers", "hss_cluster_container_restarts",
		"hss_cluster_risky_containers", "hss_container_cluster_info", "hss_clusters_up", "hss_image_info"}
	for _, body := range []string{text, r.page(t, "application/openmetrics-text;version=1.0.0")} {
		types := map[string]int{}
		helps := map[string]int{}
		for _, line := range strings.Split(body, "\n") {
			if f := strings.Fields(line); len(f) > 2 && f[0] == "#" {
				map[string]map[string]int{"TYPE": types, "HELP": helps}[f[1]][f[2]]++
			}
		}
		for name, n := range types {
			require.Equal(t, 1, n, "TYPE of %s", name)
			require.Equal(t, 1, helps[name], "HELP of %s", name)
		}
		for _, name := range want {
			require.Contains(t, types, name)
		}
	}
	require.Equal(t, truth.ByContainer, r.gather(t).places, "the text page parses, every container placed")

	om := r.page(t, "application/openmetrics-text;version=1.0.0")
	require.True(t, strings.HasSuffix(om, "\n# EOF\n"), "OpenMetrics ends with # EOF")
	require.Equal(t, 1, strings.Count(om, "# EOF"))

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	r.handler().ServeHTTP(rec, req)
	zr, err := gzip.NewReader(rec.Body)
	require.NoError(t, err)
	unzipped, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, stripVolatile(text), stripVolatile(string(unzipped)), "gzip serves the same page")

	cmd := exec.Command(testtool.Need(t, testtool.Promtool), "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "promtool check metrics:\n%s", out)
}

// stripVolatile drops the live series that change between two scrapes
// (ages, the process), so two pages compare by their cached part.
func stripVolatile(page string) string {
	var b bytes.Buffer
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, "hss_cluster") || strings.HasPrefix(line, "hss_container_cluster") ||
			strings.HasPrefix(line, "hss_image_info") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
