package trace

import (
	"math"
	"slices"
	"time"
	"unsafe"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/eventtime"
)

// Config sets the tracer's matching; the zero value means the defaults.
type Config struct {
	Window   time.Duration // how long money may rest in an account between hops (96 h)
	MinRatio float64       // lowest share of an arrival a hop passes on (0.8)
	MaxRatio float64       // highest (1.1)
	Arrivals int           // arrivals kept per account (4)
	MaxPath  int           // earlier transfers a trace lists and checks for a cycle (8)
}

// Defaults, chosen on the realistic generator and IBM AMLworld's CYCLE
// and STACK patterns (README, Detection quality).
const (
	DefaultWindow   = 96 * time.Hour
	DefaultMinRatio = 0.8
	DefaultMaxRatio = 1.1
	DefaultArrivals = 4
	DefaultMaxPath  = 8
)

func (c Config) withDefaults() Config {
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.MinRatio == 0 {
		c.MinRatio = DefaultMinRatio
	}
	if c.MaxRatio == 0 {
		c.MaxRatio = DefaultMaxRatio
	}
	if c.Arrivals == 0 {
		c.Arrivals = DefaultArrivals
	}
	if c.MaxPath == 0 {
		c.MaxPath = DefaultMaxPath
	}
	return c
}

// node is one traced transfer; nodes are immutable once made, and paths
// share their common part.
type node struct {
	parent *node
	// ids holds tx_id, debtor and creditor back to back (one allocation,
	// and the node keeps no decoder buffer alive); the offsets cut it.
	ids        string
	debtorAt   uint16
	creditorAt uint16
	depth      uint16 // nodes on the chain from this one up, this one included
	own        bool   // an own-account move (engine.SameParty), which adds no hop; fits the uint16s' padding
	hops       int    // transfers of the whole path that changed hands
	ts         int64  // unix ns
	eur        float64
	start      int64  // ts of the path's first transfer
	origin     string // the path's first debtor
}

func (n *node) txID() string     { return n.ids[:n.debtorAt] }
func (n *node) debtor() string   { return n.ids[n.debtorAt:n.creditorAt] }
func (n *node) creditor() string { return n.ids[n.creditorAt:] }

// arrival is a node filed at its creditor, with what matching reads
// copied beside the pointer: the scan over an account's arrivals then
// touches one slice, not every node.
type arrival struct {
	ts   int64
	eur  float64
	hops int
	n    *node
}

// after orders arrivals: newer, or as new with the greater tx_id.
func (a *arrival) after(o *arrival) bool {
	return a.ts > o.ts || a.ts == o.ts && a.n.txID() > o.n.txID()
}

// account holds an account's arrivals, newest first.
type account struct {
	arrivals []arrival
}

// Tracer traces the transfers of one feed in event-time order. It is not
// safe for concurrent use.
type Tracer struct {
	cfg      Config
	window   int64
	accounts map[string]*account
	newest   int64 // greatest ts observed
	since    int   // observations since the last eviction

	// Allocation, amortised: nodes come from slabs and their identifiers
	// from byte chunks, one allocation per nodeSlab nodes and per
	// idChunk bytes; evicted accounts are reused with their arrivals'
	// capacity. A slab or chunk lives while one of its nodes does; the
	// nodes of one slab are of about one time and expire together, a
	// Window and a day after the newest (Evict), or later only in a
	// rebased chain, which keeps at most 2·MaxPath nodes.
	slab    []node
	ids     []byte
	free    []*account
	pathBuf []engine.Hop
}

const (
	nodeSlab = 256
	idChunk  = 16 << 10
)

// New returns an empty tracer; a zero field of cfg takes its default.
func New(cfg Config) *Tracer {
	cfg = cfg.withDefaults()
	return &Tracer{cfg: cfg, window: int64(cfg.Window), accounts: map[string]*account{}}
}

// evictEvery is how many observations pass between eviction sweeps.
const evictEvery = 1 << 16

