package sanctions

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadOFACDir(t *testing.T) {
	tests := []struct {
		dir        string
		list       string
		minEnts    int
		id, name   string
		alias, typ string
	}{
		{"ofac-2019", ListOFACSDN, 7000, "306", "BANCO NACIONAL DE CUBA", "NATIONAL BANK OF CUBA", TypeCompany},
		{"ofac-cons", ListOFACCons, 400, "9639", "HANIYA, Ismail Abdul Salah", "HANIYYA, Ismaeel", TypePerson},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			ents, err := LoadOFACDir(filepath.Join("testdata", tt.dir))
			if err != nil {
				t.Fatal(err)
			}
			if len(ents) < tt.minEnts {
				t.Fatalf("%d entities, want ≥ %d", len(ents), tt.minEnts)
			}
			i := slices.IndexFunc(ents, func(e Entity) bool { return e.ID == tt.id })
			if i < 0 {
				t.Fatalf("entity %s missing", tt.id)
			}
			e := ents[i]
			if e.Name != tt.name || e.List != tt.list || e.Type != tt.typ || !slices.Contains(e.Aliases, tt.alias) {
				t.Fatalf("got %+v", e)
			}
			for _, e := range ents {
				if e.Name == "" || strings.Contains(e.Name, "-0-") || slices.Contains(e.Aliases, "-0-") {
					t.Fatalf("empty marker kept: %+v", e)
				}
			}
		})
	}
}

func TestLoadOFACRemarks(t *testing.T) {
	prim := `36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ` + "\n" +
		`7,"DOE, John","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 10 Dec 1948; POB Gaza; nationality Jordan."` + "\n\x1a"
	alt := `7,1,"aka","DOE, Johnny",-0- ` + "\n" + `99,2,"aka","ORPHAN",-0- ` + "\n"
	ents, err := LoadOFAC(strings.NewReader(prim), strings.NewReader(alt), "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 {
		t.Fatalf("got %d entities", len(ents))
	}
	p := ents[1]
	if p.Type != TypePerson || p.DOB != "10 Dec 1948" || p.Nationality != "Jordan" || len(p.Aliases) != 1 || p.Aliases[0] != "DOE, Johnny" {
		t.Fatalf("got %+v", p)
	}
	if ents[0].Type != TypeCompany || ents[0].DOB != "" || len(ents[0].Aliases) != 0 {
		t.Fatalf("got %+v", ents[0])
	}
}

func TestLoadUN(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "un", "UN_consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ents, err := LoadUN(f)
	if err != nil {
		t.Fatal(err)
	}
	var persons, companies, withDOB, withScript int
	for _, e := range ents {
		switch e.Type {
		case TypePerson:
			persons++
		case TypeCompany:
			companies++
		}
		if e.DOB != "" {
			withDOB++
		}
		if slices.ContainsFunc(e.Aliases, func(a string) bool { return hasAbjad(a) }) {
			withScript++
		}
	}
	// The README counts 730 individuals and 273 entities.
	if persons != 730 || companies != 273 || withDOB < 600 || withScript < 100 {
		t.Fatalf("persons %d companies %d withDOB %d withArabicScript %d", persons, companies, withDOB, withScript)
	}
	i := slices.IndexFunc(ents, func(e Entity) bool { return e.ID == "6907993" })
	if i < 0 || ents[i].Name != "ERIC BADEGE" || ents[i].DOB != "1971" || ents[i].Nationality != "Democratic Republic of the Congo" {
		t.Fatalf("ERIC BADEGE: %+v", ents[i])
	}
	if _, err := LoadUN(strings.NewReader("<CONSOLIDATED_LIST><INDIVIDUALS>")); err == nil {
		t.Fatal("truncated XML accepted")
	}
}

func TestLoadEU(t *testing.T) {
	ents := loadEUFixture(t)
	if len(ents) != 3 {
		t.Fatalf("got %d entities, want 3 (the nameless one skipped): %+v", len(ents), ents)
	}
	p := ents[0]
	if p.ID != "900001" || p.List != ListEU || p.Name != "Vladimir Vladimirovich PUTIN" || p.Type != TypePerson ||
		p.DOB != "1952-10-07" || p.Nationality != "RU" || len(p.Aliases) != 1 || p.Aliases[0] != "Владимир Владимирович ПУТИН" {
		t.Fatalf("got %+v", p)
	}
	if c := ents[1]; c.Type != TypeCompany || c.Name != `Joint-Stock Company "Przedsiębiorstwo Śledzik" Sp. z o.o.` {
		t.Fatalf("got %+v", c)
	}
	if s := ents[2]; s.Name != "Paweł ŁUKASZEWICZ" || s.DOB != "1970" || s.Nationality != "PL" {
		t.Fatalf("split name: %+v", s)
	}
	if _, err := LoadEU(strings.NewReader("a;b\n1;2\n")); err == nil {
		t.Fatal("header without Entity_LogicalId accepted")
	}
}

func TestLoadFtM(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "opensanctions_fixture.ftm.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ents, err := LoadFtM(f, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 3 {
		t.Fatalf("got %d entities, want person, company, vessel: %+v", len(ents), ents)
	}
	if p := ents[0]; p.List != ListOpenSanctions || p.Type != TypePerson || p.DOB != "1971-04-02" || p.Nationality != "no" || len(p.Aliases) != 2 {
		t.Fatalf("got %+v", p)
	}
	if c := ents[1]; c.Type != TypeCompany || !slices.Equal(c.Aliases, []string{"Nordlys Fisk ASA", "NSE"}) {
		t.Fatalf("got %+v", c)
	}
	if v := ents[2]; v.Type != TypeVessel {
		t.Fatalf("got %+v", v)
	}
	_, err = LoadFtM(strings.NewReader(`{"id":"a","schema":"Person"}`+"\n{oops\n"), "x")
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("got %v, want an error naming line 2", err)
	}
}
