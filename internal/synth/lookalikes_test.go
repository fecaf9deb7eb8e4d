package synth

import (
	"cmp"
	"math"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine"
)

// TestLookalikeFamilies checks that a realistic feed holds every
// look-alike family, labelled legitimate, with the shape that makes it a
// look-alike (the same counterparties month after month, many payers of
// one account, round rents, long silences, large one-offs).
func TestLookalikeFamilies(t *testing.T) {
	for _, seed := range []int64{1, 2} {
		recs := generate(t, Config{Seed: seed, Count: 60_000, Realistic: true})
		byFamily := map[string][]record{}
		for _, r := range recs {
			if r.family == "" {
				continue
			}
			if r.label != "" || r.scenario != "" {
				t.Fatalf("seed %d: %s of family %s is labelled %q (%s)", seed, r.tx.TxID, r.family, r.label, r.scenario)
			}
			byFamily[r.family] = append(byFamily[r.family], r)
		}
		for _, fam := range Families {
			if len(byFamily[fam]) == 0 {
				t.Errorf("seed %d: no %s transaction", seed, fam)
			}
		}
		if len(byFamily) != len(Families) {
			t.Errorf("seed %d: families %d, want %d", seed, len(byFamily), len(Families))
		}
		n := 0
		sizes := map[string]int{}
		for fam, rs := range byFamily {
			n += len(rs)
			sizes[fam] = len(rs)
		}
		t.Logf("seed %d: look-alike transactions by family %v", seed, sizes)
		if share := float64(n) / float64(len(recs)); share < 0.1 || share > maxLookalikeShare+1e-9 {
			t.Errorf("seed %d: look-alikes are %.1f %% of the feed, want 10–40 %%", seed, 100*share)
		}
		t.Run("payroll pays the same staff every month", func(t *testing.T) {
			staff := monthlyCounterparties(byFamily[FamilyPayroll], func(r record) (string, string) {
				return r.tx.Debtor.Account, r.tx.Creditor.Account
			})
			checkRegular(t, staff, 8)
		})
		t.Run("wholesalers are paid by the same customers at month end", func(t *testing.T) {
			buyers := monthlyCounterparties(byFamily[FamilyWholesale], func(r record) (string, string) {
				return r.tx.Creditor.Account, r.tx.Debtor.Account
			})
			checkRegular(t, buyers, 6)
			for _, r := range byFamily[FamilyWholesale] {
				if d := r.tx.TS.Day(); d < 25 {
					t.Fatalf("%s paid on day %d, want the month's last days", r.tx.TxID, d)
				}
			}
		})
		t.Run("a utility has many payers", func(t *testing.T) {
			payers := map[string]map[string]bool{}
			for _, r := range byFamily[FamilyUtility] {
				c := r.tx.Creditor.Account
				if payers[c] == nil {
					payers[c] = map[string]bool{}
				}
				payers[c][r.tx.Debtor.Account] = true
			}
			most := 0
			for _, p := range payers {
				most = max(most, len(p))
			}
			if most < 50 {
				t.Errorf("largest utility has %d payers, want >= 50", most)
			}
		})
		t.Run("rent is round in the local currency", func(t *testing.T) {
			for _, r := range byFamily[FamilyRent] {
				if r.tx.Amount.Units%10_000 != 0 || r.tx.Purpose != "RENT" {
					t.Fatalf("%s: rent %s %s purpose %q", r.tx.TxID, r.tx.Amount, r.tx.Currency, r.tx.Purpose)
				}
			}
		})
		t.Run("remittances flow between PL and NO", func(t *testing.T) {
			for _, r := range byFamily[FamilyRemittance] {
				d, c := r.tx.Debtor.Country, r.tx.Creditor.Country
				if !(d == "PL" && c == "NO") && !(d == "NO" && c == "PL") {
					t.Fatalf("%s: remittance %s → %s", r.tx.TxID, d, c)
				}
			}
		})
		t.Run("seasonal peaks fall in December and July", func(t *testing.T) {
			for _, r := range byFamily[FamilySeasonal] {
				if m := r.tx.TS.Month(); m != time.December && m != time.July {
					t.Fatalf("%s: seasonal payment in %s", r.tx.TxID, m)
				}
			}
		})
		t.Run("dormant accounts wake up after a long silence", func(t *testing.T) {
			last := map[string]time.Time{}
			woke := 0
			for _, r := range byFamily[FamilyDormant] {
				for _, a := range []string{r.tx.Debtor.Account, r.tx.Creditor.Account} {
					if prev, ok := last[a]; ok && r.tx.TS.Sub(prev) >= 90*24*time.Hour {
						woke++
					}
					last[a] = r.tx.TS
				}
			}
			if woke == 0 {
				t.Error("no account silent for 90 days before a dormant_wakeup transfer")
			}
		})
		t.Run("marketplaces pay sellers 95-99 % of a payment 1-5 days before", func(t *testing.T) {
			// Only the platforms, companies, pay out; sellers may be buyers.
			checkPassedOn(t, byFamily[FamilyMarketplace], func(tx *engine.Tx) bool { return tx.Debtor.Type == "company" },
				0.95, 0.99, 24*time.Hour, 5*24*time.Hour)
		})
		t.Run("notaries pay sellers the price 1-22 days after the buyer", func(t *testing.T) {
			// Lenders (purpose LOAN) are companies too, but lend, not pass on.
			checkPassedOn(t, byFamily[FamilyProperty], func(tx *engine.Tx) bool { return tx.Debtor.Type == "company" && tx.Purpose == "" },
				1, 1, 24*time.Hour, 22*24*time.Hour)
		})
		t.Run("a treasury moves money to its own account abroad and back", func(t *testing.T) {
			out := map[[2]string]bool{}
			back := 0
			for _, r := range byFamily[FamilyCashPool] {
				d, c := r.tx.Debtor, r.tx.Creditor
				if d.Name != c.Name {
					continue
				}
				if d.Country == c.Country || !(d.Country == "PL" || d.Country == "NO") || !(c.Country == "PL" || c.Country == "NO") {
					t.Fatalf("%s: own-account transfer %s → %s, want between PL and NO", r.tx.TxID, d.Country, c.Country)
				}
				if out[[2]string{c.Account, d.Account}] {
					back++
				}
				out[[2]string{d.Account, c.Account}] = true
			}
			if back == 0 {
				t.Errorf("no treasury money came back from its own account abroad (%d moves out)", len(out))
			}
		})
		t.Run("large one-offs are large", func(t *testing.T) {
			big := 0
			for _, r := range byFamily[FamilyLargeOneOff] {
				if ToEUR(r.tx.Amount, r.tx.Currency) >= 10_000 {
					big++
				}
			}
			if big*2 < len(byFamily[FamilyLargeOneOff]) {
				t.Errorf("%d of %d large one-offs are EUR 10,000 or more, want most", big, len(byFamily[FamilyLargeOneOff]))
			}
		})
	}
}

