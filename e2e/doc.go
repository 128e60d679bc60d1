// Package e2e holds the end-to-end tests of hss_exporter with the real
// Prometheus and Alertmanager. TestEndToEnd scrapes the exporter in --demo
// mode with Prometheus running deploy/prometheus/alerts.yml, which alerts
// through Alertmanager to a webhook served by the test. TestShardsAddUp
// runs two shards (shard 0 twice, an HA pair) and an unsharded exporter
// over one stand-in API and checks that the inventory dashboard answers the
// same for the shards as for the single exporter. They need
// /usr/bin/prometheus and /usr/bin/prometheus-alertmanager (Debian packages
// prometheus and prometheus-alertmanager); without them they are skipped,
// unless CI is set.
package e2e
