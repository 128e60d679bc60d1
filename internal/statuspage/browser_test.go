package statuspage

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/internal/demo"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

func TestMain(m *testing.M) { testtool.Main(m) }

// needChromium skips without Debian's chromium on a developer machine, but
// fails in CI (env CI set), where a skipped browser test would pass unnoticed.
func needChromium(t *testing.T) {
	t.Helper()
	testtool.Need(t, testtool.Chromium)
}

// chromium runs headless Chromium once with args and returns its stdout.
func chromium(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, testtool.Need(t, testtool.Chromium), append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "chromium %v:\n%s", args, stderr.String())
	return stdout.String()
}

// dumpDOM returns the DOM Chromium built from url, serialised.
func dumpDOM(t *testing.T, url string) string {
	t.Helper()
	dom := chromium(t, "--dump-dom", url)
	require.Contains(t, dom, "HSS Exporter status", "Chromium did not render the page")
	return dom
}

// screenshot saves what Chromium shows of url as artifacts/name, which
// CI keeps and docs/status.md names.
func screenshot(t *testing.T, url, name string) {
	t.Helper()
	path := testtool.Artifact(t, name)
	_ = os.Remove(path)
	chromium(t, "--screenshot="+path, "--window-size=1280,2000", "--hide-scrollbars", url)
	png, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(png, []byte("\x89PNG")), "%s is a PNG", path)
	t.Logf("screenshot: %s", path)
}

var (
	factRE  = regexp.MustCompile(`data-k="([a-z_]+)"[^>]*>([^<]*)<`)
	rowRE   = regexp.MustCompile(`(?s)<tr data-k="image">(.*?)</tr>`)
	classRE = regexp.MustCompile(`data-k="([a-z_]+)" class="([^"]*)"`)
)

// shownFacts is what the page shows: the text of each data-k element
// (the first of each name), and the image rows in page order.
type shownFacts struct {
	text   map[string]string
	images []map[string]string
}

func readFacts(dom string) shownFacts {
	f := shownFacts{text: map[string]string{}}
	for _, row := range rowRE.FindAllStringSubmatch(dom, -1) {
		cells := map[string]string{}
		for _, m := range factRE.FindAllStringSubmatch(row[1], -1) {
			cells[m[1]] = html.UnescapeString(m[2])
		}
		f.images = append(f.images, cells)
	}
	for _, m := range factRE.FindAllStringSubmatch(rowRE.ReplaceAllString(dom, ""), -1) {
		if _, ok := f.text[m[1]]; !ok {
			f.text[m[1]] = html.UnescapeString(m[2])
		}
	}
	return f
}

// wantFacts is what the page must show for a target of /api/v1/status.
func wantFacts(tr TargetReport) shownFacts {
	itoa := strconv.Itoa
	w := shownFacts{text: map[string]string{
		"name": tr.Name, "health": string(tr.Health), "summary": tr.Summary,
		"images": itoa(tr.Counts.Images), "containers": itoa(tr.Counts.Containers),
		"hosts": itoa(tr.Counts.Hosts), "pods": itoa(tr.Counts.Pods),
		"refreshes_skipped": strconv.FormatUint(tr.RefreshesSkipped, 10),
		"refresh_interval":  secondsText(tr.RefreshIntervalSeconds),
	}}
	if tr.LastSuccessAt != nil {
		w.text["last_success"] = timeText(*tr.LastSuccessAt)
	}
	if lr := tr.LastRefresh; lr != nil {
		w.text["last_refresh"], w.text["result"] = timeText(lr.StartedAt), resultText(lr.Result)
		w.text["duration"] = secondsText(lr.DurationSeconds)
		w.text["requests"], w.text["retries"] = strconv.FormatUint(lr.Requests, 10), strconv.FormatUint(lr.Retries, 10)
		w.text["images_failed"] = itoa(lr.ImagesFailed)
	}
	for _, img := range append(append([]ImageReport{}, tr.TopImages...), tr.PublicImages...) {
		w.images = append(w.images, map[string]string{
			"image_name": img.Name, "image_version": img.Version, "image_containers": itoa(img.Containers),
			"image_public": itoa(img.PublicContainers), "image_severity": img.Severity,
			"image_vulnerabilities": strconv.FormatInt(img.Vulnerabilities, 10),
		})
	}
	return w
}

func requireShows(t *testing.T, want, got shownFacts) {
	t.Helper()
	for k, v := range want.text {
		require.Equal(t, v, got.text[k], "page field %s", k)
	}
	require.Equal(t, want.images, got.images, "image rows, top images then public ones")
}

func getStatus(t *testing.T, env *statusEnv) TargetReport {
	t.Helper()
	return env.status(t).Targets[0]
}

// TestBrowserShowsTheDemoAsTheJSONSays opens --demo's status page in
// headless Chromium: the numbers equal /api/v1/status, the hostile image
// name is text, not a script element.
func TestBrowserShowsTheDemoAsTheJSONSays(t *testing.T) {
	t.Parallel()
	needChromium(t)
	env := newDemoEnv(t)
	require.NoError(t, env.refresh())
	require.NoError(t, env.postureError())
	before := getStatus(t, env)
	dom := dumpDOM(t, env.base+"/status")
	got := readFacts(dom)
	want := wantFacts(before)
	requireShows(t, want, got)

	require.NotContains(t, strings.ToLower(dom), "<script", "no script element reached the DOM")
	var names []string
	for _, row := range got.images {
		names = append(names, row["image_name"])
	}
	require.Contains(t, names, demo.HostileImageName, "the hostile name is shown, as text")
	require.Contains(t, dom, "&lt;script&gt;alert(\"hss\")&lt;/script&gt;")
	screenshot(t, env.base+"/status", "status-page.png")
}

