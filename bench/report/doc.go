// Package report holds the figures one benchmark run produces, the machine
// it ran on, and the two ways they are written out: an aligned text table
// for the terminal and one JSON object per run under bench/results/, named
// by date and short commit so that runs can be compared.
package report
