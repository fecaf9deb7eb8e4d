package synth

import (
	"container/heap"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/socwatch/socwatch/engine"
)

// Generator produces one synthetic feed. It is not safe for concurrent use.
type Generator struct {
	cfg     Config
	rng     *rand.Rand
	factory *accountFactory
	pop     *population
	watch   []string

	idPrefix []byte // "gen-<seed>-"
	idBuf    []byte
	produced int
	lastTS   int64 // Unix seconds of the last transaction emitted
	end      int64 // Unix seconds the feed should end by

	// clock is the legitimate arrival process (Unix seconds, fractional).
	clock     float64
	nextLegit int64

	// Scenario scheduling: pending holds scenario transactions not yet
	// emitted, ordered by time; they are merged into the legitimate stream.
	pending      eventHeap
	eventSeq     uint64
	sinceInject  int
	injectAfter  int
	cycle        []int
	cyclePos     int
	scenarios    int
	lastScenario string
	lastFamily   string

	vary      variation
	byCountry map[string][2][]int32 // population by country: persons, companies
}

// event is a scheduled scenario transaction; TxID and TS are set when it is
// emitted, so ids and timestamps follow output order.
type event struct {
	at       int64
	seq      uint64
	tx       engine.Tx
	label    string
	scenario string
	family   string // look-alike family of a legitimate event
}

