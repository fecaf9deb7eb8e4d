// Package stats holds the small pieces of arithmetic the benchmark harness
// reports with: exact percentiles of a sample, quantiles estimated from a
// Prometheus histogram's cumulative buckets (the way PromQL's
// histogram_quantile does), and rates.
package stats