// Observe traces tx (enriched: amount_eur set) and sets tx.Trace; then
// tx becomes an arrival of its creditor. tx.Trace.Path is the tracer's own
// buffer, valid until the next Observe: copy it to keep it (an alert's
// explanation does, engine.TracePath).
func (t *Tracer) Observe(tx *engine.Tx) {
	d, c := tx.Debtor.Account, tx.Creditor.Account
	ts := eventtime.UnixNano(tx.TS)
	tx.Trace = engine.Trace{}
	if d == c || d == "" || c == "" {
		return
	}
	if ts > t.newest {
		t.newest = ts
	}
	if t.since++; t.since >= evictEvery {
		t.Evict()
	}
	parent := t.passedOn(d, ts, tx.AmountEURF)
	n := t.link(parent, tx, ts)
	tx.Trace = engine.Trace{Hops: n.hops, Origin: n.origin, Hours: float64(ts-n.start) / float64(time.Hour)}
	if parent != nil {
		tx.Trace.Ratio = tx.AmountEURF / parent.eur
		tx.Trace.Cycle = t.onPath(parent, c)
		t.pathBuf = t.fillPath(t.pathBuf, parent)
		tx.Trace.Path = t.pathBuf
	}
	t.arrive(c, n)
}

// passedOn is the arrival of d that a transfer of eur at ts passes on, or
// nil (see the package doc).
func (t *Tracer) passedOn(d string, ts int64, eur float64) *node {
	acc := t.accounts[d]
	if acc == nil {
		return nil
	}
	var best *arrival
	bestDiff := 0.0
	considered := 0
	for i := range acc.arrivals {
		a := &acc.arrivals[i]
		if a.ts >= ts {
			continue
		}
		if considered++; considered > t.cfg.Arrivals || a.ts <= ts-t.window {
			break
		}
		if eur < t.cfg.MinRatio*a.eur || eur > t.cfg.MaxRatio*a.eur {
			continue
		}
		diff := math.Abs(eur - a.eur)
		switch {
		case best == nil, a.hops > best.hops,
			a.hops == best.hops && diff < bestDiff,
			a.hops == best.hops && diff == bestDiff && a.after(best):
			best, bestDiff = a, diff
		}
	}
	if best == nil {
		return nil
	}
	return best.n
}

// link makes tx's node on parent's path.
func (t *Tracer) link(parent *node, tx *engine.Tx, ts int64) *node {
	id, d, c := tx.TxID, tx.Debtor.Account, tx.Creditor.Account
	own := engine.SameParty(&tx.Debtor, &tx.Creditor)
	step := 1
	if own {
		step = 0
	}
	n := t.newNode()
	*n = node{
		ids:      t.carve(id, d, c),
		debtorAt: uint16(len(id)), creditorAt: uint16(len(id) + len(d)),
		depth: 1, hops: step, own: own, ts: ts, eur: tx.AmountEURF, start: ts,
	}
	if len(id)+len(d) > math.MaxUint16 {
		// Identifiers this long never pass validation; keep the node
		// consistent anyway.
		n.ids, n.debtorAt, n.creditorAt = "", 0, 0
	}
	n.origin = n.debtor()
	if parent == nil {
		return n
	}
	if int(parent.depth) >= 2*t.cfg.MaxPath {
		parent = t.rebase(parent)
	}
	n.parent, n.depth, n.hops = parent, parent.depth+1, parent.hops+step
	n.start, n.origin = parent.start, parent.origin
	return n
}

// newNode returns a zero node from the current slab.
func (t *Tracer) newNode() *node {
	if len(t.slab) == cap(t.slab) {
		t.slab = make([]node, 0, nodeSlab)
	}
	t.slab = t.slab[:len(t.slab)+1]
	return &t.slab[len(t.slab)-1]
}

// carve returns id, d and c back to back as one string in the current
// chunk (a new one when it is full; identifiers longer than a quarter of
// a chunk get their own). The chunk's bytes are never written again.
func (t *Tracer) carve(id, d, c string) string {
	n := len(id) + len(d) + len(c)
	if n > idChunk/4 {
		return id + d + c
	}
	if cap(t.ids)-len(t.ids) < n {
		t.ids = make([]byte, 0, idChunk)
	}
	start := len(t.ids)
	t.ids = append(append(append(t.ids, id...), d...), c...)
	if n == 0 {
		return ""
	}
	return unsafe.String(&t.ids[start], n)
}

