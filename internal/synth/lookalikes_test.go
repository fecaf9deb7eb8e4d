package synth

import (
	"math"
	"testing"
	"time"
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
		for _, rs := range byFamily {
			n += len(rs)
		}
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
