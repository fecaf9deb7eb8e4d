// Package deploytest checks what deploy/ ships against the real thing: the
// Grafana dashboards' PromQL and ClickHouse SQL against a running SOC-Watch
// scraped by a real Prometheus and its real ClickHouse, the Prometheus rules
// with promtool, and the compose file and Kubernetes manifests as data
// decoded strictly into schemas of the fields they use. The non-test code
// holds the decoders and macro expansion the tests share; it has no use
// outside them.
package deploytest
