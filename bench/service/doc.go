// Package service runs `socwatch run` as a child process, the way ops run
// it, and reads its Prometheus /metrics: the harness times the pipeline
// from the child's first fetch and reads alert counts and the alert
// latency histogram from there. A child started with profiling also
// serves net/http/pprof, from which CPU and allocation profiles of a phase
// are fetched (profile.go).
package service
