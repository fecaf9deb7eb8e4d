package wire

import (
	"math"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var b []byte
	b = AppendUvarint(b, 300)
	b = AppendVarint(b, -5)
	b = AppendU32(b, 0xdeadbeef)
	b = AppendU64(b, math.MaxUint64)
	b = AppendF64(b, -1.5)
	b = AppendString(b, "PL61109010140000071219812874")
	b = AppendBool(b, true)
	r := NewReader(b)
	if v := r.Uvarint(); v != 300 {
		t.Errorf("uvarint %d", v)
	}
	if v := r.Varint(); v != -5 {
		t.Errorf("varint %d", v)
	}
	if v := r.U32(); v != 0xdeadbeef {
		t.Errorf("u32 %x", v)
	}
	if v := r.U64(); v != math.MaxUint64 {
		t.Errorf("u64 %x", v)
	}
	if v := r.F64(); v != -1.5 {
		t.Errorf("f64 %v", v)
	}
	if v := r.String(); v != "PL61109010140000071219812874" {
		t.Errorf("string %q", v)
	}
	if !r.Bool() {
		t.Errorf("bool false")
	}
	if err := r.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestReaderFailures(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		read func(*Reader)
	}{
		{"short u64", []byte{1, 2, 3}, func(r *Reader) { r.U64() }},
		{"short string", AppendUvarint(nil, 10), func(r *Reader) { _ = r.String() }},
		{"count beyond the input", AppendUvarint(nil, 1000), func(r *Reader) { r.Count(1<<20, 8) }},
		{"count beyond its max", append(AppendUvarint(nil, 5), make([]byte, 100)...), func(r *Reader) { r.Count(4, 1) }},
		{"bad boolean", []byte{2}, func(r *Reader) { r.Bool() }},
		{"trailing bytes", []byte{1, 2}, func(r *Reader) { r.U8() }},
		{"empty varint", nil, func(r *Reader) { r.Varint() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.in)
			tt.read(r)
			if r.Done() == nil {
				t.Errorf("no error")
			}
			// The error sticks and later reads return zero values.
			if r.U32() != 0 || r.Err() == nil {
				t.Errorf("read after failure returned data")
			}
		})
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{0x80, 0x80, 1, 3, 'a', 'b', 'c'})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(in)
		for r.Err() == nil && r.Len() > 0 {
			switch r.U8() % 6 {
			case 0:
				r.Uvarint()
			case 1:
				r.Varint()
			case 2:
				_ = r.String()
			case 3:
				r.Count(1<<10, 2)
			case 4:
				r.F64()
			default:
				r.Bool()
			}
		}
	})
}
