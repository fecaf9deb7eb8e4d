package window

import (
	"time"
	"unsafe"
)

// inflowTop is how many inflows an InflowMatch key keeps: the largest ones
// within Over+Lateness. A smaller inflow arriving at a full key is dropped
// (counted in Overflow): layering moves the large amounts.
const inflowTop = 4

// inflow is one transfer into the key: when, how much, from whom, which.
type inflow struct {
	t      int64
	amount float64
	hash   uint64 // HashString(origin)
	origin string
	txID   string
}

// inflowKey is the state of one InflowMatch key, by time.
type inflowKey struct{ in []inflow }

func (k *inflowKey) touch() int64 { return k.newest() }

func (k *inflowKey) newest() int64 {
	newest := int64(-1 << 63)
	for _, x := range k.in {
		newest = max(newest, x.t)
	}
	return newest
}

func (k *inflowKey) bytes() int64 {
	n := int64(cap(k.in))*int64(unsafe.Sizeof(inflow{})) + 24
	for _, x := range k.in {
		n += int64(len(x.origin) + len(x.txID))
	}
	return n
}

func (k *inflowKey) release(p *keyPools) { p.in.put(k.in) }

func (k *inflowKey) insert(b *behaviourStore, ev Event) {
	cutoff := satSub(max(k.newest(), ev.TS), satAdd(int64(b.spec.Over), int64(b.spec.Lateness)))
	kept := k.in[:0]
	for _, x := range k.in {
		if x.t > cutoff {
			kept = append(kept, x)
		}
	}
	k.in = kept
	if len(k.in) >= inflowTop {
		small := 0
		for i, x := range k.in {
			if x.amount < k.in[small].amount || (x.amount == k.in[small].amount && x.t < k.in[small].t) {
				small = i
			}
		}
		b.overflow++
		if k.in[small].amount > ev.Num {
			return
		}
		k.in = append(k.in[:small], k.in[small+1:]...)
	}
	k.in = append(b.pools.in.grow(k.in, min(max(2*cap(k.in), 1), inflowTop)), inflow{t: ev.TS, amount: ev.Num, hash: ev.partyHash(), origin: ev.Party, txID: ev.TxID})
}

// value is the amount of the best match for q: an inflow in
// (ts-Over, ts] from another counterparty than q.Party (with SameOrigin:
// from q.Party) whose amount a has
// |q.Num-a| <= Tolerance*a; the closest amount wins, then the latest.
func (k *inflowKey) value(b *behaviourStore, q Event, _ bool) float64 {
	if i := k.match(b, q); i >= 0 {
		return k.in[i].amount
	}
	return 0
}

func (k *inflowKey) match(b *behaviourStore, q Event) int {
	start := satSub(q.TS, int64(b.spec.Over))
	h := q.partyHash()
	best := -1
	var bestDiff float64
	for i, x := range k.in {
		if x.t <= start || x.t > q.TS || (x.hash == h) != b.spec.SameOrigin {
			continue
		}
		diff := q.Num - x.amount
		if diff < 0 {
			diff = -diff
		}
		if diff > b.spec.Tolerance*x.amount {
			continue
		}
		if best < 0 || diff < bestDiff || (diff == bestDiff && x.t > k.in[best].t) {
			best, bestDiff = i, diff
		}
	}
	return best
}

// path returns the matched inflow and q as two hops into and out of key,
// or nil when nothing matches.
func (k *inflowKey) path(b *behaviourStore, key string, q Event) []Hop {
	i := k.match(b, q)
	if i < 0 {
		return nil
	}
	x := k.in[i]
	return []Hop{
		{From: x.origin, To: key, TxID: x.txID, Amount: x.amount, TS: formatTS(x.t)},
		{From: key, To: q.Party, TxID: q.TxID, Amount: q.Num, TS: formatTS(q.TS)},
	}
}

func formatTS(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339) }
