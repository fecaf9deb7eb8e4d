package main

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// integrationParallel is how many tests marked t.Parallel run at once
// unless -test.parallel is given: two, go test's default on a 2-core CI
// machine, set here so that a larger machine does not run more. Most of
// these tests wait on Kafka, ClickHouse and outages (TestClickHouseLongOutage
// waits 90 s), so two at once take about a third less time than one at a
// time (serial 1,373 s; two at once 884 and 634 s; the same loaded machine).
// They once ran one at a time: with four at once, stream == batch tests that
// produce to a multi-partition topic while `socwatch run` re-keys it moved
// 2–3 of ~160–370 alerts, as the re-key merge released a partition's later
// records before another partition's were written. The two that did
// (TestAddedPartitionsAreConsumed, TestRebalanceMovesStateThroughCheckpoints)
// now run with a merge grace for caught-up partitions (kafka.merge_idle) and
// produce while the stage is stopped, respectively. Four at once was not
// tried again.
const integrationParallel = 2

// TestMain sets -test.parallel to integrationParallel unless it was given
// on the command line (go test's default, GOMAXPROCS, would run two).
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", fmt.Sprint(integrationParallel)); err != nil {
			fmt.Fprintln(os.Stderr, "set -test.parallel:", err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}
