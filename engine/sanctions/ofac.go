package sanctions

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// OFAC list names used by LoadOFACDir.
const (
	ListOFACSDN  = "ofac-sdn"
	ListOFACCons = "ofac-cons"
)

// LoadOFAC reads OFAC's legacy CSV layout: a primary file (sdn.csv or
// cons_prim.csv: ent_num, name, type, program, title, call sign, vessel
// fields…, remarks) and an optional alias file (alt.csv or cons_alt.csv:
// ent_num, alt_num, alt_type, alt_name, alt_remarks). The files have no
// header, "-0-" means empty, and old snapshots end with a DOS EOF byte.
// Date of birth and nationality are taken from the remarks ("DOB 10 Dec
// 1948; … nationality Iran"). alt may be nil.
func LoadOFAC(prim, alt io.Reader, list string) ([]Entity, error) {
	rows, err := readOFACCSV(prim)
	if err != nil {
		return nil, fmt.Errorf("read OFAC primary file of %s: %w", list, err)
	}
	ents := make([]Entity, 0, len(rows))
	byID := make(map[string]int, len(rows))
	for i, r := range rows {
		if len(r) < 2 {
			return nil, fmt.Errorf("OFAC %s row %d: %d fields, want at least 2", list, i+1, len(r))
		}
		id, name := ofacField(r, 0), ofacField(r, 1)
		if id == "" || name == "" {
			continue
		}
		remarks := ofacField(r, 11)
		e := Entity{
			ID:          id,
			List:        list,
			Name:        name,
			Type:        ofacType(ofacField(r, 2)),
			DOB:         remarkValue(remarks, "DOB "),
			Nationality: remarkValue(remarks, "nationality "),
		}
		byID[id] = len(ents)
		ents = append(ents, e)
	}
	if alt == nil {
		return ents, nil
	}
	alts, err := readOFACCSV(alt)
	if err != nil {
		return nil, fmt.Errorf("read OFAC alias file of %s: %w", list, err)
	}
	for _, r := range alts {
		id, name := ofacField(r, 0), ofacField(r, 3)
		i, ok := byID[id]
		if !ok || name == "" {
			continue // alias of an entry the primary file does not hold
		}
		ents[i].Aliases = append(ents[i].Aliases, name)
	}
	return ents, nil
}

// LoadOFACDir loads whichever OFAC file pairs dir holds: sdn.csv (+alt.csv)
// as ListOFACSDN and cons_prim.csv (+cons_alt.csv) as ListOFACCons.
func LoadOFACDir(dir string) ([]Entity, error) {
	var all []Entity
	found := false
	for _, p := range []struct{ prim, alt, list string }{
		{"sdn.csv", "alt.csv", ListOFACSDN},
		{"cons_prim.csv", "cons_alt.csv", ListOFACCons},
	} {
		prim, err := os.Open(filepath.Join(dir, p.prim))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("open OFAC list: %w", err)
		}
		found = true
		var alt io.Reader
		altF, err := os.Open(filepath.Join(dir, p.alt))
		switch {
		case err == nil:
			alt = altF
		case !errors.Is(err, os.ErrNotExist):
			prim.Close()
			return nil, fmt.Errorf("open OFAC aliases: %w", err)
		}
		ents, err := LoadOFAC(prim, alt, p.list)
		prim.Close()
		if altF != nil {
			altF.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", filepath.Join(dir, p.prim), err)
		}
		all = append(all, ents...)
	}
	if !found {
		return nil, fmt.Errorf("load OFAC dir %s: no sdn.csv or cons_prim.csv", dir)
	}
	return all, nil
}

func readOFACCSV(r io.Reader) ([][]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	// Old OFAC files end with a DOS EOF (Ctrl-Z) byte.
	data = bytes.TrimRight(data, "\x1a\r\n \t")
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	return cr.ReadAll()
}

// ofacField returns field i trimmed, with OFAC's "-0-" as empty.
func ofacField(r []string, i int) string {
	if i >= len(r) {
		return ""
	}
	s := strings.TrimSpace(r[i])
	if s == "-0-" {
		return ""
	}
	return s
}

func ofacType(t string) string {
	switch strings.ToLower(t) {
	case "individual":
		return TypePerson
	case "vessel":
		return TypeVessel
	case "aircraft":
		return TypeAircraft
	default:
		return TypeCompany // OFAC leaves the type of entities empty
	}
}

// remarkValue returns the text after the first occurrence of key in
// OFAC-style remarks, up to the next ';' (and without a final '.').
func remarkValue(remarks, key string) string {
	i := strings.Index(remarks, key)
	if i < 0 {
		return ""
	}
	v := remarks[i+len(key):]
	if j := strings.IndexByte(v, ';'); j >= 0 {
		v = v[:j]
	}
	return strings.TrimSuffix(strings.TrimSpace(v), ".")
}
