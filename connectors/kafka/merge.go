package kafka

import (
	"sort"
	"time"

	"github.com/socwatch/socwatch/engine/eventtime"
	"github.com/twmb/franz-go/pkg/kgo"
)

// merger orders the records of several partitions by event time — the
// record timestamp, or the time orderKey extracts from the value — (ties:
// topic, partition, offset). A record is released only when every
// partition either has a buffered record to compare it with or is caught
// up, so that the output is in global timestamp order as far as the input
// is. Limits: a record that arrives later on a caught-up partition with an
// older timestamp than one already released is released late (out of
// order); and a partition that is behind but whose fetches bring nothing
// stalls the merge until a probe of its offsets shows it caught up.
//
// A record whose event time is more than the future bound ahead of its
// partition's newest order key (an eventtime.Guard per partition) is
// ordered by that key instead: it keeps its place behind its partition's
// previous record rather than sitting at the partition's head until the
// other partitions catch up with its date, which would hold back every
// later record of the partition and make them late downstream. Screening
// then rejects it as ts_future. A run of consistent future records moves
// the partition's order key as it moves a screening stream's watermark.
type merger struct {
	parts map[topicPartition]*mergePart
	// orderKey returns a record's event time in unix nanoseconds, or false
	// when it has none (the record then keeps its place behind the
	// previous record of its partition).
	orderKey func(*kgo.Record) (int64, bool)
	// ahead is the future bound of order keys (<= 0: none).
	ahead time.Duration
	// buffered counts records over all partitions.
	buffered int
}

type mergePart struct {
	buf  []*kgo.Record
	at   []int64 // order key of buf[i]
	head int
	last int64 // order key of the last record added
	// clock tracks the partition's newest order key and judges the next.
	clock *eventtime.Guard
	// next is the next offset to consume (-1 unknown); hwm the high
	// watermark as of the last fetch or probe (-1 unknown).
	next, hwm int64
}

// newMerger orders by orderKey (nil: the record timestamp) and clamps keys
// more than ahead in the future (<= 0: no clamp).
func newMerger(orderKey func(*kgo.Record) (int64, bool), ahead time.Duration) *merger {
	if orderKey == nil {
		orderKey = func(r *kgo.Record) (int64, bool) { return eventtime.UnixNano(r.Timestamp), true }
	}
	return &merger{parts: make(map[topicPartition]*mergePart), orderKey: orderKey, ahead: ahead}
}

func (m *merger) assign(tp topicPartition) {
	if _, ok := m.parts[tp]; !ok {
		m.parts[tp] = &mergePart{next: -1, hwm: -1, clock: eventtime.NewGuard(m.ahead, 0, nil)}
	}
}

// remove drops a partition and its buffered records.
func (m *merger) remove(tp topicPartition) {
	if p, ok := m.parts[tp]; ok {
		m.buffered -= p.len()
		delete(m.parts, tp)
	}
}

func (p *mergePart) len() int { return len(p.buf) - p.head }

func (p *mergePart) caughtUp() bool {
	return p.len() == 0 && p.next >= 0 && p.hwm >= 0 && p.next >= p.hwm
}

// add buffers a fetched partition's records and its high watermark.
func (m *merger) add(fp kgo.FetchTopicPartition) {
	p, ok := m.parts[topicPartition{fp.Topic, fp.Partition}]
	if !ok {
		return // not (or no longer) assigned
	}
	if p.head > 0 && p.head*2 >= len(p.buf) {
		n := copy(p.buf, p.buf[p.head:])
		copy(p.at, p.at[p.head:])
		clear(p.buf[n:])
		p.buf, p.at, p.head = p.buf[:n], p.at[:n], 0
	}
	p.buf = append(p.buf, fp.Records...)
	for _, r := range fp.Records {
		if k, ok := m.orderKey(r); ok && p.clock.Check(k) == eventtime.Accept {
			p.clock.Advance(k)
			p.last = k
		}
		p.at = append(p.at, p.last)
	}
	m.buffered += len(fp.Records)
	if n := len(fp.Records); n > 0 {
		p.next = fp.Records[n-1].Offset + 1
	}
	if fp.HighWatermark >= 0 {
		p.hwm = fp.HighWatermark
	}
}

// probed records offsets learnt outside fetches: next is where consumption
// resumes when nothing was consumed yet (-1 to keep), hwm the end offset.
func (m *merger) probed(tp topicPartition, next, hwm int64) {
	p, ok := m.parts[tp]
	if !ok {
		return
	}
	if p.next < 0 && next >= 0 {
		p.next = next
	}
	if hwm > p.hwm {
		p.hwm = hwm
	}
}

// blocking lists, sorted, the partitions that stall the merge: nothing
// buffered and not known to be caught up.
func (m *merger) blocking() []topicPartition {
	var out []topicPartition
	for tp, p := range m.parts {
		if p.len() == 0 && !p.caughtUp() {
			out = append(out, tp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessTP(out[i], out[j]) })
	return out
}

// pop releases the next record in merge order, or nil when the merge must
// wait for more data.
func (m *merger) pop() *kgo.Record {
	var (
		best   *kgo.Record
		bestAt int64
		bestP  *mergePart
		bestTP topicPartition
	)
	for tp, p := range m.parts {
		if p.len() == 0 {
			if !p.caughtUp() {
				return nil
			}
			continue
		}
		r, at := p.buf[p.head], p.at[p.head]
		if best == nil || recordLess(r, at, tp, best, bestAt, bestTP) {
			best, bestAt, bestP, bestTP = r, at, p, tp
		}
	}
	if best == nil {
		return nil
	}
	bestP.buf[bestP.head] = nil
	bestP.head++
	m.buffered--
	return best
}

// bufferedIn returns how many records partition tp has buffered.
func (m *merger) bufferedIn(tp topicPartition) int {
	if p, ok := m.parts[tp]; ok {
		return p.len()
	}
	return 0
}

func recordLess(a *kgo.Record, aAt int64, atp topicPartition, b *kgo.Record, bAt int64, btp topicPartition) bool {
	if aAt != bAt {
		return aAt < bAt
	}
	if atp != btp {
		return lessTP(atp, btp)
	}
	return a.Offset < b.Offset
}

func lessTP(a, b topicPartition) bool {
	if a.topic != b.topic {
		return a.topic < b.topic
	}
	return a.partition < b.partition
}
