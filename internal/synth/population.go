package synth

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/iban"
)

// account is one customer account: the party as it appears on a
// transaction, the currency it pays in, and its habits.
type account struct {
	party    engine.Party
	cash     engine.Party // the owner at the cash desk (see cashParty)
	currency string
	company  bool
	fatf     bool
	sepa     bool
	// favs are the few counterparties the account usually pays (indexes
	// into the population); merchant is where its card payments go.
	favs     []int32
	merchant int32
	// joined is when the customer opened the account (Unix seconds); 0
	// means before the feed. Only realistic feeds have newcomers.
	joined int64
}

// sepaCountries are the countries reachable by SEPA credit transfers among
// those of the population; payments involving any other go by SWIFT.
var sepaCountries = map[string]bool{
	"PL": true, "NO": true, "DE": true, "SE": true, "LT": true, "DK": true, "FI": true,
	"NL": true, "GB": true, "FR": true, "AT": true, "LV": true, "CH": true, "BG": true,
	"HR": true, "MC": true,
}

// accountFactory issues accounts with unique account numbers and customer
// ids. Account numbers are a per-country serial scrambled by a bijection
// modulo 10^k, so they look random but never repeat.
type accountFactory struct {
	rng       *rand.Rand
	serials   map[string]uint64
	offsets   map[string]uint64
	customers uint64
}

func newAccountFactory(r *rand.Rand) *accountFactory {
	return &accountFactory{rng: r, serials: map[string]uint64{}, offsets: map[string]uint64{}}
}

// scrambleMul is coprime with 10, so serial → serial·m + o (mod 10^k) is a
// bijection on k-digit numbers; a large multiplier spreads neighbours.
const scrambleMul = 2862933555777941757

func (f *accountFactory) accountDigits(c *country) string {
	k := min(c.acctLen, 12)
	mod := uint64(math.Pow10(k))
	off, ok := f.offsets[c.code]
	if !ok {
		off = f.rng.Uint64N(mod)
		f.offsets[c.code] = off
	}
	serial := f.serials[c.code]
	f.serials[c.code] = serial + 1
	hi, lo := bits.Mul64(serial%mod, scrambleMul)
	v := (bits.Rem64(hi, lo, mod) + off) % mod
	b := make([]byte, 0, c.acctLen)
	for i := k; i < c.acctLen; i++ { // random leading digits beyond 12
		b = append(b, byte('0'+f.rng.IntN(10)))
	}
	s := strconv.FormatUint(v, 10)
	for i := len(s); i < k; i++ {
		b = append(b, '0')
	}
	return string(append(b, s...))
}

// newAccount creates an account in country c.
func (f *accountFactory) newAccount(c *country, company bool) *account {
	bk := c.banks[f.rng.IntN(len(c.banks))]
	number := bk.code + f.accountDigits(c)
	if c.iban {
		number = iban.Generate(c.code, number)
	}
	f.customers++
	custID := c.code + "-" + strconv.FormatUint(1_000_000+f.customers, 10)
	name, typ := "", "person"
	if company {
		name, typ = companyName(f.rng, c.namer), "company"
	} else {
		name = personName(f.rng, c.namer)
	}
	a := &account{
		party: engine.Party{
			Account: number, Name: name, Country: c.code, BIC: bk.bic,
			CustomerID: custID, Type: typ,
		},
		currency: c.currency,
		company:  company,
		fatf:     c.fatf,
		sepa:     sepaCountries[c.code],
		merchant: -1,
	}
	// A cash deposit or withdrawal has the owner at the desk on the other
	// side; a per-customer pseudo account keeps cash from looking like one
	// hot account that pays or receives from everybody.
	a.cash = a.party
	a.cash.Account = "CASH-" + custID
	return a
}

// population is the legitimate customer base.
type population struct {
	accounts []account
	// cum holds cumulative activity weights for picking debtors.
	cum       []float64
	companies []int32
}

func buildPopulation(r *rand.Rand, f *accountFactory, n int) *population {
	var total float64
	for i := range countries {
		total += countries[i].weight
	}
	p := &population{accounts: make([]account, 0, n), cum: make([]float64, 0, n)}
	var acc float64
	for range n {
		c := &countries[pickCountry(r, total)]
		company := r.Float64() < 0.25
		a := f.newAccount(c, company)
		// Activity varies 1:8 between accounts, no more: a bounded spread
		// keeps even the busiest legitimate account far below 15 payments
		// a day.
		w := 0.5 + 1.5*r.Float64()
		if company {
			w *= 2
		}
		acc += w
		p.cum = append(p.cum, acc)
		if company {
			p.companies = append(p.companies, int32(len(p.accounts)))
		}
		p.accounts = append(p.accounts, *a)
	}
	for i := range p.accounts {
		a := &p.accounts[i]
		nf := 2 + r.IntN(4)
		for len(a.favs) < nf {
			j := int32(r.IntN(n))
			if int(j) != i {
				a.favs = append(a.favs, j)
			}
		}
		if len(p.companies) > 0 {
			a.merchant = p.companies[r.IntN(len(p.companies))]
		}
	}
	return p
}

func pickCountry(r *rand.Rand, total float64) int {
	x := r.Float64() * total
	for i := range countries {
		x -= countries[i].weight
		if x < 0 {
			return i
		}
	}
	return len(countries) - 1
}

// pickActive picks an account with probability proportional to activity.
func (p *population) pickActive(r *rand.Rand) int {
	x := r.Float64() * p.cum[len(p.cum)-1]
	lo, hi := 0, len(p.cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if p.cum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