// checkPassedOn: every transfer of rs that passOn selects passes on lo
// to hi of a transfer of rs its debtor received (within two cents),
// minDelay to maxDelay before; there are some.
func checkPassedOn(t *testing.T, rs []record, passOn func(*engine.Tx) bool, lo, hi float64, minDelay, maxDelay time.Duration) {
	t.Helper()
	in := map[string][]record{}
	passed := 0
	for _, r := range rs {
		prior := in[r.tx.Debtor.Account]
		in[r.tx.Creditor.Account] = append(in[r.tx.Creditor.Account], r)
		if !passOn(&r.tx) {
			continue
		}
		out := ToEUR(r.tx.Amount, r.tx.Currency)
		matched := false
		for _, p := range prior {
			e := ToEUR(p.tx.Amount, p.tx.Currency)
			delay := r.tx.TS.Sub(p.tx.TS)
			if out >= lo*e-0.02 && out <= hi*e+0.02 && delay >= minDelay && delay <= maxDelay {
				matched = true
				break
			}
		}
		if !matched {
			t.Fatalf("%s: %s passes on EUR %.2f, no payment it received %.2f–%.2f times that %v–%v before",
				r.tx.TxID, r.tx.Debtor.Account, out, lo, hi, minDelay, maxDelay)
		}
		passed++
	}
	if passed == 0 {
		t.Error("no payment passed on")
	}
}

// TestFlowLookalikes: the flow look-alike families hold the 2-hop chains
// (a transfer of EUR 5,000 or more passing on 80–110 % of an arrival that
// was itself passed on) that a 2-hop flow rule would alert, and cash pools
// the round trips through a treasury's own account abroad (a cycle the
// tracer counts no hop for: the money does not change hands), in realistic
// feeds — what the 3-hop rules must leave alone.
func TestFlowLookalikes(t *testing.T) {
	for _, seed := range []int64{1, 2} {
		twoHop, threeHop, cycles := map[string]int{}, map[string]int{}, map[string]int{}
		legit := 0
		traceFeed(t, Config{Seed: seed, Count: 60_000, Realistic: true}, func(r *record, tr flowTrace) {
			if r.label != "" {
				return
			}
			legit++
			if tr.eur < 5_000 {
				return
			}
			fam := cmp.Or(r.family, "random")
			if tr.hops >= 2 {
				twoHop[fam]++
			}
			if tr.cycle {
				cycles[fam]++
			}
			if tr.hops >= 3 {
				threeHop[fam]++
			}
		})
		t.Logf("seed %d: legit %d; >= EUR 5,000 with >= 2 hops %v, with >= 3 hops %v, cycles %v", seed, legit, twoHop, threeHop, cycles)
		for _, fam := range []string{FamilyCashPool, FamilyMarketplace, FamilyProperty} {
			if twoHop[fam] == 0 {
				t.Errorf("seed %d: no %s transfer of >= EUR 5,000 with 2 hops", seed, fam)
			}
		}
		if cycles[FamilyCashPool] == 0 {
			t.Errorf("seed %d: no cash-pool round trip", seed)
		}
	}
}

