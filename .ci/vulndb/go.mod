// Module vulndb builds an offline Go vulnerability database for CI. It is a
// module of its own so that the exporter's `go test ./...` never sees it.
module github.com/hss-exporter/hss_exporter/ci/vulndb

go 1.26.0
