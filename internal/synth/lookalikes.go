package synth

import (
	"container/heap"
	"math/rand/v2"
	"time"

	"github.com/socwatch/socwatch/engine"
)

// Look-alike families: legitimate behaviour every bank sees that shares
// the shape of a typology (many counterparties, large or round amounts,
// long silences, regular cross-border flows). Realistic feeds hold them,
// labelled legitimate, so an evaluation measures what a rule costs on
// ordinary business; Family names the one a transaction belongs to.
const (
	FamilyPayroll     = "payroll"           // one employer → the same employees, monthly (fan-out)
	FamilySupplierRun = "supplier_run"      // a company → its regular suppliers, in runs (fan-out, large amounts)
	FamilyUtility     = "utility_bill"      // many customers → one utility around its due date (fan-in)
	FamilyMerchant    = "card_merchant"     // many card holders → a big retailer (fan-in)
	FamilyWholesale   = "wholesale"         // regular business customers → a wholesaler at month end (fan-in, large)
	FamilyRent        = "rent"              // tenants → landlord or property manager, monthly, round amounts
	FamilyRemittance  = "family_remittance" // a worker in NO ↔ family in PL, monthly (corridor)
	FamilySeasonal    = "seasonal_peak"     // December shopping days and holiday/13th-salary bonuses (velocity, amounts)
	FamilyDormant     = "dormant_wakeup"    // a rarely used account wakes up for a family transfer (dormancy)
	FamilyLargeOneOff = "large_one_off"     // car purchase, house deposit, often funded just before (threshold, pass-through)
	FamilyCashPool    = "cash_pool"         // subsidiaries ↔ group treasury, treasury PL ↔ NO own accounts (2-hop chains, a 2-account round trip)
	FamilyMarketplace = "marketplace"       // buyer → platform escrow → seller, less the fee, days later (2-hop chain)
	FamilyProperty    = "property_purchase" // loan or family money → buyer → notary → seller → mortgage payoff (2-hop chain)
)

// Families lists the look-alike families of realistic feeds.
var Families = []string{
	FamilyPayroll, FamilySupplierRun, FamilyUtility, FamilyMerchant, FamilyWholesale,
	FamilyRent, FamilyRemittance, FamilySeasonal, FamilyDormant, FamilyLargeOneOff,
	FamilyCashPool, FamilyMarketplace, FamilyProperty,
}

// maxLookalikeShare bounds scheduled look-alike transactions to this share
// of Count, so random traffic and scenarios keep room.
const maxLookalikeShare = 0.4

// calendar walks the months of the feed.
type calendar struct {
	start, end int64 // Unix seconds
}

// months calls fn with the first instant of every month that overlaps the
// feed.
func (c calendar) months(fn func(first time.Time)) {
	t := time.Unix(c.start, 0).UTC()
	m := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	for ; m.Unix() < c.end; m = m.AddDate(0, 1, 0) {
		fn(m)
	}
}

// dayOf is day d of month m (clamped to the month's last day) at secs
// seconds after midnight; weekend days move back to Friday when business
// is set (payroll and supplier runs are not booked on weekends).
func dayOf(m time.Time, d int, secs int64, business bool) int64 {
	last := m.AddDate(0, 1, -1).Day()
	t := time.Date(m.Year(), m.Month(), min(max(d, 1), last), 0, 0, 0, 0, time.UTC)
	if business {
		switch t.Weekday() {
		case time.Saturday:
			t = t.AddDate(0, 0, -1)
		case time.Sunday:
			t = t.AddDate(0, 0, -2)
		}
	}
	return t.Unix() + secs
}

// lookalikeBuilder schedules one family's transactions.
type lookalikeBuilder struct {
	g   *Generator
	r   *rand.Rand
	cal calendar
	out []*event
}

