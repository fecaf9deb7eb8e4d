package sanctions

import (
	"bytes"
	"testing"
)

// The loaders must never panic and must return either entities with an id
// and a name or an error.
func checkEntities(t *testing.T, ents []Entity, err error) {
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.ID == "" || e.Name == "" {
			t.Fatalf("entity without id or name: %+v", e)
		}
	}
}

func FuzzLoadOFAC(f *testing.F) {
	f.Add([]byte(`36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1962; nationality Iran."`), []byte(`36,12,"aka","AERO-CARIBBEAN",-0- `))
	f.Add([]byte("1,\"a\n"), []byte("\x1a"))
	f.Fuzz(func(t *testing.T, prim, alt []byte) {
		ents, err := LoadOFAC(bytes.NewReader(prim), bytes.NewReader(alt), "x")
		checkEntities(t, ents, err)
	})
}

func FuzzLoadUN(f *testing.F) {
	f.Add([]byte(`<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME><INDIVIDUAL_ALIAS><ALIAS_NAME>B</ALIAS_NAME></INDIVIDUAL_ALIAS><INDIVIDUAL_DATE_OF_BIRTH><YEAR>1970</YEAR></INDIVIDUAL_DATE_OF_BIRTH></INDIVIDUAL></INDIVIDUALS><ENTITIES><ENTITY><DATAID>2</DATAID><FIRST_NAME>C</FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, err := LoadUN(bytes.NewReader(data))
		checkEntities(t, ents, err)
	})
}

func FuzzLoadEU(f *testing.F) {
	f.Add([]byte("\xef\xbb\xbfEntity_LogicalId;NameAlias_WholeName;Entity_SubjectType\n1;A B;P\n1;C;P\n2;;E\n"))
	f.Add([]byte("Entity_LogicalId;NameAlias_FirstName;NameAlias_LastName\n\"1;x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, err := LoadEU(bytes.NewReader(data))
		checkEntities(t, ents, err)
	})
}

func FuzzLoadFtM(f *testing.F) {
	f.Add([]byte(`{"id":"a","schema":"Person","properties":{"name":["X"],"alias":["Y"],"birthDate":["1970"]}}` + "\n" + `{"id":"b","schema":"Address"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, err := LoadFtM(bytes.NewReader(data), "")
		checkEntities(t, ents, err)
	})
}

// FuzzBest screens arbitrary names: no panic, a score in [0,1], and the
// same answer from the cache.
func FuzzBest(f *testing.F) {
	m := smallMatcher()
	for _, s := range []string{"Jan Kowalski", "Бьорн", "محمد", "", " - ' ", "a b c d e f g h i j k l m n o p q r s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		r := m.Best(name, "")
		if r.Score < 0 || r.Score > 1.0000001 {
			t.Fatalf("score %v", r.Score)
		}
		if again := m.Best(name, ""); again != r {
			t.Fatalf("cache gave %+v, computed %+v", again, r)
		}
	})
}
