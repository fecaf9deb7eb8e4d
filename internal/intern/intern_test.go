package intern

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

func TestKeptReusesEqualValues(t *testing.T) {
	var s Strings
	tests := []struct {
		slot   int
		in     string
		shared bool
		reused bool // the result must be the very string returned before
	}{
		{0, "PL61109010140000071219812874", false, false},
		{0, "PL61109010140000071219812874", false, true},
		{3, "EUR", true, false},
		{3, "PLN", true, false},
		{3, "EUR", true, true}, // from the table, though the slot held PLN
		{0, "NO9386011117947", false, false},
		{1, "PL61109010140000071219812874", true, false}, // not shared before: not in the table
		{2, "PL61109010140000071219812874", true, true},
	}
	prev := map[string]string{}
	for i, tt := range tests {
		got := s.Kept(tt.slot, []byte(tt.in), tt.shared)
		if got != tt.in {
			t.Fatalf("%d: Kept(%q) = %q", i, tt.in, got)
		}
		if p, ok := prev[tt.in]; ok && tt.reused != sameData(p, got) {
			t.Errorf("%d: %q reused = %v, want %v", i, tt.in, !tt.reused, tt.reused)
		}
		prev[tt.in] = got
	}
	if n := testing.AllocsPerRun(100, func() { s.Kept(0, []byte("NO9386011117947"), false) }); n != 0 {
		t.Errorf("repeated value: %v allocs, want 0", n)
	}
	// Two values alternating in one slot always fit in the table (a set
	// holds two), whatever the hash seed.
	eur, pln := []byte("EUR"), []byte("PLN")
	if n := testing.AllocsPerRun(100, func() { s.Kept(3, eur, true); s.Kept(3, pln, true) }); n != 0 {
		t.Errorf("alternating codes: %v allocs, want 0", n)
	}
}

// A feed's codes come back from the table after many others came
// between: the table grows to hold them, and keeps what it held when it
// grows.
func TestInternKeepsRecurringValues(t *testing.T) {
	for _, n := range []int{10, 300, maxEntries / 16} {
		var s Strings
		first := make([]string, n)
		for i := range first {
			first[i] = s.Intern(fmt.Appendf(nil, "PL%026d", i))
		}
		reused := 0
		for i := range first {
			v := s.Intern(fmt.Appendf(nil, "PL%026d", i))
			if v != first[i] {
				t.Fatalf("n=%d: Intern(%d) = %q, want %q", n, i, v, first[i])
			}
			if sameData(v, first[i]) {
				reused++
			}
		}
		// Entries are lost only when three values of a set fill it
		// before it grows: a few per cent at worst.
		if reused < n*9/10 {
			t.Errorf("n=%d: %d values reused, want at least 90%%", n, reused)
		}
	}
}

func TestInternTableIsBounded(t *testing.T) {
	var s Strings
	for i := 0; i < 3*maxEntries; i++ {
		if v := s.Intern(fmt.Append(nil, "C", i)); v != fmt.Sprint("C", i) {
			t.Fatalf("Intern(C%d) = %q", i, v)
		}
		if 2*len(s.table) > maxEntries {
			t.Fatalf("table of %d sets, bound %d values", len(s.table), maxEntries)
		}
	}
	if 2*len(s.table) != maxEntries {
		t.Errorf("table has %d entries after %d values, want it grown to %d", len(s.table), 3*maxEntries, maxEntries)
	}
	long := make([]byte, maxLen+1)
	if a, b := s.Intern(long), s.Intern(long); sameData(a, b) {
		t.Errorf("a value longer than %d bytes was interned", maxLen)
	}
	if v := s.Intern(nil); v != "" {
		t.Errorf("Intern(nil) = %q", v)
	}
}

// A record's new values are set by Flush, all in one allocation; a later
// Set or Drop of a slot before the Flush replaces its pending value.
func TestSetFlush(t *testing.T) {
	var s Strings
	var txID, account, name, currency string
	record := func(id, acct, nm string) {
		s.Set(0, &txID, []byte(id), false)
		s.Set(1, &account, []byte(acct), false)
		s.Set(2, &name, []byte(nm), false)
		s.Set(3, &currency, []byte("EUR"), true)
	}
	record("t1", "PL61109010140000071219812874", "Jan Kowalski")
	if txID != "" || account != "" || currency != "EUR" {
		t.Fatalf("before Flush: tx_id %q account %q currency %q; want new values unset, codes set", txID, account, currency)
	}
	s.Flush()
	if txID != "t1" || account != "PL61109010140000071219812874" || name != "Jan Kowalski" {
		t.Fatalf("after Flush: %q %q %q", txID, account, name)
	}
	// New tx ids and a repeated account: the ids are carved from shared
	// chunks, one allocation per chunk, not one per record.
	const perRun = 100
	ids := make([]string, 101*perRun)
	for i := range ids {
		ids[i] = fmt.Sprintf("tx-%08d", i)
	}
	i := 0
	if n := testing.AllocsPerRun(100, func() {
		for range perRun {
			record(ids[i], "PL61109010140000071219812874", "Jan Kowalski")
			s.Flush()
			i++
		}
	}); n > perRun*11/chunkSize+1 {
		t.Errorf("%d records with one new 11-byte value: %v allocations, want at most one per %d-byte chunk", perRun, n, chunkSize)
	}
	if n := testing.AllocsPerRun(100, func() { s.Flush() }); n != 0 {
		t.Errorf("Flush with nothing pending: %v allocations, want 0", n)
	}

	tests := []struct {
		name string
		set  func()
		want string
	}{
		{"new, then new", func() { s.Set(1, &account, []byte("A1"), false); s.Set(1, &account, []byte("A2"), false) }, "A2"},
		{"new, then reused", func() { s.Set(1, &account, []byte("A3"), false); s.Set(1, &account, []byte("A2"), false) }, "A2"},
		{"new, then empty", func() { s.Set(1, &account, []byte("A4"), false); s.Set(1, &account, nil, false) }, ""},
		{"new, then dropped", func() { s.Set(1, &account, []byte("A5"), false); account = ""; s.Drop(0, 2) }, ""},
		{"dropped, then new", func() { s.Drop(1, 2); s.Set(1, &account, []byte("A6"), false) }, "A6"},
	}
	for _, tt := range tests {
		tt.set()
		s.Flush()
		if account != tt.want {
			t.Errorf("%s: account %q after Flush, want %q", tt.name, account, tt.want)
		}
	}
}