func (b *lookalikeBuilder) add(at int64, d, c *account, eur float64, channel, family string) *engine.Tx {
	if at < b.cal.start || at >= b.cal.end || d.joined > at || c.joined > at {
		return nil // outside the feed, or before a party opened its account
	}
	ev := newEvent(at, d, c, eur, channel)
	ev.family = family
	b.out = append(b.out, ev)
	return &ev.tx
}

// pickIn picks an account of the given kind in country code, or anywhere
// when the country has none.
func (b *lookalikeBuilder) pickIn(code string, company bool) *account {
	return b.g.existing(code, company)
}

// hub picks a well-established account (one that did not open during
// the feed) to be paid by or to pay many: employers, utilities, shops.
// In a tiny population it may have to settle for a newcomer, whose
// transactions before it opened are then left out.
func (b *lookalikeBuilder) hub(code string, company bool) *account {
	a := b.pickIn(code, company)
	for tries := 0; a.joined > 0 && tries < 50; tries++ {
		a = b.pickIn(code, company)
	}
	return a
}

// distinctIn picks n distinct accounts of a kind, mostly (share) in code.
func (b *lookalikeBuilder) distinctIn(code string, company bool, n int, share float64) []*account {
	seen := map[*account]bool{}
	out := make([]*account, 0, n)
	for tries := 0; len(out) < n && tries < 20*n; tries++ {
		where := code
		if b.r.Float64() >= share {
			where = countries[b.g.coreCountry()].code
		}
		a := b.pickIn(where, company)
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

func (b *lookalikeBuilder) between(lo, hi int) int { return lo + b.r.IntN(hi-lo+1) }

// span is a random duration of lo to hi units.
func (b *lookalikeBuilder) span(lo, hi int, unit int64) int64 { return int64(b.between(lo, hi)) * unit }

func (b *lookalikeBuilder) secs(fromHour, toHour int) int64 {
	return int64(fromHour)*hour + b.r.Int64N(int64(toHour-fromHour)*hour)
}

// scale is how many actors a family gets: per accounts of the population,
// at least lo.
func (b *lookalikeBuilder) scale(perAccounts int, lo int) int {
	return max(lo, len(b.g.pop.accounts)/perAccounts)
}

// scheduleLookalikes builds every family for the whole feed and puts the
// transactions in the pending queue (labelled legitimate).
func (g *Generator) scheduleLookalikes() {
	b := &lookalikeBuilder{g: g, r: g.rng, cal: calendar{start: g.cfg.Start.Unix(), end: g.end - day}}
	g.newcomers()
	b.payroll()
	b.supplierRuns()
	b.utilities()
	b.merchants()
	b.wholesale()
	b.rent()
	b.remittances()
	b.seasonal()
	b.dormant()
	b.largeOneOffs()
	b.cashPools()
	b.marketplaces()
	b.propertyPurchases()
	events := b.out
	if limit := int(maxLookalikeShare * float64(g.cfg.Count)); len(events) > limit {
		// A small feed over a large population: keep a random subset.
		g.rng.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
		events = events[:limit]
	}
	for _, ev := range events {
		ev.seq = g.eventSeq
		g.eventSeq++
	}
	g.pending = append(g.pending, events...)
	heap.Init(&g.pending)
}

// newcomerShare is the share of the population that opens its account
// during a realistic feed: new employees, tenants, suppliers and
// customers, so a counterparty never seen before is ordinary too.
const newcomerShare = 0.15

// newcomers gives that share of the population an opening time spread
// over the feed's first nine tenths. The first two accounts are always
// established, so legitimate traffic has a debtor and a distinct creditor
// at any time.
func (g *Generator) newcomers() {
	span := float64(g.end - g.cfg.Start.Unix())
	for i := range g.pop.accounts {
		if g.rng.Float64() < newcomerShare && i >= 2 {
			g.pop.accounts[i].joined = g.cfg.Start.Unix() + int64(g.rng.Float64()*0.9*span)
		}
	}
}

// payroll: employers pay the same employees every month on their payday,
// in one batch of a few minutes; salaries are stable (±3 %), doubled as
// holiday pay in June (NO) or a bonus in December (elsewhere).
func (b *lookalikeBuilder) payroll() {
	for range b.scale(250, 3) {
		emp := b.hub(countries[b.g.coreCountry()].code, true)
		staff := b.distinctIn(emp.party.Country, false, b.between(8, 60), 0.9)
		salary := make([]float64, len(staff))
		for i := range staff {
			salary[i] = logNormal(b.r, 3200, 0.35)
		}
		payday := []int{10, 20, 25, 28, 31}[b.r.IntN(5)]
		at := b.secs(5, 9)
		bonusMonth := time.December
		if emp.party.Country == "NO" {
			bonusMonth = time.June
		}
		b.cal.months(func(m time.Time) {
			t := dayOf(m, payday, at, true)
			for i, e := range staff {
				eur := salary[i] * uniform(b.r, 0.97, 1.03)
				if m.Month() == bonusMonth {
					eur *= 2
				}
				if tx := b.add(t+int64(i)*b.r.Int64N(40), emp, e, eur, transferChannel(emp, e), FamilyPayroll); tx != nil {
					tx.Purpose = "SALA"
				}
			}
		})
	}
}

// supplierRuns: companies pay a subset of their regular suppliers every
// second week (or monthly) in a run of one to three hours; invoices vary
// widely, some in the structuring band or above the reporting threshold.
func (b *lookalikeBuilder) supplierRuns() {
	for range b.scale(300, 3) {
		payer := b.hub(countries[b.g.coreCountry()].code, true)
		suppliers := b.distinctIn(payer.party.Country, true, b.between(6, 20), 0.7)
		invoice := make([]float64, len(suppliers))
		for i := range suppliers {
			invoice[i] = logNormal(b.r, 2500, 0.8)
		}
		weekly := b.r.IntN(3) > 0
		runDay := b.between(1, 28)
		b.cal.months(func(m time.Time) {
			runs := []int{runDay}
			if weekly {
				runs = []int{runDay%14 + 1, runDay%14 + 15}
			}
			for _, d := range runs {
				t := dayOf(m, d, b.secs(8, 12), true)
				for i, s := range suppliers {
					if b.r.IntN(100) >= 75 {
						continue
					}
					t += b.r.Int64N(10 * minute)
					if tx := b.add(t, payer, s, invoice[i]*logNormal(b.r, 1, 0.3), transferChannel(payer, s), FamilySupplierRun); tx != nil {
						tx.Purpose = "SUPP"
					}
				}
			}
		})
	}
}

// utilities: a few utilities per core country are paid by many customers
// each month, each customer some days around the due date.
func (b *lookalikeBuilder) utilities() {
	for range b.scale(1500, 2) {
		u := b.hub(pick(b.r, []string{"PL", "NO", "PL", "NO", "DE", "SE"}), true)
		customers := b.distinctIn(u.party.Country, false, len(b.g.pop.accounts)/b.between(20, 40), 0.95)
		bill := make([]float64, len(customers))
		for i := range customers {
			bill[i] = logNormal(b.r, 70, 0.5)
		}
		due := b.between(10, 20)
		b.cal.months(func(m time.Time) {
			for i, c := range customers {
				if b.r.IntN(100) < 5 {
					continue // paid another way this month
				}
				eur := bill[i] * uniform(b.r, 0.8, 1.25)
				if m.Month() == time.January || m.Month() == time.February || m.Month() == time.December {
					eur *= 1.6 // winter heating
				}
				t := dayOf(m, due+b.between(-7, 3), b.secs(7, 22), false)
				b.add(t, c, u, eur, transferChannel(c, u), FamilyUtility)
			}
		})
	}
}

// merchants: big retailers get card payments from a large share of the
// customers, several times a month, so one merchant sees many distinct
// payers every day.
func (b *lookalikeBuilder) merchants() {
	for range b.scale(2000, 2) {
		shop := b.hub(countries[b.g.coreCountry()].code, true)
		customers := b.distinctIn(shop.party.Country, false, len(b.g.pop.accounts)/b.between(20, 40), 0.97)
		b.cal.months(func(m time.Time) {
			for _, c := range customers {
				for range b.between(0, 2) {
					t := dayOf(m, b.between(1, 31), b.secs(8, 21), false)
					b.add(t, c, shop, logNormal(b.r, 40, 0.8), "card", FamilyMerchant)
				}
			}
		})
	}
}

// wholesale: wholesalers are paid by their regular business customers in
// the last days of each month, thousands of euros each.
func (b *lookalikeBuilder) wholesale() {
	for range b.scale(500, 2) {
		w := b.hub(countries[b.g.coreCountry()].code, true)
		buyers := b.distinctIn(w.party.Country, true, b.between(10, 40), 0.8)
		size := make([]float64, len(buyers))
		for i := range buyers {
			size[i] = logNormal(b.r, 4000, 0.7)
		}
		b.cal.months(func(m time.Time) {
			for i, c := range buyers {
				if b.r.IntN(100) < 15 {
					continue
				}
				t := dayOf(m, 31-b.between(0, 3), b.secs(8, 17), true)
				if tx := b.add(t, c, w, size[i]*logNormal(b.r, 1, 0.25), transferChannel(c, w), FamilyWholesale); tx != nil {
					tx.Purpose = "GDDS"
				}
			}
		})
	}
}

// rent: property managers receive rent from their tenants early each
// month, and private landlords from one tenant; rents are round amounts in
// the local currency and change once a year at most.
func (b *lookalikeBuilder) rent() {
	pay := func(tenant, landlord *account, rentEUR float64) {
		local := roundTo(toCurrency(rentEUR, tenant.currency), 100)
		d := b.between(1, 5)
		b.cal.months(func(m time.Time) {
			t := dayOf(m, d+b.between(-1, 2), b.secs(6, 23), false)
			if tx := b.add(t, tenant, landlord, 0, transferChannel(tenant, landlord), FamilyRent); tx != nil {
				tx.Amount = local
				tx.Purpose = "RENT"
			}
		})
	}
	for range b.scale(800, 2) {
		mgr := b.hub(pick(b.r, []string{"PL", "NO", "NO", "PL", "SE", "DE"}), true)
		for _, t := range b.distinctIn(mgr.party.Country, false, b.between(8, 30), 1) {
			pay(t, mgr, logNormal(b.r, 900, 0.3))
		}
	}
	for range b.scale(60, 2) {
		code := countries[b.g.coreCountry()].code
		pay(b.pickIn(code, false), b.pickIn(code, false), logNormal(b.r, 750, 0.35))
	}
}

// remittances: workers in Norway send money to family in Poland (and a
// few the other way) every month, more in December; a minority also sends
// a larger sum for a family event once a year.
func (b *lookalikeBuilder) remittances() {
	for range b.scale(35, 3) {
		from, to := "NO", "PL"
		if b.r.IntN(100) < 20 {
			from, to = to, from
		}
		d, c := b.pickIn(from, false), b.pickIn(to, false)
		amount := logNormal(b.r, 600, 0.5)
		dom := b.between(1, 28)
		twice := b.r.IntN(100) < 25
		event := b.r.IntN(100) < 30
		b.cal.months(func(m time.Time) {
			eur := amount * uniform(b.r, 0.85, 1.15)
			if m.Month() == time.December {
				eur *= 1.8
			}
			t := dayOf(m, dom+b.between(-2, 2), b.secs(8, 23), false)
			b.add(t, d, c, eur, transferChannel(d, c), FamilyRemittance)
			if twice {
				b.add(t+b.span(12, 16, day), d, c, eur*0.6, transferChannel(d, c), FamilyRemittance)
			}
			if event && m.Month() == time.Month(1+dom%12) {
				tx := b.add(t+b.r.Int64N(3*day), d, c, logNormal(b.r, 5000, 0.5), transferChannel(d, c), FamilyRemittance)
				if tx != nil {
					tx.Purpose = "GIFT"
				}
			}
		})
	}
}

// seasonal: Christmas shopping days with a burst of card payments from one
// account, and Easter/summer holiday spending abroad.
func (b *lookalikeBuilder) seasonal() {
	for range b.scale(40, 3) {
		p := b.pickIn(countries[b.g.coreCountry()].code, false)
		b.cal.months(func(m time.Time) {
			var n int
			switch m.Month() {
			case time.December:
				n = b.between(12, 26)
			case time.July:
				n = b.between(4, 12)
			default:
				return
			}
			t := dayOf(m, b.between(8, 22), b.secs(9, 13), false)
			for range n {
				t += b.span(5, 40, minute)
				shop := b.pickIn(countries[b.g.coreCountry()].code, true)
				b.add(t, p, shop, logNormal(b.r, 70, 0.9), "card", FamilySeasonal)
			}
		})
	}
}

// dormant: rarely used accounts (outside the active population) make one
// or two small payments, stay silent 3–10 months, then receive or send an
// ordinary family transfer, sometimes a large one.
func (b *lookalikeBuilder) dormant() {
	for range b.scale(200, 3) {
		home := &countries[b.g.coreCountry()]
		sleeper := b.g.factory.newAccount(home, false)
		family := b.pickIn(home.code, false)
		t := b.cal.start + b.r.Int64N(60*day)
		for range b.between(1, 2) {
			t += b.r.Int64N(20 * day)
			b.add(t, sleeper, family, logNormal(b.r, 150, 0.6), transferChannel(sleeper, family), FamilyDormant)
		}
		t += b.span(90, 300, day)
		eur := logNormal(b.r, 3000, 0.9)
		if b.r.IntN(100) < 50 {
			b.add(t, family, sleeper, eur, transferChannel(family, sleeper), FamilyDormant)
		} else {
			b.add(t, sleeper, family, eur, transferChannel(sleeper, family), FamilyDormant)
		}
	}
}

// largeOneOffs: car purchases and house deposits, above reporting
// thresholds; often a parent's gift or a loan arrives a day or two
// before and is passed on almost whole.
func (b *lookalikeBuilder) largeOneOffs() {
	var sellers []*account
	for range 3 + b.r.IntN(4) {
		sellers = append(sellers, b.hub(countries[b.g.coreCountry()].code, true))
	}
	for range b.scale(80, 3) {
		buyer := b.pickIn(countries[b.g.coreCountry()].code, false)
		seller := sellers[b.r.IntN(len(sellers))]
		price := logNormal(b.r, 25000, 0.5)
		if b.r.IntN(100) < 35 {
			price = logNormal(b.r, 60000, 0.5) // house deposit
		}
		t := b.cal.start + b.r.Int64N(max(1, b.cal.end-b.cal.start-3*day))
		if b.r.IntN(100) < 55 {
			parent := b.pickIn(buyer.party.Country, false)
			b.add(t, parent, buyer, price*uniform(b.r, 0.5, 1.0), transferChannel(parent, buyer), FamilyLargeOneOff)
			t += b.span(3, 40, hour)
		}
		b.add(t, buyer, seller, price, transferChannel(buyer, seller), FamilyLargeOneOff)
	}
}

// ownAccount opens another account of a's owner in country code: a
// savings account, a company's account abroad.
func (b *lookalikeBuilder) ownAccount(a *account, code string) *account {
	o := b.g.factory.newAccount(&countries[countryIndex(code)], a.company)
	o.party.Name = a.party.Name
	return o
}

// cashPools: a group's treasury (in PL or NO) collects its subsidiaries'
// surplus at month end (zero-balancing sweeps), funds the subsidiaries
// short of cash the same day or days later — half the time with about
// what another one swept — and some months moves liquidity to the group's
// own account in the other country, which sends it back 1–10 days later.
// Sweep → funding is a matching 2-hop chain, the treasury's move out and
// back a 2-account round trip.
func (b *lookalikeBuilder) cashPools() {
	for range b.scale(700, 2) {
		home, other := "PL", "NO"
		if b.r.IntN(100) < 45 {
			home, other = other, home
		}
		treasury := b.hub(home, true)
		abroad := b.ownAccount(treasury, other)
		var subs []*account
		for _, a := range b.distinctIn(home, true, b.between(3, 8), 0.7) {
			if a != treasury {
				subs = append(subs, a)
			}
		}
		size := make([]float64, len(subs))
		for i := range subs {
			size[i] = logNormal(b.r, 20_000, 0.8)
		}
		b.cal.months(func(m time.Time) {
			end := dayOf(m, 31, b.secs(15, 18), true)
			var swept []float64
			var short []int
			for i, sub := range subs {
				if b.r.IntN(100) >= 65 {
					short = append(short, i)
					continue
				}
				eur := size[i] * logNormal(b.r, 1, 0.5)
				if tx := b.add(end+int64(i)*b.r.Int64N(5*minute), sub, treasury, eur, transferChannel(sub, treasury), FamilyCashPool); tx != nil {
					tx.Purpose = "CASH"
					swept = append(swept, eur)
				}
			}
			for _, i := range short {
				if b.r.IntN(100) >= 60 {
					continue
				}
				eur := size[i] * logNormal(b.r, 1, 0.5)
				if len(swept) > 0 && b.r.IntN(100) < 50 {
					eur = swept[b.r.IntN(len(swept))] * uniform(b.r, 0.9, 1.1)
				}
				at := end + b.span(1, 10, day)
				if b.r.IntN(100) < 40 {
					at = end + b.span(1, 6, hour)
				}
				if tx := b.add(at, treasury, subs[i], eur, transferChannel(treasury, subs[i]), FamilyCashPool); tx != nil {
					tx.Purpose = "INTC"
				}
			}
			if len(swept) == 0 || b.r.IntN(100) >= 25 {
				return
			}
			var total float64
			for _, v := range swept {
				total += v
			}
			out := end + b.span(1, 3, day)
			back := out + b.span(1, 10, day)
			eur := total * uniform(b.r, 0.5, 1)
			for _, leg := range []struct {
				at       int64
				from, to *account
				eur      float64
			}{{out, treasury, abroad, eur}, {back, abroad, treasury, eur * uniform(b.r, 0.97, 1.02)}} {
				if tx := b.add(leg.at, leg.from, leg.to, leg.eur, transferChannel(leg.from, leg.to), FamilyCashPool); tx != nil {
					tx.Amount = roundTo(tx.Amount, 10_000)
					tx.Purpose = "CASH"
				}
			}
		})
	}
}

// marketplaces: buyers pay an online marketplace's escrow account, which
// pays the seller 95–99 % of it (the platform keeps its fee) once the
// buyer confirms delivery, 1–5 days later; most goods are small, about 1
// in 100 is a used car or a machine worth thousands.
func (b *lookalikeBuilder) marketplaces() {
	for range b.scale(2500, 2) {
		platform := b.hub(pick(b.r, []string{"PL", "NO", "PL", "NO", "DE", "SE"}), true)
		code := platform.party.Country
		sellers := append(b.distinctIn(code, false, b.between(15, 40), 0.9), b.distinctIn(code, true, b.between(5, 20), 0.9)...)
		orders := len(b.g.pop.accounts) / b.between(60, 120)
		b.cal.months(func(m time.Time) {
			for range orders {
				buyer := b.pickIn(code, false)
				if b.r.IntN(100) < 10 {
					buyer = b.pickIn(countries[b.g.coreCountry()].code, false)
				}
				seller := sellers[b.r.IntN(len(sellers))]
				if buyer == seller || seller == platform {
					continue
				}
				eur := logNormal(b.r, 60, 1)
				if b.r.IntN(100) < 1 {
					eur = logNormal(b.r, 9_000, 0.6)
				}
				at := dayOf(m, b.between(1, 31), b.secs(7, 23), false)
				channel := "card"
				if b.r.IntN(100) < 45 {
					channel = transferChannel(buyer, platform)
				}
				if b.add(at, buyer, platform, eur, channel, FamilyMarketplace) != nil {
					b.add(at+day+b.r.Int64N(4*day), platform, seller, eur*uniform(b.r, 0.95, 0.99), transferChannel(platform, seller), FamilyMarketplace)
				}
			}
		})
	}
}

// propertyPurchases: a buyer, often funded just before by a mortgage
// bank's disbursement or by family, pays the price to a notary's (or
// estate agent's) client account; on completion, 1–21 days later, the
// notary pays the seller, who then mostly pays off their own mortgage
// (30–70 % of the price) or moves part or all of it to savings. Funding
// → purchase → payout is a matching chain when the funding covers the
// price and the notary pays within days; the seller's payments are
// mostly outside the band.
func (b *lookalikeBuilder) propertyPurchases() {
	notaries, lenders := map[string][]*account{}, map[string][]*account{}
	hubsIn := func(m map[string][]*account, code string, n int) []*account {
		if m[code] == nil {
			for range n {
				m[code] = append(m[code], b.hub(code, true))
			}
		}
		return m[code]
	}
	for range b.scale(100, 3) {
		buyer := b.pickIn(countries[b.g.coreCountry()].code, false)
		where := buyer.party.Country
		if b.r.IntN(100) < 10 {
			where = pick(b.r, []string{"PL", "NO", "SE", "DE"}) // a holiday flat or a move abroad
		}
		seller := b.pickIn(where, false)
		if seller == buyer {
			continue
		}
		price := logNormal(b.r, propertyMedianEUR[where], 0.45)
		notary := pick(b.r, hubsIn(notaries, where, 3))
		lender := pick(b.r, hubsIn(lenders, buyer.party.Country, 3))
		at := b.cal.start + b.r.Int64N(max(1, b.cal.end-b.cal.start-30*day))
		switch x := b.r.IntN(100); {
		case x < 45:
			if tx := b.add(at, lender, buyer, price*uniform(b.r, 0.8, 1), transferChannel(lender, buyer), FamilyProperty); tx != nil {
				tx.Purpose = "LOAN"
			}
			at += b.span(2, 96, hour)
		case x < 70:
			parent := b.pickIn(buyer.party.Country, false)
			if tx := b.add(at, parent, buyer, price*uniform(b.r, 0.4, 1), transferChannel(parent, buyer), FamilyProperty); tx != nil {
				tx.Purpose = "GIFT"
			}
			at += b.span(2, 120, hour)
		}
		if b.add(at, buyer, notary, price, transferChannel(buyer, notary), FamilyProperty) == nil {
			continue
		}
		at += b.span(1, 21, day) + b.secs(8, 16)
		if b.add(at, notary, seller, price, transferChannel(notary, seller), FamilyProperty) == nil {
			continue
		}
		at += b.span(0, 10, day) + b.secs(8, 20)
		switch x := b.r.IntN(100); {
		case x < 60:
			payoff := pick(b.r, hubsIn(lenders, seller.party.Country, 3))
			if tx := b.add(at, seller, payoff, price*uniform(b.r, 0.3, 0.7), transferChannel(seller, payoff), FamilyProperty); tx != nil {
				tx.Purpose = "LOAN"
			}
		case x < 85:
			savings := b.ownAccount(seller, seller.party.Country)
			b.add(at, seller, savings, price*uniform(b.r, 0.2, 1), transferChannel(seller, savings), FamilyProperty)
		}
	}
}

// propertyMedianEUR is a home's median price where it is bought.
var propertyMedianEUR = map[string]float64{"PL": 110_000, "NO": 380_000, "SE": 300_000, "DE": 330_000,
	"LT": 110_000, "UA": 60_000, "DK": 320_000, "FI": 200_000, "NL": 400_000, "GB": 330_000}
