// Package deploy holds no code: it keeps the deployment files of
// hss_exporter (Dockerfile, Kubernetes, Prometheus, Alertmanager, Compose,
// systemd), and its tests prove them valid and in step with each other.
// Regenerate kubernetes/common/prometheusrule.yaml from prometheus/alerts.yml with
//
//	go test ./deploy -run TestPrometheusRule -update
package deploy