// TestBrowserShowsFailureAndStaleAge makes the stand-in API fail and checks
// the page tells the error and the stale age.
func TestBrowserShowsFailureAndStaleAge(t *testing.T) {
	t.Parallel()
	needChromium(t)
	env := newStatusEnv(t)
	require.NoError(t, env.refresh())
	env.srv.SetFaults(hssfake.Faults{Rules: []hssfake.Fault{{Kind: hssfake.FaultStatus, Status: http.StatusServiceUnavailable}}})
	env.clock.Advance(6 * time.Minute) // max_staleness is 5m
	require.Error(t, env.refresh())

	tr := getStatus(t, env)
	require.Equal(t, collector.HealthStale, tr.Health)
	dom := dumpDOM(t, env.base+"/status")
	got := readFacts(dom)
	requireShows(t, wantFacts(tr), got)
	require.Contains(t, got.text["error"], "HTTP 503")
	require.Equal(t, tr.LastRefresh.Error, got.text["error"])
	require.Equal(t, tr.LastRefresh.ErrorExplained, got.text["error_explained"])
	require.Equal(t, "6m", got.text["data_age"], "the stale age")
	require.Equal(t, "5m", got.text["max_staleness"])
	classes := map[string]string{}
	for _, m := range classRE.FindAllStringSubmatch(dom, -1) {
		classes[m[1]] = m[2]
	}
	require.Equal(t, "stale", classes["data_age"], "the age is marked stale")
	require.Contains(t, got.text["summary"], "Stale: no good refresh for 6m")
	screenshot(t, env.base+"/status", "status-page-failing.png")
}

// rowsOf returns the cells (data-k to text) of every <tr data-k="kind"> of
// the DOM, in page order.
func rowsOf(dom, kind string) []map[string]string {
	var out []map[string]string
	for _, row := range regexp.MustCompile(`(?s)<tr data-k="`+kind+`">(.*?)</tr>`).FindAllStringSubmatch(dom, -1) {
		cells := map[string]string{}
		for _, m := range factRE.FindAllStringSubmatch(row[1], -1) {
			cells[m[1]] = html.UnescapeString(m[2])
		}
		out = append(out, cells)
	}
	return out
}

// TestBrowserShowsTheBlindSpotsAsTheJSONSays opens the status page in
// headless Chromium: the Blind spots section lists the nodes at fault with
// their containers, the unlisted host, the unhandled events and the
// quotas as /api/v1/status does, and the hostile degradation reason is
// text.
func TestBrowserShowsTheBlindSpotsAsTheJSONSays(t *testing.T) {
	t.Parallel()
	needChromium(t)
	env := newStatusEnv(t)
	withBlindSpots(env)
	env.refreshAll(t)
	b := env.status(t).Targets[0].BlindSpots
	dom := dumpDOM(t, env.base+"/status")
	got := readFacts(dom)
	itoa := strconv.Itoa
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }

	require.Equal(t, b.Summary, got.text["blind_summary"])
	require.Equal(t, itoa(b.ContainersOnNodesAtFault), got.text["containers_at_fault"])
	require.Equal(t, itoa(b.NodesAtFaultTotal), got.text["nodes_at_fault"])
	require.Equal(t, itoa(b.Nodes), got.text["nodes"])
	require.Equal(t, itoa(b.ContainersOnUnlistedHosts), got.text["containers_unlisted"])
	require.Equal(t, i64(b.UnhandledEventsTotal), got.text["events_unhandled"])
	for _, p := range b.Parts {
		require.Equal(t, postureStateText(p.State), got.text["posture_"+p.Part])
	}
	var nodes, unlisted, events, quotas []map[string]string
	for _, n := range b.NodesAtFault {
		nodes = append(nodes, map[string]string{"node_name": n.HostName, "node_fault": n.Fault,
			"node_containers": itoa(n.Containers), "node_agent": n.AgentStatus, "node_protection": n.ProtectStatus,
			"node_host_status": n.HostStatus, "node_type": n.NodeType})
	}
	for _, h := range b.UnlistedHosts {
		unlisted = append(unlisted, map[string]string{"unlisted_name": h.HostName, "unlisted_id": h.HostID,
			"unlisted_containers": itoa(h.Containers)})
	}
	for _, e := range b.UnhandledEvents {
		events = append(events, map[string]string{"events_category": e.Category, "events_critical": i64(e.Critical),
			"events_high": i64(e.High), "events_medium": i64(e.Medium), "events_low": i64(e.Low)})
	}
	for _, q := range b.Quotas {
		quotas = append(quotas, map[string]string{"quota_edition": q.Edition, "quota_total": i64(q.Total),
			"quota_used": i64(q.Used), "quota_available": i64(q.Available)})
	}
	require.Len(t, nodes, 2)
	require.Equal(t, nodes, rowsOf(dom, "node"))
	require.Equal(t, unlisted, rowsOf(dom, "unlisted"))
	require.Equal(t, events, rowsOf(dom, "events"))
	require.Equal(t, quotas, rowsOf(dom, "quota"))
	require.Contains(t, nodes[0]["node_fault"], hostileReason, "the reason is shown as text")
	require.NotContains(t, dom, "<b>not</b>", "and never as markup")
	screenshot(t, env.base+"/status", "status-page-blind-spots.png")
}
