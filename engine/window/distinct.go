package window

// distinctCountsFrom is the stored-event count from which a Distinct key
// keeps incremental per-hash counts: below it, copying and sorting the window
// on every event is cheaper than a map; above it (a merchant or mule account
// receiving hundreds of payments a day) the sort would cost tens of µs.
const distinctCountsFrom = 64

// distinctWindow counts the hashes of a large key's stored events with a
// time in (lo, newest], so an in-order event's Distinct value is len(counts)
// instead of a sort of the window. Out-of-order events and Value reads at
// other times still scan.
type distinctWindow struct {
	counts map[uint64]uint32
	lo     int64
}

// distinctBefore updates k's counts, if it has them, for newest becoming ts:
// events now at or before ts-Over leave the counts. Called before pruning,
// so that pruned events are never still counted.
func (s *Store) distinctBefore(idx uint32, k *keyState, ts int64) {
	dw := s.large[idx]
	if dw == nil {
		return
	}
	newLo := satSub(ts, int64(s.spec.Over))
	if newLo <= dw.lo {
		return
	}
	for i := s.upperBound(k, dw.lo); i < k.n && s.timeAt(k, i) <= newLo; i++ {
		dw.remove(s.inputAt(k, i))
	}
	dw.lo = newLo
}

// distinctDropOldest removes k's oldest event from the counts before it is
// dropped for the cap.
func (s *Store) distinctDropOldest(idx uint32, k *keyState) {
	if dw := s.large[idx]; dw != nil && s.timeAt(k, 0) > dw.lo {
		dw.remove(s.inputAt(k, 0))
	}
}

// distinctAfterInsert counts an inserted event, starts counting when k has
// grown large, and returns the in-order value when the counts give it.
func (s *Store) distinctAfterInsert(idx uint32, k *keyState, ts int64, h uint64) (value float64, ok bool) {
	start := satSub(ts, int64(s.spec.Over))
	dw := s.large[idx]
	switch {
	case dw != nil:
		if ts > dw.lo {
			dw.counts[h]++
		}
	case k.n >= s.countsFrom:
		dw = &distinctWindow{counts: make(map[uint64]uint32, k.n), lo: satSub(s.timeAt(k, k.n-1), int64(s.spec.Over))}
		for i := s.upperBound(k, dw.lo); i < k.n; i++ {
			dw.counts[s.inputAt(k, i)]++
		}
		s.large[idx] = dw
	default:
		return 0, false
	}
	// The counts cover (lo, newest]; they are ts's window only when ts is
	// the newest time and lo is ts-Over.
	if dw.lo != start || s.timeAt(k, k.n-1) != ts {
		return 0, false
	}
	return float64(len(dw.counts)), true
}

// distinctAfterPrune stops counting once k is small again, so the map's
// memory goes back with the burst that needed it.
func (s *Store) distinctAfterPrune(idx uint32, k *keyState) {
	if k.n < s.countsFrom/2 {
		delete(s.large, idx)
	}
}

func (dw *distinctWindow) remove(h uint64) {
	if c := dw.counts[h]; c > 1 {
		dw.counts[h] = c - 1
	} else {
		delete(dw.counts, h)
	}
}

// sizeBytes estimates the counts map: a uint64 key and uint32 value (16
// bytes with padding) and a control byte per entry, at about 3/4 load.
func (dw *distinctWindow) sizeBytes() int64 { return int64(len(dw.counts))*23 + 48 }
