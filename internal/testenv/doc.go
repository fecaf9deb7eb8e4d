// Package testenv connects tests to the real local services that
// deploy/local/services.sh starts (Kafka, ClickHouse) and starts throwaway
// Prometheus servers for them. Integration tests are opt-in: Integration skips
// a test unless SOCWATCH_INTEGRATION=1, and once a test has opted in, a
// service that cannot be reached fails it (with a hint to run `make services`)
// instead of skipping, so CI can never pass by silently testing nothing.
package testenv