type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(*event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

// New builds the population and the schedule for cfg. All randomness comes
// from one PCG source seeded by cfg.Seed.
func New(cfg Config) *Generator {
	cfg = cfg.withDefaults()
	seed := uint64(cfg.Seed)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	f := newAccountFactory(r)
	g := &Generator{
		cfg:      cfg,
		rng:      r,
		factory:  f,
		pop:      buildPopulation(r, f, cfg.Accounts),
		watch:    Watchlist(),
		idPrefix: []byte("gen-" + strconv.FormatInt(cfg.Seed, 10) + "-"),
		lastTS:   cfg.Start.Unix() - 1,
		end:      cfg.Start.Add(cfg.Span).Unix(),
		clock:    float64(cfg.Start.Unix()),
	}
	g.idBuf = make([]byte, 0, len(g.idPrefix)+20)
	g.cycle = make([]int, len(scenarioBuilders))
	for i := range g.cycle {
		g.cycle[i] = i
	}
	g.cyclePos = len(g.cycle) // shuffle on first use
	g.injectAfter = g.nextInjectGap()
	g.vary = classic
	if cfg.Realistic {
		g.vary = g.newVariation()
		g.scheduleLookalikes()
	}
	g.advanceLegit()
	return g
}

// Config returns the effective configuration (defaults applied).
func (g *Generator) Config() Config { return g.cfg }

// Scenario returns the id of the scenario the last transaction belongs to
// ("" for legitimate traffic), so recall can also be measured per scenario.
func (g *Generator) Scenario() string { return g.lastScenario }

// Family returns the look-alike family (see Families) of the last
// transaction, "" for other traffic.
func (g *Generator) Family() string { return g.lastFamily }

// Next fills tx (after resetting it) with the next transaction and returns
// its label: "" for legitimate traffic, else the typology name. It returns
// false when Count transactions were produced.
func (g *Generator) Next(tx *engine.Tx) (label string, ok bool) {
	if g.produced >= g.cfg.Count {
		return "", false
	}
	tx.Reset()
	legitLeft := g.cfg.Count - g.produced - len(g.pending)
	var at int64
	if len(g.pending) > 0 && (legitLeft <= 0 || g.pending[0].at <= g.nextLegit) {
		ev := heap.Pop(&g.pending).(*event)
		*tx = ev.tx
		at, label, g.lastScenario, g.lastFamily = ev.at, ev.label, ev.scenario, ev.family
	} else {
		at = g.nextLegit
		g.legit(tx)
		g.lastScenario, g.lastFamily = "", ""
		g.sinceInject++
		if g.sinceInject >= g.injectAfter {
			g.sinceInject = 0
			g.injectAfter = g.nextInjectGap()
			g.inject(max(at, g.lastTS+1))
		}
		g.advanceLegit()
	}
	// Timestamps are whole seconds and strictly increasing in output order.
	ts := max(at, g.lastTS+1)
	g.lastTS = ts
	tx.TS = time.Unix(ts, 0).UTC()
	g.produced++
	g.idBuf = strconv.AppendInt(append(g.idBuf[:0], g.idPrefix...), int64(g.produced), 10)
	tx.TxID = string(g.idBuf)
	return label, true
}

// advanceLegit schedules the next legitimate transaction: a Poisson
// process whose rate is re-derived from the time and transactions left, so
// the feed ends near Start+Span whatever the scenarios consumed.
func (g *Generator) advanceLegit() {
	left := g.cfg.Count - g.produced - len(g.pending)
	if left <= 0 {
		return
	}
	mean := (float64(g.end) - g.clock) / float64(left+1)
	if mean < 1 {
		mean = 1
	}
	g.clock += g.rng.ExpFloat64() * mean
	g.nextLegit = int64(g.clock)
}

func (g *Generator) nextInjectGap() int {
	n := g.cfg.InjectEvery
	return n/2 + g.rng.IntN(n+1)
}

// Legitimate traffic shares by channel, in percent.
var channelShares = []struct {
	channel string
	share   float64
}{
	{"sepa", 42}, {"instant", 18}, {"swift", 10}, {"card", 14},
	{"cash_deposit", 4}, {"cash_withdrawal", 5}, {"crypto", 1.5}, {"other", 5.5},
}

// Purpose codes (ISO 20022 ExternalPurpose1Code) that legitimate payments
// carry now and then.
var (
	companyPurposes = []string{"SUPP", "GDDS", "SCVE", "SALA", "INTC", "TAXS", "TRAD"}
	personPurposes  = []string{"RENT", "GIFT", "LOAN", "OTHR", "CHAR", "SCVE"}
)

func (g *Generator) pickChannel() string {
	x := g.rng.Float64() * 100
	for _, c := range channelShares {
		x -= c.share
		if x < 0 {
			return c.channel
		}
	}
	return "other"
}

// legit fills tx with an ordinary payment. Amounts are log-normal with a
// median near EUR 800 overall; the shape keeps well under 1 % of payments
// at EUR 15,000 or more, and an account pays the same few counterparties.
func (g *Generator) legit(tx *engine.Tx) {
	r := g.rng
	p := g.pop
	d := &p.accounts[p.pickActive(r)]
	ch := g.pickChannel()
	var c *account
	switch ch {
	case "cash_deposit", "cash_withdrawal":
	case "card":
		if d.merchant >= 0 {
			c = &p.accounts[d.merchant]
		}
	default:
		if r.IntN(100) < 85 {
			c = &p.accounts[d.favs[r.IntN(len(d.favs))]]
		} else {
			c = &p.accounts[r.IntN(len(p.accounts))]
			if c == d {
				c = &p.accounts[d.favs[0]]
			}
		}
	}
	var eur float64
	switch ch {
	case "card":
		eur = logNormal(r, 45, 0.9)
	case "cash_deposit":
		eur = logNormal(r, 350, 0.8)
	case "cash_withdrawal":
		eur = logNormal(r, 250, 0.7)
	case "crypto":
		eur = logNormal(r, 400, 1.0)
	default:
		if d.company {
			eur = logNormal(r, 1900, 0.9)
		} else {
			eur = logNormal(r, 950, 0.85)
		}
	}
	if d.fatf || (c != nil && c.fatf) {
		// Remittances to and from listed jurisdictions are small.
		eur = logNormal(r, 250, 0.6)
	}
	tx.Amount = toCurrency(eur, d.currency)
	if !d.company && ch != "card" && r.IntN(100) < 3 {
		tx.Amount = roundTo(tx.Amount, 100) // rent and family transfers
	}
	tx.Currency = d.currency
	tx.Channel = ch
	switch ch {
	case "cash_deposit":
		tx.Debtor, tx.Creditor = d.cash, d.party
	case "cash_withdrawal":
		tx.Debtor, tx.Creditor = d.party, d.cash
	default:
		if c == nil {
			c = &p.accounts[d.favs[0]]
		}
		tx.Debtor, tx.Creditor = d.party, c.party
		if (ch == "sepa" || ch == "instant") && !(d.sepa && c.sepa) {
			tx.Channel = "swift"
		}
	}
	tx.ReportingEntity = d.party.BIC
	if r.IntN(100) < 35 && ch != "card" {
		if d.company {
			tx.Purpose = pick(r, companyPurposes)
		} else {
			tx.Purpose = pick(r, personPurposes)
		}
	}
}
