package synth

import "time"

// Config selects one synthetic feed. The zero value of every field but Seed
// means "use the default"; two generators with equal configs produce
// identical feeds.
type Config struct {
	Seed int64
	// Count is the number of transactions to produce (default 100,000).
	Count int
	// Start is the event time of the feed's beginning
	// (default 2026-01-05T00:00:00Z).
	Start time.Time
	// Accounts is the size of the legitimate population
	// (default max(1000, Count/20), about 20 payments per account a year).
	Accounts int
	// InjectEvery starts roughly one typology scenario per that many
	// random legitimate transactions (default 400; 250 for realistic feeds,
	// whose look-alikes take a third of the count, so that each typology
	// still has some 20 scenarios per 100,000 transactions).
	InjectEvery int
	// Span is the event time the feed covers (default 365 days). It must
	// exceed 200 days for dormant_reactivation scenarios to fit: their
	// accounts stay silent 190–230 days.
	Span time.Duration
	// Realistic adds the legitimate look-alikes every bank has (payroll,
	// supplier runs, utilities, big merchants, wholesalers, rent, family
	// remittances, seasonal peaks, dormant accounts waking up, large
	// one-offs, group cash pools, marketplace escrow, property purchases;
	// see Families), and varies the typology scenarios' amounts,
	// counts and timings by seed and lets existing customers play the
	// mules, so that a rule written for the classic feed is not tuned to
	// it by construction. The zero value keeps the classic feed.
	Realistic bool
}

// DefaultStart is the default first event time.
var DefaultStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

const (
	defaultCount         = 100_000
	defaultInjectEvery   = 400
	realisticInjectEvery = 250
	defaultSpan          = 365 * 24 * time.Hour
	minAccounts          = 1000
	paymentsPerAccount   = 20
)

func (c Config) withDefaults() Config {
	if c.Count <= 0 {
		c.Count = defaultCount
	}
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	c.Start = c.Start.UTC().Truncate(time.Second)
	if c.Accounts <= 0 {
		c.Accounts = max(minAccounts, c.Count/paymentsPerAccount)
	}
	if c.InjectEvery <= 0 {
		c.InjectEvery = defaultInjectEvery
		if c.Realistic {
			c.InjectEvery = realisticInjectEvery
		}
	}
	if c.Span < time.Hour {
		c.Span = defaultSpan
	}
	return c
}
