// Command socbench is the benchmark harness behind `make bench`: in one run
// it produces the seeded data set to Kafka (or an in-process kfake), then
// measures the raw consume baseline, the full `socwatch run` pipeline with
// and without the re-key stage, the engine alone on one and on all cores,
// rule-count scaling, state memory per key, and alert latency at half the
// maximum rate. It prints one table and writes the same figures as JSON to
// bench/results/. See bench/README.md for the flags.
package main
