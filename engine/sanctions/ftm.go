package sanctions

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ListOpenSanctions is the default list name of OpenSanctions entities.
const ListOpenSanctions = "opensanctions"

type ftmEntity struct {
	ID         string              `json:"id"`
	Schema     string              `json:"schema"`
	Properties map[string][]string `json:"properties"`
}

// ftmScreened are the FollowTheMoney schemata that name a party; others
// (Address, Sanction, Ownership, …) appear in the same export and are
// skipped.
var ftmScreened = map[string]string{
	"Person": TypePerson, "Company": TypeCompany, "Organization": TypeCompany,
	"LegalEntity": TypeCompany, "PublicBody": TypeCompany,
	"Vessel": TypeVessel, "Airplane": TypeAircraft,
}

// LoadFtM reads OpenSanctions FollowTheMoney entities, one JSON object per
// line ("entities.ftm.json"). Names come from the properties name (the
// first is primary), alias, previousName and weakAlias; birthDate and
// nationality (or citizenship) fill DOB and Nationality. list names the
// list ("" = ListOpenSanctions). A line that is not JSON is an error with
// its line number.
func LoadFtM(r io.Reader, list string) ([]Entity, error) {
	if list == "" {
		list = ListOpenSanctions
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var ents []Entity
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var fe ftmEntity
		if err := json.Unmarshal(b, &fe); err != nil {
			return nil, fmt.Errorf("FtM line %d: %w", line, err)
		}
		typ, ok := ftmScreened[fe.Schema]
		if !ok || fe.ID == "" {
			continue
		}
		p := fe.Properties
		var namesIn []string
		for _, k := range [...]string{"name", "alias", "previousName", "weakAlias"} {
			for _, n := range p[k] {
				if n = strings.TrimSpace(n); n != "" {
					namesIn = append(namesIn, n)
				}
			}
		}
		if len(namesIn) == 0 {
			continue
		}
		e := Entity{ID: fe.ID, List: list, Name: namesIn[0], Aliases: namesIn[1:], Type: typ}
		if v := p["birthDate"]; len(v) > 0 {
			e.DOB = v[0]
		}
		if v := p["nationality"]; len(v) > 0 {
			e.Nationality = v[0]
		} else if v := p["citizenship"]; len(v) > 0 {
			e.Nationality = v[0]
		}
		ents = append(ents, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read FtM lines: %w", err)
	}
	return ents, nil
}
