package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// stack is the running exporter, Prometheus and Alertmanager.
type stack struct {
	exporter string // host:port of the exporter
	demoAPI  string // base URL of the stand-in HSS API
	prom     promAPI
	alerts   chan webhookAlert
	kubePods map[string]kubePod // what the stand-in kube-state-metrics serves
}

// webhookAlert is one alert as Alertmanager's webhook delivers it.
type webhookAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// securityFor is the `for:` the e2e gives the security alerts: the real
// ones wait 15m to 1h, longer than a test can. Only the copy of the rules
// in the test's temp dir is rewritten; the expressions are untouched.
const securityFor = "2s"

// shortenSecurityFor writes a copy of alerts.yml with the `for:` of every
// category=security rule set to securityFor.
func shortenSecurityFor(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(data, &doc))
	shortened := 0
	for _, group := range mapValue(doc.Content[0], "groups").Content {
		for _, rule := range mapValue(group, "rules").Content {
			category := mapValue(mapValue(rule, "labels"), "category")
			if category == nil || category.Value != "security" {
				continue
			}
			forNode := mapValue(rule, "for")
			require.NotNil(t, forNode, "security rule without for:")
			forNode.Value = securityFor
			shortened++
		}
	}
	require.NotZero(t, shortened, "no security rules found in %s", src)
	out, err := yaml.Marshal(&doc)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dst, out, 0o644))
}

// mapValue returns the value of key in a mapping node, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// startWebhook serves Alertmanager's webhook and passes on every alert.
func startWebhook(t *testing.T) (string, chan webhookAlert) {
	t.Helper()
	alerts := make(chan webhookAlert, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var msg struct {
			Alerts []webhookAlert `json:"alerts"`
		}
		if err := json.Unmarshal(body, &msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, a := range msg.Alerts {
			select {
			case alerts <- a:
			default: // the test has what it needs
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/alerts", alerts
}

// demoURLInLog finds the stand-in HSS API's URL in the exporter's log.
var demoURLInLog = regexp.MustCompile(`msg="demo: stand-in HSS API started[^\n]* url=(\S+)`)

// demoURL waits for the --demo exporter p to log where its stand-in HSS
// API listens, and returns that URL.
func demoURL(t *testing.T, p *process) string {
	t.Helper()
	var url string
	p.await(t, "the demo API started", func(log string) bool {
		if m := demoURLInLog.FindStringSubmatch(log); m != nil {
			url = m[1]
		}
		return url != ""
	})
	return url
}

// startStack builds and starts the exporter (--demo), Alertmanager,
// Prometheus with the rules of deploy/prometheus, and a stand-in
// kube-state-metrics serving the demo fleet's pods, each on its own
// loopback port with data under a temp dir.
func startStack(t *testing.T) *stack {
	testtool.NeedAll(t, testtool.Prometheus, testtool.Alertmanager, testtool.Promtool)
	prometheus := testtool.Need(t, testtool.Prometheus)
	alertmanager := testtool.Need(t, testtool.Alertmanager)
	dir := t.TempDir()
	exporter := buildExporter(t)
	// A budget above the fleet's image count: the stand-in still enforces
	// it, and the test's own reads of the truth (as the same user) fit too.
	proc := startProcess(t, "hss_exporter", exporter, "--demo", "--demo.api-calls-per-minute=6000",
		"--web.listen-address="+anyPort, "--demo.listen-address="+anyPort)
	s := &stack{exporter: proc.listenAddress(t), demoAPI: demoURL(t, proc)}

	hook, alerts := startWebhook(t)
	s.alerts = alerts
	amConfig := fmt.Sprintf(`route:
  receiver: e2e
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: e2e
    webhook_configs:
      - url: %s
`, hook)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "alertmanager.yml"), []byte(amConfig), 0o644))
	amAddr := startProcess(t, "alertmanager", alertmanager,
		"--config.file="+filepath.Join(dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "alertmanager-data"),
		"--web.listen-address="+anyPort,
		"--cluster.listen-address=").listenAddress(t) // no clustering, no gossip port

	shortenSecurityFor(t, "../deploy/prometheus/alerts.yml", filepath.Join(dir, "alerts.yml"))
	ksm := startKubeStateMetrics(t)
	promConfig := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [alerts.yml, %q]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['%s']
scrape_configs:
  - job_name: hss_exporter
    static_configs:
      - targets: ['%s']
  - job_name: kube-state-metrics
    static_configs:
      - targets: ['%s', '%s']
`, mustAbs(t, "../deploy/prometheus/kube-join.rules.yml"), amAddr, s.exporter, ksm.targets[0], ksm.targets[1])
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(promConfig), 0o644))
	promAddr := startProcess(t, "prometheus", prometheus,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "prometheus-data"),
		"--web.listen-address="+anyPort).listenAddress(t)
	s.prom = promAPI{base: "http://" + promAddr}

	eventually(t, "exporter ready", func() error { return httpOK("http://" + s.exporter + "/readyz") })
	eventually(t, "alertmanager ready", func() error { return httpOK("http://" + amAddr + "/-/ready") })
	eventually(t, "prometheus ready", func() error { return httpOK(s.prom.base + "/-/ready") })
	eventually(t, "the demo fleet's pods for kube_pod_info", func() error {
		var err error
		s.kubePods, err = kubePodsOf(s.demoAPI)
		return err
	})
	ksm.serve(s.kubePods)
	return s
}
