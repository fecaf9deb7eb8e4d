// Package kafkaload is the harness's Kafka side: it generates the seeded
// data set, creates topics and produces to them (all at once, or at a
// steady rate for the latency run), measures the baseline — a franz-go
// consumer-group client that reads a topic and does nothing with the
// records — and reports a consumer group's lag, which is how the harness
// knows that `socwatch run` has made every alert durable.
package kafkaload