// rebase copies the newest MaxPath nodes of p's chain and drops the older
// ones, so a long-running chain does not keep all its history alive.
func (t *Tracer) rebase(p *node) *node {
	keep := make([]*node, 0, t.cfg.MaxPath)
	for n := p; n != nil && len(keep) < t.cfg.MaxPath; n = n.parent {
		keep = append(keep, n)
	}
	var parent *node
	for i := len(keep) - 1; i >= 0; i-- {
		cp := *keep[i]
		cp.parent = parent
		cp.depth = uint16(len(keep) - i)
		parent = &cp
	}
	return parent
}

// onPath reports whether account is the first debtor or a creditor of
// the path ending at p, MaxPath transfers back.
func (t *Tracer) onPath(p *node, account string) bool {
	if p.origin == account {
		return true
	}
	for i, n := 0, p; n != nil && i < t.cfg.MaxPath; i, n = i+1, n.parent {
		if n.creditor() == account || n.debtor() == account {
			return true
		}
	}
	return false
}

// fillPath returns the newest MaxPath transfers of the path ending at p,
// oldest first, in buf's memory (grown when too small).
func (t *Tracer) fillPath(buf []engine.Hop, p *node) []engine.Hop {
	depth := min(int(p.depth), t.cfg.MaxPath)
	out := slices.Grow(buf[:0], depth)[:depth]
	for i, n := depth-1, p; i >= 0; i, n = i-1, n.parent {
		out[i] = engine.Hop{TxID: n.txID(), Debtor: n.debtor(), Creditor: n.creditor(),
			AmountEUR: n.eur, TS: time.Unix(0, n.ts).UTC(), OwnAccount: n.own}
	}
	return out
}

// arrive files n among c's arrivals, newest first, and trims them to the
// Arrivals newest before c's newest instant plus every arrival at that
// instant (up to maxSameInstant): a transfer at that instant considers only
// earlier arrivals, so what it finds does not depend on the order the
// instant's transfers came in.
func (t *Tracer) arrive(c string, n *node) {
	acc := t.accounts[c]
	if acc == nil {
		if k := len(t.free); k > 0 {
			acc, t.free = t.free[k-1], t.free[:k-1]
		} else {
			acc = &account{arrivals: make([]arrival, 0, t.cfg.Arrivals+1)} // room for the one that arrives before a trim
		}
		t.accounts[n.creditor()] = acc
	}
	a := arrival{ts: n.ts, eur: n.eur, hops: n.hops, n: n}
	i := 0
	for i < len(acc.arrivals) && acc.arrivals[i].after(&a) {
		i++
	}
	acc.arrivals = slices.Insert(acc.arrivals, i, a)
	newest := acc.arrivals[0].ts
	same := 0
	for same < len(acc.arrivals) && acc.arrivals[same].ts == newest {
		same++
	}
	keep := min(same, maxSameInstant) + t.cfg.Arrivals
	if len(acc.arrivals) > keep {
		clear(acc.arrivals[keep:])
		acc.arrivals = acc.arrivals[:keep]
	}
}

// maxSameInstant bounds the arrivals of one account at one instant kept
// beyond Arrivals; past it, which are kept depends on their order.
const maxSameInstant = 60

// Evict drops the accounts whose newest arrival is older than the newest
// transfer seen minus Window and a day. Only a transfer more than a day
// behind the newest could have passed those on; the engine's lateness is
// an hour, and the re-key stage merges the feed in event-time order.
func (t *Tracer) Evict() {
	t.since = 0
	cut := t.newest - t.window - int64(24*time.Hour)
	for k, acc := range t.accounts {
		if acc.arrivals[0].ts < cut {
			delete(t.accounts, k)
			clear(acc.arrivals) // drop the nodes
			acc.arrivals = acc.arrivals[:0]
			t.free = append(t.free, acc)
		}
	}
}

// Accounts is the number of accounts with arrivals kept.
func (t *Tracer) Accounts() int { return len(t.accounts) }
