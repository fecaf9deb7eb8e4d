package sanctions

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// ListEU is the list name of the EU consolidated financial sanctions list.
const ListEU = "eu"

// LoadEU reads the EU Financial Sanctions Files CSV (format 1.1, as
// downloaded from the EU FSF/"data.europa.eu" consolidated list): semicolon
// separated, one header row, one row per name alias, birth date,
// citizenship, address or identification of an entity, each row repeating
// the entity's columns. Columns are found by header name, so the many
// columns we do not read may come and go. Read: Entity_LogicalId,
// Entity_SubjectType_ClassificationCode (or Entity_SubjectType),
// NameAlias_WholeName (else First/Middle/Last), BirthDate_BirthDate (else
// BirthDate_Year), Citizenship_CountryIso2Code. The first name alias of an
// entity is its primary name.
func LoadEU(r io.Reader) ([]Entity, error) {
	br := bufio.NewReader(r)
	// The FSF file starts with a UTF-8 byte order mark.
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = ';'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read EU list header: %w", err)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	idCol, ok := col["Entity_LogicalId"]
	if !ok {
		return nil, fmt.Errorf("EU list header has no Entity_LogicalId column")
	}
	get := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var ents []Entity
	byID := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read EU list line %d: %w", line, err)
		}
		if idCol >= len(rec) || strings.TrimSpace(rec[idCol]) == "" {
			continue
		}
		id := strings.TrimSpace(rec[idCol])
		i, seen := byID[id]
		if !seen {
			i = len(ents)
			byID[id] = i
			ents = append(ents, Entity{ID: id, List: ListEU, Type: euType(get(rec, "Entity_SubjectType_ClassificationCode"), get(rec, "Entity_SubjectType"))})
		}
		e := &ents[i]
		name := get(rec, "NameAlias_WholeName")
		if name == "" {
			name = strings.Join(strings.Fields(get(rec, "NameAlias_FirstName")+" "+get(rec, "NameAlias_MiddleName")+" "+get(rec, "NameAlias_LastName")), " ")
		}
		switch {
		case name == "":
		case e.Name == "":
			e.Name = name
		default:
			e.Aliases = append(e.Aliases, name)
		}
		if e.DOB == "" {
			if e.DOB = get(rec, "BirthDate_BirthDate"); e.DOB == "" {
				e.DOB = get(rec, "BirthDate_Year")
			}
		}
		if e.Nationality == "" {
			e.Nationality = get(rec, "Citizenship_CountryIso2Code")
		}
	}
	// An entity whose rows carried no name cannot be screened.
	out := ents[:0]
	for _, e := range ents {
		if e.Name != "" {
			out = append(out, e)
		}
	}
	return out, nil
}

func euType(code, short string) string {
	switch strings.ToLower(code) {
	case "person":
		return TypePerson
	case "enterprise":
		return TypeCompany
	}
	if strings.EqualFold(short, "P") {
		return TypePerson
	}
	return TypeCompany
}
