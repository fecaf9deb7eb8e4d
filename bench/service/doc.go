// Package service runs `socwatch run` as a child process, the way ops run
// it, and reads its Prometheus /metrics: the harness times the pipeline
// from the child's first fetch and reads alert counts and the alert
// latency histogram from there.
package service
