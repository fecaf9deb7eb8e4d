package kafka

import (
	"sort"
	"time"

	"github.com/socwatch/socwatch/engine/eventtime"
	"github.com/twmb/franz-go/pkg/kgo"
)

// merger orders the records of several partitions by event time — the
// record timestamp, or the time prepare extracts from the value — (ties:
// topic, partition, offset). A record is released only when every
// partition either has a buffered record to compare it with or is caught
// up, so that the output is in global timestamp order as far as the input
// is. A caught-up partition still holds the merge back for the idle grace
// (kafka.merge_idle, off by default, as Kafka Streams' max.task.idle.ms),
// counted from when it was first seen caught up: a producer that writes the
// partitions of one moment one after another gets them merged in order.
// Limits: a record that arrives on a caught-up partition after the grace
// (at once without one), with an older timestamp
// than one already released, is released late (out of order); and a
// partition that is behind but whose fetches bring nothing stalls the merge
// until a probe of its offsets shows it caught up.
//
// Records dated in the future (issue 15.4) are handled in two steps, so
// that the decisions match what `socwatch screen` decides on the same feed
// in one file:
//
//   - ordering, per partition: a record more than the future bound ahead of
//     its partition's newest order key is a suspect and keeps its own key
//     until the partition's next record shows what it was. If that record
//     is back within the bound, the suspect was an outlier and is ordered
//     at its partition's previous key (it keeps its place instead of
//     holding back every later record of its partition until the other
//     partitions reach its date); if a run of eventtime.RecoverAfter
//     consistent suspects arrives, the partition really jumped and they
//     keep their keys. A legitimately sparse partition (a gap longer than
//     the bound) is therefore never reordered.
//   - judging, over the merged output: pop runs one eventtime.Guard over
//     the released records in merge order — the feed's global event-time
//     order, the order a file of the same feed has — and reports a record
//     more than the bound ahead of everything released before it as
//     future. The re-key stage dead-letters it (ts_future); screening of
//     the internal topic then needs no watermark check of its own, which
//     per internal partition would see gaps the feed does not have.
type merger struct {
	parts map[topicPartition]*mergePart
	// prepare decodes a record once, when it is buffered: its event time
	// (without one the record keeps its place behind the previous record
	// of its partition) and what the re-key stage writes of it, which pop
	// hands back with the record.
	prepare func(*kgo.Record) Prepared
	// ahead is the future bound of order keys (<= 0: none).
	ahead time.Duration
	// released judges released records against everything released
	// before them (see the type doc).
	released *eventtime.Guard
	// buffered counts records over all partitions.
	buffered int
	// idle is the grace a caught-up partition holds the merge for; now
	// reads the clock (a test's in unit tests).
	idle time.Duration
	now  func() time.Time
}

type mergePart struct {
	buf  []*kgo.Record
	prep []Prepared // of buf[i]
	at   []int64    // order key of buf[i]
	head int
	last int64 // order key of the last record added that was not a suspect
	// clock tracks the partition's newest order key and judges the next.
	clock *eventtime.Guard
	// suspects are the buf indexes of the current run of records ahead of
	// the partition's order key (see the type doc).
	suspects []int
	// next is the next offset to consume (-1 unknown); hwm the high
	// watermark as of the last fetch or probe (-1 unknown).
	next, hwm int64
	// caughtSince is when pop first found the partition caught up since
	// its last records (zero: not yet).
	caughtSince time.Time
}

