package kafka

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine/eventtime"
)

// TestMergerClampsFutureOrderKeys: a record dated far ahead of its
// partition, followed by records back within the bound, keeps its place
// behind the partition's previous record instead of holding the partition
// back until the others reach its date, and is released as future ("!").
func TestMergerClampsFutureOrderKeys(t *testing.T) {
	const year = 365 * 24 * 3600
	const bound = 100 * time.Second
	tests := []struct {
		name  string
		ahead time.Duration
		p0    []int64 // offset, seconds pairs of partition 0
		want  string
	}{
		{"a record a year ahead is released behind its partition's previous one", bound,
			[]int64{0, 10, 1, 20, 2, year, 3, 30, 4, 40},
			"t/0@0 t/1@0 t/0@1 t/0@2! t/1@1 t/0@3 t/1@2 t/0@4 t/1@3"},
		{"exactly the bound ahead orders by its own time", bound,
			[]int64{0, 10, 1, 20, 2, 120, 3, 130, 4, 140},
			"t/0@0 t/1@0 t/0@1 t/1@1 t/1@2 t/1@3 t/0@2 t/0@3 t/0@4"},
		{"one second beyond the bound is clamped", bound,
			[]int64{0, 10, 1, 20, 2, 121, 3, 30, 4, 40},
			"t/0@0 t/1@0 t/0@1 t/0@2! t/1@1 t/0@3 t/1@2 t/0@4 t/1@3"},
		{"a sparse partition's gap longer than the bound is not reordered", bound,
			[]int64{0, 10, 1, 20, 2, 130, 3, 140, 4, 150},
			"t/0@0 t/1@0 t/0@1 t/1@1 t/1@2 t/1@3 t/0@2 t/0@3 t/0@4"},
		{"without a bound the future record holds its partition back", 0,
			[]int64{0, 10, 1, 20, 2, year, 3, 30, 4, 40},
			"t/0@0 t/1@0 t/0@1 t/1@1 t/1@2 t/1@3 t/0@2 t/0@3 t/0@4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMerger(nil, tt.ahead, 0)
			m.assign(topicPartition{"t", 0})
			m.assign(topicPartition{"t", 1})
			m.add(fetched("t", 0, 5, tt.p0...))
			m.add(fetched("t", 1, 4, 0, 15, 1, 25, 2, 35, 3, 45))
			if got := strings.Join(drain(m), " "); got != tt.want {
				t.Fatalf("merge order\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestMergerFollowsGenuineJump: eventtime.RecoverAfter consistent future
// records keep their own order keys (the partition really moved on), and
// the released records are judged as screen judges a file of the same feed:
// the run that moves the watermark is future ("!"), what follows is not.
func TestMergerFollowsGenuineJump(t *testing.T) {
	const week = 7 * 24 * 3600
	m := newMerger(nil, 100*time.Second, 0)
	m.assign(topicPartition{"t", 0})
	m.assign(topicPartition{"t", 1})
	p0 := []int64{0, 10}
	n := eventtime.RecoverAfter + 2
	for i := 1; i <= n; i++ {
		p0 = append(p0, int64(i), int64(week+i))
	}
	m.add(fetched("t", 0, int64(n+1), p0...))
	// Partition 1 jumped too, to just between partition 0's records.
	m.add(fetched("t", 1, 1, 0, week+eventtime.RecoverAfter+1))
	want := []string{"t/0@0"}
	for i := 1; i <= eventtime.RecoverAfter; i++ {
		want = append(want, fmt.Sprintf("t/0@%d!", i))
	}
	want = append(want, fmt.Sprintf("t/0@%d", eventtime.RecoverAfter+1))
	want = append(want, "t/1@0", fmt.Sprintf("t/0@%d", n))
	// The records after the jump order by their own time; t/0@9 (week+9 s)
	// and t/0@10 (week+10 s) come around t/1@0 (week+9 s; the tie goes to
	// partition 0).
	if got := strings.Join(drain(m), " "); got != strings.Join(want, " ") {
		t.Fatalf("merge order\n got %s\nwant %s", got, strings.Join(want, " "))
	}
}