// Values flushed earlier keep their bytes while later records fill the
// same chunk and new ones; a block longer than maxCarved is a string of
// its own, not carved.
func TestFlushedValuesStay(t *testing.T) {
	var s Strings
	kept := make([]string, 0, 3000)
	want := make([]string, 0, 3000)
	for i := range 1000 {
		var id, acct, long string
		v := []string{fmt.Sprint("id", i), fmt.Sprintf("NO%013d", i*7919), strings.Repeat(string(rune('a'+i%26)), i%(2*maxCarved))}
		s.Set(0, &id, []byte(v[0]), false)
		s.Set(1, &acct, []byte(v[1]), false)
		s.Set(2, &long, []byte(v[2]), false)
		s.Flush()
		kept = append(kept, id, acct, long)
		want = append(want, v...)
		if carved, n := inChunk(&s, id), len(id)+len(acct)+len(long); carved != (n <= maxCarved) {
			t.Fatalf("record %d: %d-byte block carved from the chunk: %v, want %v", i, n, carved, n <= maxCarved)
		}
	}
	for i := range kept {
		if kept[i] != want[i] {
			t.Fatalf("value %d is %q after later records, want %q", i, kept[i], want[i])
		}
	}
}

// inChunk reports whether v's bytes are in s's current chunk.
func inChunk(s *Strings, v string) bool {
	if cap(s.chunk) == 0 || v == "" {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(s.chunk)))
	p := uintptr(unsafe.Pointer(unsafe.StringData(v)))
	return p >= lo && p < lo+uintptr(cap(s.chunk))
}

// sameData reports whether a and b share their bytes (one allocation).
func sameData(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

// BenchmarkIntern looks up codes: 300 BIC-like values in a shuffled
// order, all in the table after the first round.
func BenchmarkIntern(b *testing.B) {
	vals := make([][]byte, 300)
	for i := range vals {
		vals[i] = fmt.Appendf(nil, "BANK%04dXXX", i*7919%len(vals))
	}
	var s Strings
	for _, v := range vals {
		s.Intern(v)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.Intern(vals[i%len(vals)])
		i++
	}
}

// FuzzStrings runs a sequence of Set, Kept, Drop and Flush operations,
// read from the input, against a model of what each field should hold:
// Set's value after the next Flush (unless a later Set or Drop of the
// slot came first), Kept's at once, "" after a Drop (the caller clears
// the field). Every value must be the bytes it was
// given, whatever the reuse.
func FuzzStrings(f *testing.F) {
	f.Add([]byte("s0aaaa\x00s1bb\x00f s0aaaa\x00k2EUR\x00f"))
	f.Add([]byte("s0x\x00d01s0y\x00s0\x00fS3PL\x00S3NO\x00S3PL\x00f"))
	f.Fuzz(func(t *testing.T, ops []byte) {
		const slots = 4
		var s Strings
		var fields, want [slots]string
		var pending [slots]*string // model: the value Flush will set
		// Every value a field held after a Flush, with the value it must
		// keep: later records must not overwrite a chunk's bytes.
		var held, heldWant []string
		for len(ops) >= 2 {
			op, slot := ops[0], int(ops[1]%slots)
			ops = ops[2:]
			var val []byte
			if op == 's' || op == 'S' || op == 'k' {
				end := bytes.IndexByte(ops, 0)
				if end < 0 {
					end = len(ops)
				}
				val, ops = ops[:end], ops[min(end+1, len(ops)):]
			}
			switch op {
			case 's', 'S': // Set, S shared
				s.Set(slot, &fields[slot], val, op == 'S')
				v := string(val)
				pending[slot] = &v
			case 'k':
				fields[slot] = s.Kept(slot, val, false)
				want[slot], pending[slot] = string(val), nil
			case 'd': // as a decoder drops an object given twice: clear, Drop
				fields[slot] = ""
				s.Drop(slot, slot+1)
				want[slot], pending[slot] = "", nil
			case 'f':
				s.Flush()
				for i, p := range pending {
					if p != nil {
						want[i], pending[i] = *p, nil
					}
				}
				for i := range fields {
					if fields[i] != want[i] {
						t.Fatalf("after Flush: slot %d holds %q, want %q", i, fields[i], want[i])
					}
				}
				held, heldWant = append(held, fields[:]...), append(heldWant, want[:]...)
			}
			// A Set resolved at once is already in place; one pending is
			// not visible yet: the model checks fields only after Flush.
		}
		for i := range held {
			if held[i] != heldWant[i] {
				t.Fatalf("value %d changed after later operations: %q, want %q", i, held[i], heldWant[i])
			}
		}
	})
}
