package synth

import (
	"container/heap"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/socwatch/socwatch/engine"
)

const (
	minute = int64(60)
	hour   = 60 * minute
	day    = 24 * hour
)

// scenario collects the transactions of one injected typology instance
// before they are scheduled. Every party of a scenario is a fresh account
// outside the legitimate population, so scenarios do not bend the
// behaviour of legitimate accounts, and vice versa.
type scenario struct {
	g      *Generator
	label  string
	id     string
	events []*event
}

// builder adds a scenario's transactions, starting after `start`. Each
// builder states the aml-core rule it triggers in the classic feed and the
// margin it keeps there; realistic feeds widen amounts, counts and timings
// and reuse existing customers (see variation), so there they need not.
type builder struct {
	typology string
	build    func(s *scenario, start int64)
}

var scenarioBuilders = []builder{
	{Structuring, buildStructuring},
	{Velocity, buildVelocity},
	{FanIn, buildFanIn},
	{FanOut, buildFanOut},
	{PassThrough, buildPassThrough},
	{HighRiskJurisdiction, buildHighRisk},
	{RoundAmount, buildRoundAmount},
	{DormantReactivation, buildDormant},
	{Sanctions, buildSanctions},
	{CashIntensive, buildCashIntensive},
	{Corridor, buildCorridor},
	{LayeringChain, buildLayeringChain},
	{RoundTrip, buildRoundTrip},
}

// inject starts the next scenario of the shuffled typology cycle at time
// now. A scenario that would end after the feed (minus a day) or needs more
// transactions than are left is skipped in favour of the next typology, so
// scenarios are always complete.
func (g *Generator) inject(now int64) {
	for range len(g.cycle) {
		if g.cyclePos == len(g.cycle) {
			g.rng.Shuffle(len(g.cycle), func(i, j int) { g.cycle[i], g.cycle[j] = g.cycle[j], g.cycle[i] })
			g.cyclePos = 0
		}
		b := scenarioBuilders[g.cycle[g.cyclePos]]
		g.cyclePos++
		s := &scenario{g: g, label: b.typology,
			id: "sc-" + strconv.FormatInt(g.cfg.Seed, 10) + "-" + strconv.Itoa(g.scenarios+1)}
		b.build(s, now)
		budget := g.cfg.Count - g.produced - 1 - len(g.pending)
		last := s.events[len(s.events)-1].at
		if len(s.events) > budget || last > g.end-day {
			continue
		}
		g.scenarios++
		for _, ev := range s.events {
			ev.seq = g.eventSeq
			g.eventSeq++
			heap.Push(&g.pending, ev)
		}
		return
	}
}

// add schedules a transfer of eur (converted to the debtor's currency) at
// time at and returns the transaction for adjustments.
func (s *scenario) add(at int64, d, c *account, eur float64, channel string) *engine.Tx {
	ev := newEvent(at, d, c, eur, channel)
	ev.label, ev.scenario = s.label, s.id
	s.events = append(s.events, ev)
	return &ev.tx
}

// newEvent is a transfer of eur (converted to the debtor's currency) from
// d to c at time at.
func newEvent(at int64, d, c *account, eur float64, channel string) *event {
	ev := &event{at: at}
	tx := &ev.tx
	tx.Amount = toCurrency(eur, d.currency)
	tx.Currency = d.currency
	tx.Debtor, tx.Creditor = d.party, c.party
	tx.Channel = channel
	tx.ReportingEntity = d.party.BIC
	return ev
}

// fresh creates a scenario account in one of the core countries, weighted
// like the population.
func (s *scenario) fresh(company bool) *account {
	c := &countries[s.g.coreCountry()]
	return s.g.factory.newAccount(c, company)
}

// freshIn creates a scenario account in the given country of the population.
func (s *scenario) freshIn(code string, company bool) *account {
	return s.g.factory.newAccount(&countries[countryIndex(code)], company)
}

// coreCountry picks one of the ten core countries by population weight.
func (g *Generator) coreCountry() int {
	var total float64
	for i := range 10 {
		total += countries[i].weight
	}
	x := g.rng.Float64() * total
	for i := range 10 {
		x -= countries[i].weight
		if x < 0 {
			return i
		}
	}
	return 0
}

func (s *scenario) u(lo, hi float64) float64 { return uniform(s.g.rng, lo, hi) }

func (s *scenario) span(lo, hi int64) int64 { return lo + s.g.rng.Int64N(hi-lo+1) }

func (s *scenario) coin(pct int) bool { return s.g.rng.IntN(100) < pct }

