package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// integrationParallel is how many tests marked t.Parallel run at once, at
// least. Most of this package's integration tests wait rather than compute:
// on a consumer group's session timeout after a kill -9, on a ClickHouse
// outage, on a child process starting. go test's default, GOMAXPROCS,
// would leave a 2-core CI machine idle through those waits.
const integrationParallel = 4

// TestMain raises -test.parallel to integrationParallel unless it was
// given on the command line.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if n := max(integrationParallel, runtime.GOMAXPROCS(0)); !given {
		if err := flag.Set("test.parallel", strconv.Itoa(n)); err != nil {
			fmt.Fprintln(os.Stderr, "set -test.parallel:", err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}
