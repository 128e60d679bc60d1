package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// artifactsDir holds the screenshots CI keeps; the README names them.
const artifactsDir = "artifacts"

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

// screenshot saves what Chromium shows of url as artifacts/name.
func screenshot(t *testing.T, url, name string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(artifactsDir, 0o755))
	path, err := filepath.Abs(filepath.Join(artifactsDir, name))
	require.NoError(t, err)
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
func wantFacts(tr targetReport) shownFacts {
	itoa := strconv.Itoa
	w := shownFacts{text: map[string]string{
		"name": tr.Name, "health": tr.Health, "summary": tr.Summary,
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
	for _, img := range append(append([]imageReport{}, tr.TopImages...), tr.PublicImages...) {
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

func getStatus(t *testing.T, base string) targetReport {
	t.Helper()
	code, body, err := httpGet(http.DefaultClient, base+"/api/v1/status")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	var r statusReport
	require.NoError(t, json.Unmarshal([]byte(body), &r))
	require.Len(t, r.Targets, 1)
	return r.Targets[0]
}

// TestBrowserShowsTheDemoAsTheJSONSays opens --demo's status page in
// headless Chromium: the numbers equal /api/v1/status, the hostile image
// name is text, not a script element.
func TestBrowserShowsTheDemoAsTheJSONSays(t *testing.T) {
	needChromium(t)
	r := startExporter(t, "--demo", fastDemo)
	waitForInventory(t, http.DefaultClient, r.base)
	// A refresh landing between the JSON and the page changes both; read
	// again until one JSON answer brackets the page.
	var before targetReport
	var dom string
	for range 5 {
		before = getStatus(t, r.base)
		dom = dumpDOM(t, r.base+"/status")
		if after := getStatus(t, r.base); after.LastRefresh.StartedAt.Equal(before.LastRefresh.StartedAt) {
			break
		}
	}
	got := readFacts(dom)
	want := wantFacts(before)
	delete(want.text, "refreshes_skipped") // may tick between the two reads
	requireShows(t, want, got)

	require.NotContains(t, strings.ToLower(dom), "<script", "no script element reached the DOM")
	var names []string
	for _, row := range got.images {
		names = append(names, row["image_name"])
	}
	require.Contains(t, names, demoHostileImageName, "the hostile name is shown, as text")
	require.Contains(t, dom, "&lt;script&gt;alert(\"hss\")&lt;/script&gt;")
	screenshot(t, r.base+"/status", "status-page.png")
}

// TestBrowserShowsFailureAndStaleAge makes the stand-in API fail and checks
// the page tells the error and the stale age.
func TestBrowserShowsFailureAndStaleAge(t *testing.T) {
	needChromium(t)
	env := newStatusEnv(t)
	require.NoError(t, env.refresh())
	env.srv.SetFaults(hssfake.Faults{Rules: []hssfake.Fault{{Kind: hssfake.FaultStatus, Status: http.StatusServiceUnavailable}}})
	env.clock.Add(6 * time.Minute) // max_staleness is 5m
	require.Error(t, env.refresh())

	tr := getStatus(t, env.base)
	require.Equal(t, healthStale, tr.Health)
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