// transferChannel is sepa between SEPA countries and swift otherwise.
func transferChannel(d, c *account) string {
	if d.sepa && c.sepa {
		return "sepa"
	}
	return "swift"
}

// buildStructuring triggers AML-STRUCT-001 (≥ 3 transfers of
// EUR 9,000–15,000 by one debtor within 48h): 4–5 transfers of
// EUR 9,800–13,800, 4–9h apart (all within 36h), to 1–3 creditors.
func buildStructuring(s *scenario, start int64) {
	d := s.actor(s.coin(30))
	creditors := make([]*account, 1+s.g.rng.IntN(3))
	for i := range creditors {
		creditors[i] = s.fresh(s.coin(50))
	}
	at := start
	for i := range s.n(4, 5, 3) {
		at += s.gap(4*hour, 9*hour)
		c := creditors[i%len(creditors)]
		eur := s.u(9_800, 13_800)
		if s.g.vary.realistic {
			// Structuring stays under the threshold whatever the feed's
			// amount factor: anywhere from well below to just under it.
			eur = s.u(7_000, 14_900)
		}
		s.add(at, d, c, eur, transferChannel(d, c))
	}
}

// buildVelocity triggers AML-VEL-001 (≥ 15 outgoing transfers in 24h): 18–22
// small payments 20–50 min apart (all within 19h) to 2–3 creditors, too few
// and too small for fan-out.
func buildVelocity(s *scenario, start int64) {
	d := s.actor(false)
	creditors := []*account{s.fresh(true), s.fresh(false), s.fresh(true)}[:2+s.g.rng.IntN(2)]
	channel := pick(s.g.rng, []string{"instant", "card", "crypto", "sepa"})
	at := start
	for i := range s.n(18, 22, 10) {
		at += s.gap(20*minute, 50*minute)
		s.add(at, d, creditors[i%len(creditors)], s.eur(50, 400), channel)
	}
}

// buildFanOut triggers AML-FANOUT-001 (≥ 6 distinct creditors within 96h,
// total ≥ EUR 5,000): 8–10 creditors, EUR 900–2,400 each, 1–6h apart
// (within 60h).
func buildFanOut(s *scenario, start int64) {
	d := s.actor(s.coin(40))
	at := start
	for range s.n(8, 10, 5) {
		at += s.gap(hour, 6*hour)
		c := s.fresh(s.coin(20))
		s.add(at, d, c, s.eur(900, 2_400), transferChannel(d, c))
	}
}

// buildFanIn triggers AML-FANIN-001 (≥ 6 distinct debtors paying one
// creditor within 96h, total ≥ EUR 5,000): 8–10 debtors, EUR 900–2,400
// each, 1–6h apart (within 60h).
func buildFanIn(s *scenario, start int64) {
	c := s.actor(s.coin(40))
	at := start
	for range s.n(8, 10, 5) {
		at += s.gap(hour, 6*hour)
		d := s.fresh(s.coin(20))
		s.add(at, d, c, s.eur(900, 2_400), transferChannel(d, c))
	}
}

// buildPassThrough triggers AML-PASS-001 (≥ EUR 10,000 received in 24h,
// then 80–110 % of it sent on within 24h): EUR 15,000–40,000 in 2–3
// payments 30 min–3h apart, then 92–98 % of it out in 1–2 payments 1–6h
// after the last inflow (everything within 14h).
func buildPassThrough(s *scenario, start int64) {
	m := s.actor(false)
	total := s.eur(15_000, 40_000)
	n := s.n(2, 3, 1)
	at := start
	var in float64
	for i := range n {
		at += s.gap(30*minute, 3*hour)
		part := total / float64(n)
		if i == n-1 {
			part = total - in
		}
		d := s.fresh(s.coin(50))
		tx := s.add(at, d, m, part, transferChannel(d, m))
		in += ToEUR(tx.Amount, tx.Currency)
	}
	out := in * s.u(0.92, 0.98)
	if s.g.vary.realistic {
		out = in * s.u(0.8, 0.99) // fees and a cut kept back vary
	}
	outs := 1 + s.g.rng.IntN(2)
	at += s.gap(hour, 6*hour)
	for range outs {
		c := s.fresh(s.coin(50))
		for c.party.Country == m.party.Country {
			c = s.fresh(s.coin(50))
		}
		s.add(at, m, c, out/float64(outs), transferChannel(m, c))
		at += s.span(10*minute, hour)
	}
}

