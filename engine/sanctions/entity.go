package sanctions

// Entity types. Lists use many words; loaders map them onto these.
const (
	TypePerson   = "person"
	TypeCompany  = "company" // entities, organisations, companies
	TypeVessel   = "vessel"
	TypeAircraft = "aircraft"
)

// Entity is one listed party.
type Entity struct {
	// ID is the identifier the list gives the entry (OFAC ent_num, UN
	// DATAID, EU logical id, OpenSanctions id), unique within List.
	ID string
	// List names the source list ("ofac-sdn", "ofac-cons", "un", "eu",
	// "opensanctions" or what the caller passed to the loader).
	List    string
	Name    string
	Aliases []string
	Type    string
	// DOB is the date of birth as the list writes it ("1952-10-07",
	// "10 Dec 1948", "1962"); empty when absent or not a person.
	DOB string
	// Nationality is as the list writes it (country name or ISO code).
	Nationality string
}
