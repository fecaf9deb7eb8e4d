package window

// ageKey is the state of one Age key: its first and latest event times.
type ageKey struct{ first, last int64 }

func (k *ageKey) newest() int64 { return k.last }
func (k *ageKey) touch() int64  { return k.last }
func (k *ageKey) bytes() int64  { return 16 }

func (k *ageKey) release(*keyPools) {}

func (k *ageKey) insert(b *behaviourStore, ev Event) {
	switch {
	case k.first == 0 && k.last == 0, ev.TS >= k.last && ev.TS-k.last >= int64(b.spec.Over):
		// A first event, or one after Over of silence: the history restarts,
		// as it would after the key's eviction.
		k.first, k.last = ev.TS, ev.TS
	case ev.TS < k.first:
		k.first = ev.TS
	}
	k.last = max(k.last, ev.TS)
}

// value is the seconds from the key's first event to q.TS, 0 when q.TS is
// before it or Over or more after the key's latest event.
func (k *ageKey) value(b *behaviourStore, q Event, _ bool) float64 {
	if q.TS < k.first || q.TS-k.last >= int64(b.spec.Over) {
		return 0
	}
	return float64(q.TS-k.first) / 1e9
}