// buildHighRisk triggers AML-HRJ-001 (a party in a FATF-listed country,
// amount_eur >= 1,000): 1–3 SWIFT payments of EUR 2,500–12,000 between a
// core-country account and an account in KP, IR, MM, SY, YE, VE, LB or KE,
// at least a day apart.
func buildHighRisk(s *scenario, start int64) {
	home := s.actor(s.coin(50))
	hrc := &highRiskCountries[s.g.rng.IntN(len(highRiskCountries))]
	far := s.g.factory.newAccount(hrc, s.coin(60))
	outbound := s.coin(60)
	at := start
	for range s.n(1, 3, 1) {
		at += s.gap(day, 3*day)
		if outbound {
			s.add(at, home, far, s.eur(2_500, 12_000), "swift")
		} else {
			s.add(at, far, home, s.eur(2_500, 12_000), "swift")
		}
	}
}

// buildRoundAmount triggers AML-ROUND-001 (≥ 3 transfers of round amounts,
// multiples of 1,000 in the original currency and ≥ 5,000, within 7 days):
// 4 transfers of 6,000 or more whole thousands, worth EUR 1,500–8,000
// (below the structuring band, and below NOK 100,000), 8–30h apart
// (within 4 days).
func buildRoundAmount(s *scenario, start int64) {
	d := s.actor(s.coin(40))
	rate := unitsPerEUR[d.currency]
	kmin := max(6, int64(math.Ceil(1_500*rate/1000)))
	kmax := max(kmin, int64(math.Floor(8_000*rate/1000)))
	c := s.fresh(s.coin(50))
	at := start
	for range s.n(4, 4, 3) {
		at += s.gap(8*hour, 30*hour)
		tx := s.add(at, d, c, 0, transferChannel(d, c))
		k := kmin + s.g.rng.Int64N(kmax-kmin+1)
		tx.Amount = engine.Decimal{Units: k * 1000 * 100, Scale: 2}
	}
}

// buildDormant triggers AML-DORM-001 (silent ≥ 180 days, then a transfer
// ≥ EUR 10,000): a small payment (labelled legitimate), 190–230 days of
// silence, then EUR 11,000–14,500 out. Only the reactivation is labelled.
func buildDormant(s *scenario, start int64) {
	d := s.fresh(s.coin(30))
	early := start + s.span(hour, 10*hour)
	first := s.fresh(s.coin(50))
	s.add(early, d, first, s.u(100, 900), transferChannel(d, first))
	s.events[0].label, s.events[0].scenario = "", ""
	c := s.fresh(s.coin(50))
	if s.g.vary.realistic {
		// Shorter silences, and a transfer far above the account's own
		// history rather than above a fixed floor.
		before := ToEUR(s.events[0].tx.Amount, s.events[0].tx.Currency)
		s.add(early+s.span(90*day, 230*day), d, c, max(before*s.u(8, 30), s.u(2_500, 14_500)), transferChannel(d, c))
		return
	}
	s.add(early+s.span(190*day, 230*day), d, c, s.u(11_000, 14_500), transferChannel(d, c))
}

// buildSanctions triggers AML-SANC-001 (a party's normalised name equals a
// watchlist name): 1–2 payments of EUR 500–8,000 to or from a party named
// as on the watchlist, in varied letter case and spacing.
func buildSanctions(s *scenario, start int64) {
	name := s.g.watch[s.g.rng.IntN(len(s.g.watch))]
	listed := s.fresh(isEntity(name))
	listed.party.Name = s.varyCase(name)
	home := s.fresh(s.coin(50))
	debtorListed := s.coin(50)
	at := start
	for range s.n(1, 2, 1) {
		at += s.gap(30*minute, 2*day)
		if debtorListed {
			s.add(at, listed, home, s.u(500, 8_000), transferChannel(listed, home))
		} else {
			s.add(at, home, listed, s.u(500, 8_000), transferChannel(home, listed))
		}
	}
}

// varyCase writes a watchlist name as feeds do: as listed, upper, lower or
// title case, sometimes with doubled spaces. Normalisation undoes all of it.
func (s *scenario) varyCase(name string) string {
	switch s.g.rng.IntN(4) {
	case 1:
		name = strings.ToUpper(name)
	case 2:
		name = strings.ToLower(name)
	case 3:
		name = titleCase(name)
	}
	if s.coin(20) {
		name = strings.Replace(name, " ", "  ", 1)
	}
	return name
}

func titleCase(s string) string {
	b := []byte(strings.ToLower(s))
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == ' ' || c == '-'
	}
	return string(b)
}

