package synth

// variation widens the typology scenarios of realistic feeds, so that a
// rule written for the classic feed's margins does not catch them by
// construction: per-feed factors drawn from the seed, per-scenario jitter,
// and existing customers (with a history of ordinary payments) playing the
// mules. The classic feed's variation is the identity and draws nothing,
// so classic feeds stay byte-identical.
type variation struct {
	realistic bool
	amount    float64 // multiplies scenario amounts
	time      float64 // multiplies gaps between a scenario's transactions
	count     int     // added to the number of repeated transfers
	reuse     int     // percent of main actors taken from the population
}

var classic = variation{amount: 1, time: 1}

// newVariation draws a realistic feed's factors.
func (g *Generator) newVariation() variation {
	r := g.rng
	return variation{
		realistic: true,
		amount:    uniform(r, 0.55, 1.5),
		time:      uniform(r, 0.6, 2.0),
		count:     r.IntN(7) - 2,
		reuse:     30 + r.IntN(41),
	}
}

// eur draws an amount in [lo, hi) EUR, scaled by the feed's factor and a
// ±20 % per-transfer jitter in realistic feeds.
func (s *scenario) eur(lo, hi float64) float64 {
	v := s.u(lo, hi)
	if s.g.vary.realistic {
		v *= s.g.vary.amount * uniform(s.g.rng, 0.8, 1.2)
	}
	return v
}

// gap draws a delay of lo to hi seconds, scaled in realistic feeds.
func (s *scenario) gap(lo, hi int64) int64 {
	d := s.span(lo, hi)
	if s.g.vary.realistic {
		d = int64(float64(d) * s.g.vary.time * uniform(s.g.rng, 0.7, 1.3))
	}
	return max(d, minute)
}

// n draws a count in [lo, hi], shifted in realistic feeds but never below
// floor (the least that still makes the typology).
func (s *scenario) n(lo, hi, floor int) int {
	k := lo
	if hi > lo {
		k += s.g.rng.IntN(hi - lo + 1)
	}
	if s.g.vary.realistic {
		k = max(floor, k+s.g.vary.count+s.g.rng.IntN(3)-1)
	}
	return k
}

// actor is a scenario's main account: fresh, or in realistic feeds now
// and then an existing customer of the population.
func (s *scenario) actor(company bool) *account {
	if s.g.vary.realistic && s.coin(s.g.vary.reuse) {
		return s.g.existing(countries[s.g.coreCountry()].code, company)
	}
	return s.fresh(company)
}

// actorIn is actor in a given country.
func (s *scenario) actorIn(code string, company bool) *account {
	if s.g.vary.realistic && s.coin(s.g.vary.reuse) {
		return s.g.existing(code, company)
	}
	return s.freshIn(code, company)
}

// existing picks a population account of the kind in country code (any
// country when it has none), outside FATF-listed countries.
func (g *Generator) existing(code string, company bool) *account {
	if g.byCountry == nil {
		g.byCountry = map[string][2][]int32{}
		for i := range g.pop.accounts {
			a := &g.pop.accounts[i]
			if a.fatf {
				continue
			}
			v := g.byCountry[a.party.Country]
			k := 0
			if a.company {
				k = 1
			}
			v[k] = append(v[k], int32(i))
			g.byCountry[a.party.Country] = v
		}
	}
	k := 0
	if company {
		k = 1
	}
	if xs := g.byCountry[code][k]; len(xs) > 0 {
		return &g.pop.accounts[xs[g.rng.IntN(len(xs))]]
	}
	for _, c := range countries[:10] {
		if xs := g.byCountry[c.code][k]; len(xs) > 0 {
			return &g.pop.accounts[xs[g.rng.IntN(len(xs))]]
		}
	}
	return &g.pop.accounts[0]
}
