package sanctions

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// ListUN is the list name of the UN Security Council consolidated list.
const ListUN = "un"

type unList struct {
	Individuals []unParty `xml:"INDIVIDUALS>INDIVIDUAL"`
	Entities    []unParty `xml:"ENTITIES>ENTITY"`
}

type unParty struct {
	DataID         string    `xml:"DATAID"`
	First          string    `xml:"FIRST_NAME"`
	Second         string    `xml:"SECOND_NAME"`
	Third          string    `xml:"THIRD_NAME"`
	Fourth         string    `xml:"FOURTH_NAME"`
	OriginalScript string    `xml:"NAME_ORIGINAL_SCRIPT"`
	Nationality    []string  `xml:"NATIONALITY>VALUE"`
	IndAliases     []unAlias `xml:"INDIVIDUAL_ALIAS"`
	EntAliases     []unAlias `xml:"ENTITY_ALIAS"`
	DOBs           []unDOB   `xml:"INDIVIDUAL_DATE_OF_BIRTH"`
}

type unAlias struct {
	Quality string `xml:"QUALITY"`
	Name    string `xml:"ALIAS_NAME"`
}

type unDOB struct {
	Date string `xml:"DATE"`
	Year string `xml:"YEAR"`
}

// LoadUN reads the UN Security Council consolidated list XML. The primary
// name joins FIRST_NAME … FOURTH_NAME; aliases are every ALIAS_NAME
// (good- and low-quality alike: a screening engine would rather see a
// low-quality alias hit than miss it) and NAME_ORIGINAL_SCRIPT.
func LoadUN(r io.Reader) ([]Entity, error) {
	var l unList
	if err := xml.NewDecoder(r).Decode(&l); err != nil {
		return nil, fmt.Errorf("decode UN consolidated list: %w", err)
	}
	ents := make([]Entity, 0, len(l.Individuals)+len(l.Entities))
	for _, p := range l.Individuals {
		if e, ok := p.entity(TypePerson); ok {
			ents = append(ents, e)
		}
	}
	for _, p := range l.Entities {
		if e, ok := p.entity(TypeCompany); ok {
			ents = append(ents, e)
		}
	}
	return ents, nil
}

func (p *unParty) entity(typ string) (Entity, bool) {
	var parts []string
	for _, s := range [...]string{p.First, p.Second, p.Third, p.Fourth} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	name := strings.Join(parts, " ")
	if name == "" || strings.TrimSpace(p.DataID) == "" {
		return Entity{}, false
	}
	e := Entity{ID: strings.TrimSpace(p.DataID), List: ListUN, Name: name, Type: typ}
	for _, a := range append(p.IndAliases, p.EntAliases...) {
		if n := strings.TrimSpace(a.Name); n != "" {
			e.Aliases = append(e.Aliases, n)
		}
	}
	if s := strings.TrimSpace(p.OriginalScript); s != "" {
		e.Aliases = append(e.Aliases, s)
	}
	for _, d := range p.DOBs {
		if v := strings.TrimSpace(d.Date); v != "" {
			e.DOB = v
			break
		}
		if v := strings.TrimSpace(d.Year); v != "" {
			e.DOB = v
			break
		}
	}
	if len(p.Nationality) > 0 {
		e.Nationality = strings.TrimSpace(p.Nationality[0])
	}
	return e, true
}