// buildCashIntensive triggers AML-CASH-001 (≥ 3 cash deposits to one
// account within 7 days, total ≥ EUR 10,000): 4–5 deposits of
// EUR 2,800–4,500 by the owner, 10–30h apart (within 5 days).
func buildCashIntensive(s *scenario, start int64) {
	a := s.actor(s.coin(40))
	at := start
	for range s.n(4, 5, 3) {
		at += s.gap(10*hour, 30*hour)
		tx := s.add(at, a, a, s.eur(2_800, 4_500), "cash_deposit")
		tx.Debtor = a.cash
	}
}

// buildCorridor triggers AML-CORR-001 (PL→NO or NO→PL by one debtor, sum
// ≥ EUR 50,000 within 30 days): 8–9 transfers of EUR 6,800–8,400 (at least
// EUR 54,400; below NOK 100,000 each), 55–70h apart so no 48h window holds
// two (no structuring), all within 24 days.
func buildCorridor(s *scenario, start int64) {
	from, to := "PL", "NO"
	if s.coin(50) {
		from, to = to, from
	}
	d := s.actorIn(from, s.coin(50))
	creditors := []*account{s.freshIn(to, s.coin(50)), s.freshIn(to, s.coin(50))}[:1+s.g.rng.IntN(2)]
	at := start
	for i := range s.n(8, 9, 4) {
		at += s.gap(55*hour, 70*hour)
		c := creditors[i%len(creditors)]
		s.add(at, d, c, s.eur(6_800, 8_400), transferChannel(d, c))
	}
}

// Flow scenarios move one sum of money through a path of accounts, each
// intermediary passing on most of what it received (see relay).
const (
	// keepLo and keepHi bound the share of an arrival an intermediary
	// passes on (the rest is its fee or cut). The core currencies' rates
	// in the engine differ from the generator's by under 6 %, so every
	// hop stays inside the flow tracer's 80–110 % band in engine euros.
	keepLo, keepHi = 0.85, 0.99
	// maxHold is the longest an intermediary of a realistic feed holds
	// money before passing it on (the tracer follows arrivals for 96h).
	maxHold = 72 * hour
)

// Countries of the accounts that fund a chain's origin from abroad (that
// hop may leave the band: it only lengthens the path), and of the foreign
// companies money is round-tripped through (their currencies' rates in the
// engine and the generator agree within 6 %, as the core countries' do).
var (
	fundingCountries   = []string{"DE", "SE", "GB", "NL", "LT", "UA", "FR", "AT", "LV", "CH", "TR", "AE", "US"}
	roundTripCountries = []string{"CH", "LV", "GB", "NL", "AT", "LT", "DE", "SE", "DK", "FI", "FR", "TR"}
)

// buildLayeringChain triggers AML-FLOW-001 (a transfer of ≥ EUR 5,000
// whose traced path has ≥ 3 hops, each hop passing on 80–110 % of an
// arrival of the last 96h): a fresh origin, now and then funded just
// before by cash deposits or from abroad, sends EUR 12,000–90,000 to the
// first of 3–5 intermediaries; each passes on 85–99 % of what it received
// 1–30h after it arrived, the last one to a beneficiary, so 4–6 transfers
// and the third (hop 3) still ≥ EUR 8,600, 70 % above the floor. At least
// one hop crosses a border between core countries.
func buildLayeringChain(s *scenario, start int64) {
	origin := s.fresh(s.coin(50))
	eur := s.eur(12_000, 90_000)
	at := s.fund(start, origin, eur)
	path := []*account{origin}
	for range 3 + s.g.rng.IntN(3) {
		path = s.extend(path, func() *account { return s.actor(s.coin(50)) })
	}
	if sameCountry(path) {
		k := 1 + s.g.rng.IntN(len(path)-1)
		abroad, company := s.abroad(origin.party.Country, coreCodes), path[k].company
		path[k] = s.other(path, func() *account { return s.actorIn(abroad, company) })
	}
	path = s.extend(path, func() *account { return s.fresh(s.coin(50)) })
	s.relay(at+s.gap(hour, 12*hour), path, eur, hour, 30*hour)
}

