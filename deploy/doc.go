// Package deploy keeps the deployment files of hss_exporter (Dockerfile,
// Helm chart, kustomizations, Prometheus, Alertmanager, Compose, systemd)
// and the list of metric families they may use; its tests prove the files
// valid and in step with each other. After changing prometheus/alerts.yml
// or prometheus/kube-join.rules.yml, regenerate their copies (the
// kustomize PrometheusRule and the chart's files/) with
//
//	go test ./deploy -run 'TestPrometheusRule|TestChartAlerts' -update
package deploy
