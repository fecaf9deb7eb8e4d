package cputime

import "time"

// rusageThread is Linux's RUSAGE_THREAD, missing from package syscall.
const rusageThread = 1

func thread() time.Duration { return rusage(rusageThread) }
