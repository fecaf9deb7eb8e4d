package window

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestKeyTableSharedStores runs a ring and a behaviour Store on one table:
// a key lives in the table while either holds it, an evicted id is reused
// by a new key, and the reuse never shows one key's state to another.
func TestKeyTableSharedStores(t *testing.T) {
	table := NewKeyTable()
	sum := NewSharedStore(Spec{Fn: Sum, Over: time.Hour}, table)
	age := NewSharedStore(Spec{Fn: Age, Over: 24 * time.Hour}, table)
	sumSpec, ageSpec := sum.Spec(), age.Spec()

	a := table.Lookup("acct-a")
	sum.ObserveKey(&a, &Event{TS: at(0), Num: 5})
	age.ObserveKey(&a, &Event{TS: at(0)})
	b := table.Lookup("acct-b")
	sum.ObserveKey(&b, &Event{TS: at(0), Num: 7})
	if table.Len() != 2 {
		t.Fatalf("table holds %d keys, want 2", table.Len())
	}
	if got := table.Lookup("acct-a"); got != a {
		t.Fatalf("Lookup again = %+v, want %+v", got, a)
	}

	// The sum window (1h) lets both keys go at 2h; the age history (24h)
	// keeps acct-a in the table.
	if n := sum.Evict(at(2 * time.Hour)); n != 2 {
		t.Fatalf("sum evicted %d keys, want 2", n)
	}
	if table.Len() != 1 || table.Lookup("acct-b").id != 0 {
		t.Fatalf("after the sum eviction the table holds %d keys (acct-b id %d), want acct-a only",
			table.Len(), table.Lookup("acct-b").id)
	}
	a = table.Lookup("acct-a")
	if got := age.ValueKey(&ageSpec, &a, &Event{TS: at(time.Hour)}); got != 3600 {
		t.Errorf("age of acct-a = %v, want 3600", got)
	}
	if got := sum.ValueKey(&sumSpec, &a, &Event{TS: at(2 * time.Hour)}); got != 0 {
		t.Errorf("sum of evicted acct-a = %v, want 0", got)
	}

	// acct-c takes acct-b's freed id and must start empty in both stores.
	c := table.Lookup("acct-c")
	if v, _ := sum.ObserveKey(&c, &Event{TS: at(3 * time.Hour), Num: 1}); v != 1 {
		t.Errorf("sum of new acct-c = %v, want 1", v)
	}
	if c.id != b.id {
		t.Errorf("acct-c got id %d, want acct-b's freed id %d", c.id, b.id)
	}
	if got := age.ValueKey(&ageSpec, &c, &Event{TS: at(3 * time.Hour)}); got != 0 {
		t.Errorf("age of acct-c (reused id) = %v, want 0", got)
	}

	age.Clear()
	sum.Clear()
	if table.Len() != 0 || sum.Keys() != 0 || age.Keys() != 0 {
		t.Errorf("after Clear: table %d, sum %d, age %d keys", table.Len(), sum.Keys(), age.Keys())
	}
}

// TestKeyTableMatchesOwnTables screens one stream of events through Stores
// sharing a table and through Stores with tables of their own, evicting
// as it goes: every value must agree.
func TestKeyTableMatchesOwnTables(t *testing.T) {
	specs := []Spec{
		{Fn: Sum, Over: 10 * time.Minute},
		{Fn: Distinct, Over: time.Hour},
		{Fn: NewDistinct, Over: 30 * time.Minute, Lookback: time.Hour},
		{Fn: HistMax, Over: 2 * time.Hour, Recent: 10 * time.Minute},
	}
	table := NewKeyTable()
	var shared, own []*Store
	for _, spec := range specs {
		shared = append(shared, NewSharedStore(spec, table))
		own = append(own, NewStore(spec))
	}
	for i := range 20000 {
		ts := at(time.Duration(i) * 3 * time.Second)
		name := "acct-" + strconv.Itoa((i*7919)%500)
		ev := Event{TS: ts, Num: float64(i % 113), Hash: uint64(i % 17)}
		key := table.Lookup(name)
		for j := range specs {
			// Not every store sees every key: the filters of a rule pack.
			if (i+j)%3 == 0 {
				continue
			}
			got, gotLate := shared[j].ObserveKey(&key, &ev)
			want, wantLate := own[j].ObserveEvent(name, ev)
			if got != want || gotLate != wantLate {
				t.Fatalf("event %d %s %s: shared (%v, %v), own table (%v, %v)", i, specs[j].Fn, name, got, gotLate, want, wantLate)
			}
		}
		if i%997 == 0 {
			for j := range specs {
				if got, want := shared[j].Evict(ts), own[j].Evict(ts); got != want {
					t.Fatalf("event %d %s: shared evicted %d, own table %d", i, specs[j].Fn, got, want)
				}
			}
		}
	}
	for j := range specs {
		if shared[j].Keys() != own[j].Keys() {
			t.Errorf("%s: shared holds %d keys, own table %d", specs[j].Fn, shared[j].Keys(), own[j].Keys())
		}
	}
}

// TestKeyTableShortAndLongKeys: keys up to shortKeyLen bytes and longer
// ones (and one that is a prefix of another, and the empty key) are found,
// kept apart and forgotten alike.
func TestKeyTableShortAndLongKeys(t *testing.T) {
	long := strings.Repeat("L", shortKeyLen+1)
	names := []string{"", "PL1", "PL10", strings.Repeat("S", shortKeyLen), long, long + "x"}
	table := NewKeyTable()
	st := NewSharedStore(Spec{Fn: Sum, Over: time.Second}, table)
	for i, name := range names {
		st.Observe(name, at(0), float64(i+1), 0)
	}
	if table.Len() != len(names) {
		t.Fatalf("%d keys, want %d", table.Len(), len(names))
	}
	for i, name := range names {
		k := table.Lookup(name)
		if k.id == 0 || table.name(k.id) != name {
			t.Fatalf("%q: id %d, name %q", name, k.id, table.name(k.id))
		}
		if v := st.Value(name, at(0)); v != float64(i+1) {
			t.Errorf("%q reads %v, want %d", name, v, i+1)
		}
	}
	if n := st.Evict(at(time.Hour)); n != len(names) || table.Len() != 0 || table.SizeBytes() < 0 {
		t.Fatalf("evicted %d, %d keys left", n, table.Len())
	}
	for _, name := range names {
		if k := table.Lookup(name); k.id != 0 {
			t.Errorf("%q still interned after eviction", name)
		}
	}
}
