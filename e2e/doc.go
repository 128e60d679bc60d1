// Package e2e holds the end-to-end test of hss_exporter with the real
// Prometheus and Alertmanager: the exporter in --demo mode is scraped by
// Prometheus running deploy/prometheus/alerts.yml, which alerts through
// Alertmanager to a webhook served by the test. It needs /usr/bin/prometheus
// and /usr/bin/prometheus-alertmanager (Debian packages prometheus and
// prometheus-alertmanager); without them it is skipped, unless CI is set.
package e2e
