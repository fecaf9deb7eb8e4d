package sanctions

import (
	"bytes"
	"compress/gzip"
	"reflect"
	"testing"
)

func TestCompactRoundTrip(t *testing.T) {
	ents := []Entity{
		{List: "ofac-sdn", ID: "306", Type: TypePerson, Name: "KIM, Jong Un", Aliases: []string{"KIM Jong-un", "Kim Chong-un"}, DOB: "1984", Nationality: "KP"},
		{List: "un", ID: "QDe.004", Type: TypeCompany, Name: "Al-Rashid Trust, \"ART\""},
	}
	var plain bytes.Buffer
	if err := WriteCompact(&plain, ents); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.Bytes())
	zw.Close()
	for name, data := range map[string][]byte{"plain": plain.Bytes(), "gzip": gz.Bytes()} {
		got, err := LoadCompact(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, ents) {
			t.Fatalf("%s: got %+v", name, got)
		}
	}
	if _, err := LoadCompact(bytes.NewReader([]byte("a,b\n"))); err == nil {
		t.Fatal("accepted a wrong header")
	}
}

func FuzzLoadCompact(f *testing.F) {
	var b bytes.Buffer
	WriteCompact(&b, []Entity{{List: "x", ID: "1", Name: "A B", Aliases: []string{"C"}}})
	f.Add(b.Bytes())
	f.Add([]byte("list,id,type,name,aliases,dob,nationality\n,,,,,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, err := LoadCompact(bytes.NewReader(data))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteCompact(&out, ents); err != nil {
			t.Fatal(err)
		}
		again, err := LoadCompact(&out)
		if err != nil || len(again) != len(ents) {
			t.Fatalf("round trip: %v, %d vs %d", err, len(again), len(ents))
		}
	})
}
