package screen

import "fmt"

// StateDigest is a Screener's whole state in a comparable form, for tests:
// every window key's encoded state by aggregate, the stores' counters, the
// event-time guard, the duplicate filter and the eviction countdown.
func StateDigest(s *Screener) map[string]string {
	d := map[string]string{
		"guard":      fmt.Sprintf("%+v", s.clock.State()),
		"recent":     fmt.Sprint(s.recent.ordered()),
		"sinceEvict": fmt.Sprint(s.sinceEvict),
	}
	for i, st := range s.stores {
		late, overflow := st.Counters()
		d[s.defs[i]] = fmt.Sprint(late, overflow, st.Keys())
		st.EncodeKeys(func(key string, state []byte) error {
			d[s.defs[i]+"/"+key] = string(state)
			return nil
		})
	}
	return d
}

// InternedKeys is the number of accounts in a Screener's key table.
func InternedKeys(s *Screener) int { return s.keys.Len() }
