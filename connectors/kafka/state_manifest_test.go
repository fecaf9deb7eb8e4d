package kafka

import (
	"reflect"
	"testing"
)

func TestManifestRoundTrip(t *testing.T) {
	m := &manifest{partition: 3, offset: 123456, slot: 1, seq: 9, sums: []uint32{1, 0xffffffff, 7}, at: []int64{10, 11, 40}, createdMs: 1700000000000}
	got, err := decodeManifest(m.encode())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("decoded %+v, want %+v", got, m)
	}
	enc := m.encode()
	for i := range enc {
		bad := append([]byte(nil), enc...)
		bad[i] ^= 1
		if _, err := decodeManifest(bad); err == nil {
			t.Errorf("bit flipped at byte %d decoded", i)
		}
	}
	for _, bad := range []*manifest{{slot: 2, sums: []uint32{1}, at: []int64{0}}, {offset: -1, sums: []uint32{1}, at: []int64{0}}, {},
		{sums: []uint32{1, 2}, at: []int64{5, 5}}} {
		if _, err := decodeManifest(bad.encode()); err == nil {
			t.Errorf("invalid manifest %+v decoded", bad)
		}
	}
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add((&manifest{partition: 1, offset: 5, sums: []uint32{3}, at: []int64{2}}).encode())
	f.Add([]byte("SWCM"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeManifest(b)
		if err != nil {
			return
		}
		again, err := decodeManifest(m.encode())
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("re-encoded manifest: %+v, %v", again, err)
		}
	})
}