// monthlyCounterparties maps each actor (first of key) to the set of
// counterparties it dealt with, month by month.
func monthlyCounterparties(rs []record, key func(record) (actor, other string)) map[string]map[time.Month]map[string]bool {
	out := map[string]map[time.Month]map[string]bool{}
	for _, r := range rs {
		a, o := key(r)
		if out[a] == nil {
			out[a] = map[time.Month]map[string]bool{}
		}
		m := r.tx.TS.Month()
		if out[a][m] == nil {
			out[a][m] = map[string]bool{}
		}
		out[a][m][o] = true
	}
	return out
}

// checkRegular: every actor deals with at least minParties counterparties
// in its busiest month, in at least 6 months, and most of one month's
// counterparties come back the next month.
func checkRegular(t *testing.T, byActor map[string]map[time.Month]map[string]bool, minParties int) {
	t.Helper()
	if len(byActor) == 0 {
		t.Fatal("no actor")
	}
	for actor, months := range byActor {
		if len(months) < 6 {
			t.Errorf("%s active in %d months, want >= 6", actor, len(months))
		}
		busiest := 0
		for _, ps := range months {
			busiest = max(busiest, len(ps))
		}
		if busiest < minParties {
			t.Errorf("%s deals with at most %d counterparties a month, want >= %d", actor, busiest, minParties)
		}
		again, total := 0, 0
		for m := time.January; m < time.December; m++ {
			for p := range months[m] {
				total++
				if months[m+1][p] {
					again++
				}
			}
		}
		if total > 0 && float64(again) < 0.6*float64(total) {
			t.Errorf("%s: %d of %d counterparties come back the next month, want most", actor, again, total)
		}
	}
}

// TestRealisticVariesScenarios: the typology scenarios of realistic feeds
// leave the classic feed's margins — fan-outs with fewer or more than 8–10
// transfers, scenario amounts scaled differently from seed to seed.
func TestRealisticVariesScenarios(t *testing.T) {
	sizes := map[int]bool{}
	var means []float64
	for _, seed := range []int64{1, 2, 3, 4} {
		recs := generate(t, Config{Seed: seed, Count: 30_000, Realistic: true})
		fan := map[string]int{}
		var sum float64
		n := 0
		for _, r := range recs {
			if r.label == FanOut {
				fan[r.scenario]++
				sum += ToEUR(r.tx.Amount, r.tx.Currency)
				n++
			}
		}
		for _, k := range fan {
			sizes[k] = true
		}
		if n > 0 {
			means = append(means, sum/float64(n))
		}
	}
	outside := false
	for k := range sizes {
		outside = outside || k < 8 || k > 10
	}
	if !outside {
		t.Errorf("fan-out sizes %v all within the classic 8–10", sizes)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, m := range means {
		lo, hi = math.Min(lo, m), math.Max(hi, m)
	}
	if len(means) < 4 || hi < 1.2*lo {
		t.Errorf("mean fan-out transfer per seed %v: want seeds to differ by 20 %% or more", means)
	}
}

// TestNewcomers: in realistic feeds some customers open their account
// during the feed; no legitimate transaction involves one before, and
// they do transact afterwards.
func TestNewcomers(t *testing.T) {
	g := New(Config{Seed: 3, Count: 40_000, Realistic: true})
	joined := map[string]int64{}
	for i := range g.pop.accounts {
		if a := &g.pop.accounts[i]; a.joined > 0 {
			joined[a.party.Account] = a.joined
		}
	}
	if share := float64(len(joined)) / float64(len(g.pop.accounts)); share < newcomerShare/2 || share > 2*newcomerShare {
		t.Fatalf("%.1f %% newcomers, want about %.0f %%", 100*share, 100*newcomerShare)
	}
	active := map[string]bool{}
	var tx engine.Tx
	for {
		label, ok := g.Next(&tx)
		if !ok {
			break
		}
		if label != "" {
			continue // a mule may be a newcomer used early
		}
		for _, a := range []string{tx.Debtor.Account, tx.Creditor.Account} {
			if j, ok := joined[a]; ok {
				if tx.TS.Unix() < j {
					t.Fatalf("%s (%s) involves %s before it opened at %v", tx.TxID, g.Family(), a, time.Unix(j, 0).UTC())
				}
				active[a] = true
			}
		}
	}
	if len(active) < len(joined)/2 {
		t.Errorf("%d of %d newcomers transact, want most", len(active), len(joined))
	}
}

// TestTinyRealisticPopulation: a realistic feed over a handful of accounts
// still ends (newcomers cannot leave nobody to pay).
func TestTinyRealisticPopulation(t *testing.T) {
	for seed := range int64(20) {
		recs := generate(t, Config{Seed: seed, Count: 500, Accounts: 3, Realistic: true})
		if len(recs) != 500 {
			t.Fatalf("seed %d: %d records", seed, len(recs))
		}
	}
}