// newMerger orders by the event time prepare returns (nil: the record
// timestamp), judges records against the future bound ahead (<= 0: none)
// and waits idle for a caught-up partition (0: not at all).
func newMerger(prepare func(*kgo.Record) Prepared, ahead, idle time.Duration) *merger {
	if prepare == nil {
		prepare = func(r *kgo.Record) Prepared {
			return Prepared{EventTime: eventtime.UnixNano(r.Timestamp), HasTime: true}
		}
	}
	return &merger{parts: make(map[topicPartition]*mergePart), prepare: prepare, ahead: ahead,
		released: eventtime.NewGuard(ahead, 0, nil), idle: idle, now: time.Now}
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
		copy(p.prep, p.prep[p.head:])
		copy(p.at, p.at[p.head:])
		clear(p.buf[n:])
		clear(p.prep[n:])
		kept := p.suspects[:0]
		for _, i := range p.suspects {
			if i >= p.head {
				kept = append(kept, i-p.head)
			}
		}
		p.buf, p.prep, p.at, p.suspects, p.head = p.buf[:n], p.prep[:n], p.at[:n], kept, 0
	}
	p.buf = append(p.buf, fp.Records...)
	for _, r := range fp.Records {
		pr := m.prepare(r)
		p.prep = append(p.prep, pr)
		k := pr.EventTime
		if !pr.HasTime {
			p.at = append(p.at, p.last) // no event time: behind the previous record
			continue
		}
		jumps := p.clock.Jumps()
		switch {
		case p.clock.Check(k) == eventtime.Accept:
			// Back within the bound: the suspects before it were outliers
			// and take the key they would have had without them.
			for _, i := range p.suspects {
				if i >= p.head {
					p.at[i] = p.last
				}
			}
			p.suspects = p.suspects[:0]
			p.clock.Advance(k)
			p.last = k
		case p.clock.Jumps() != jumps:
			// A run of consistent suspects: the partition really moved on;
			// they keep their own keys.
			p.suspects = p.suspects[:0]
			p.last = k
		default:
			p.suspects = append(p.suspects, len(p.at))
		}
		p.at = append(p.at, k)
	}
	m.buffered += len(fp.Records)
	if n := len(fp.Records); n > 0 {
		p.next = fp.Records[n-1].Offset + 1
		p.caughtSince = time.Time{}
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

// pop releases the next record in merge order and what prepare made of
// it, or nil when the merge must wait for more data. future reports a
// record dated more than the future bound ahead of every record released
// before it (see the type doc): it must not be forwarded.
func (m *merger) pop() (rec *kgo.Record, prep Prepared, future bool) {
	var (
		best   *kgo.Record
		bestAt int64
		bestP  *mergePart
		bestTP topicPartition
	)
	blocked := false // every empty partition is looked at, so that each grace starts now
	for tp, p := range m.parts {
		if p.len() == 0 {
			if !p.caughtUp() || m.idleWait(p) > 0 {
				blocked = true
			}
			continue
		}
		r, at := p.buf[p.head], p.at[p.head]
		if best == nil || recordLess(r, at, tp, best, bestAt, bestTP) {
			best, bestAt, bestP, bestTP = r, at, p, tp
		}
	}
	if blocked || best == nil {
		return nil, Prepared{}, false
	}
	prep = bestP.prep[bestP.head]
	bestP.buf[bestP.head] = nil
	bestP.prep[bestP.head] = Prepared{}
	bestP.head++
	m.buffered--
	if prep.HasTime {
		if m.released.Check(prep.EventTime) != eventtime.Accept {
			return best, prep, true
		}
		m.released.Advance(prep.EventTime)
	}
	return best, prep, false
}

// idleWait is how much longer the caught-up partition p holds the merge
// back (0: no longer). The grace starts when it is first asked.
func (m *merger) idleWait(p *mergePart) time.Duration {
	if m.idle <= 0 {
		return 0
	}
	now := m.now()
	if p.caughtSince.IsZero() {
		p.caughtSince = now
	}
	return m.graceLeft(p, now)
}

// graceLeft is what remains at now of p's grace (0: over).
func (m *merger) graceLeft(p *mergePart, now time.Time) time.Duration {
	return max(m.idle-now.Sub(p.caughtSince), 0)
}

// idleWake is when the merge should be tried again for records held back
// only by idle graces: the shortest remaining grace (0: none is running).
func (m *merger) idleWake() time.Duration {
	var wake time.Duration
	now := m.now()
	for _, p := range m.parts {
		if p.len() == 0 && p.caughtUp() && !p.caughtSince.IsZero() {
			if w := m.graceLeft(p, now); w > 0 && (wake == 0 || w < wake) {
				wake = w
			}
		}
	}
	return wake
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