// fund puts money on the origin's account before a chain of eur starts, in
// 45 of 100 scenarios: 2–6 cash deposits of EUR 6,000–9,500 (about eur,
// or part of a large one), hours apart, or one transfer of a little more
// than eur from a company abroad. It returns when the funding is in.
func (s *scenario) fund(at int64, origin *account, eur float64) int64 {
	switch x := s.g.rng.IntN(100); {
	case x < 20:
		for range min(max(2, int(math.Round(eur/7_750))), 6) {
			at += s.gap(2*hour, 20*hour)
			tx := s.add(at, origin, origin, s.u(6_000, 9_500), "cash_deposit")
			tx.Debtor = origin.cash
		}
	case x < 45:
		f := s.freshIn(s.abroad(origin.party.Country, fundingCountries), true)
		at += s.gap(hour, 24*hour)
		s.add(at, f, origin, eur/s.u(keepLo, keepHi), transferChannel(f, origin))
	}
	return at
}

// buildRoundTrip triggers AML-FLOW-002 (a traced transfer of ≥ EUR 5,000
// with ≥ 3 hops to an account already on its path): an origin, mostly a
// company, sends EUR 10,000–100,000 to a company abroad, which passes
// 85–99 % of it on to one or two more companies, the last of which pays
// it back to the origin (a "loan" or "investment"): 3–4 hops, each 2–48h
// after the money arrived, the return still ≥ EUR 6,100, 20 % above the
// floor.
func buildRoundTrip(s *scenario, start int64) {
	origin := s.actor(s.coin(80))
	path := []*account{origin, s.freshIn(s.abroad(origin.party.Country, roundTripCountries), true)}
	for range 1 + s.g.rng.IntN(2) {
		path = s.extend(path, func() *account { return s.actor(true) })
	}
	path = append(path, origin)
	s.relay(start+s.gap(30*minute, 6*hour), path, s.eur(10_000, 100_000), 2*hour, 48*hour)
}

// relay moves eur along path: path[0] pays path[1] at `at`, and each
// next account passes on 85–99 % of what it received after a hold (see
// hold). In realistic feeds an intermediary sometimes makes a small
// everyday payment while it holds the money; that payment is no part of
// the flow and is labelled legitimate.
func (s *scenario) relay(at int64, path []*account, eur float64, holdLo, holdHi int64) {
	for i := range len(path) - 1 {
		d, c := path[i], path[i+1]
		if i > 0 {
			wait := s.hold(holdLo, holdHi)
			if s.g.vary.realistic && s.coin(25) {
				s.everyday(at+s.span(minute, wait-minute), d)
			}
			at += wait
			eur *= s.u(keepLo, keepHi)
		}
		tx := s.add(at, d, c, eur, transferChannel(d, c))
		eur = ToEUR(tx.Amount, tx.Currency)
	}
}

// hold is how long an intermediary keeps money before passing it on: lo
// to hi; realistic feeds stretch hi by the feed's time factor, up to 72h
// (a mule waits for instructions, a weekend, a bank's review).
func (s *scenario) hold(lo, hi int64) int64 {
	if s.g.vary.realistic {
		hi = min(max(hi, int64(float64(hi)*s.g.vary.time*1.5)), maxHold)
	}
	return s.span(lo, hi)
}

// everyday adds a small payment by d at time at to a company of its
// country (a shop, a bill), labelled legitimate; it is left out when
// either account was not open yet.
func (s *scenario) everyday(at int64, d *account) {
	shop := s.g.existing(d.party.Country, true)
	if d.joined > at || shop.joined > at || shop == d {
		return
	}
	channel := "card"
	if s.coin(40) {
		channel = transferChannel(d, shop)
	}
	s.add(at, d, shop, logNormal(s.g.rng, 60, 0.8), channel)
	ev := s.events[len(s.events)-1]
	ev.label, ev.scenario = "", ""
}

// extend appends an account drawn by pick that is not on path yet.
func (s *scenario) extend(path []*account, pick func() *account) []*account {
	return append(path, s.other(path, pick))
}

// other draws an account by pick that is not on path (a fresh one when
// pick keeps returning accounts of the path), so money never pays itself.
func (s *scenario) other(path []*account, pick func() *account) *account {
	for range 10 {
		if a := pick(); !slices.Contains(path, a) {
			return a
		}
	}
	return s.fresh(s.coin(50))
}

// abroad picks one of codes other than home.
func (s *scenario) abroad(home string, codes []string) string {
	for {
		if c := codes[s.g.rng.IntN(len(codes))]; c != home {
			return c
		}
	}
}

// coreCodes lists the core countries' codes.
var coreCodes = func() []string {
	out := make([]string, 10)
	for i := range out {
		out[i] = countries[i].code
	}
	return out
}()

// sameCountry reports whether every account of path is in one country.
func sameCountry(path []*account) bool {
	for _, a := range path[1:] {
		if a.party.Country != path[0].party.Country {
			return false
		}
	}
	return true
}
