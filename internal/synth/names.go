package synth

import "math/rand/v2"

// nameStyle selects the name tables of a country.
type nameStyle uint8

const (
	stylePL nameStyle = iota
	styleNO
	styleDE
	styleSE
	styleLT
	styleUA
	styleDK
	styleFI
	styleNL
	styleGB
	styleIntl
)

// nameTable holds the parts persons and companies of one style are named
// from. Polish surnames are stored in their masculine form; the feminine
// form is derived (-ski → -ska, -cki → -cka, -dzki → -dzka).
type nameTable struct {
	male, female, surnames []string
	// companyStems and companyWords build "<stem> <word> <suffix>".
	companyStems, companyWords, companySuffixes []string
	polishSurnames                              bool
}

var nameTables = [...]nameTable{
	stylePL: {
		male:            []string{"Łukasz", "Paweł", "Grzegorz", "Józef", "Jędrzej", "Michał", "Wojciech", "Krzysztof", "Tomasz", "Marek", "Piotr", "Bartłomiej", "Mikołaj", "Stanisław", "Zbigniew", "Maciej", "Rafał", "Jarosław"},
		female:          []string{"Zofia", "Małgorzata", "Bożena", "Żaneta", "Agnieszka", "Katarzyna", "Magdalena", "Jadwiga", "Urszula", "Anna", "Barbara", "Elżbieta", "Joanna", "Dorota", "Aleksandra", "Grażyna"},
		surnames:        []string{"Wróblewski", "Kowalczyk", "Wiśniewski", "Dąbrowski", "Zieliński", "Szymański", "Woźniak", "Kozłowski", "Jabłoński", "Mazur", "Krawczyk", "Piątek", "Grabowski", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jankowski", "Wójcik", "Kamiński", "Lewandowski", "Nowak", "Żak", "Głowacki", "Ślęzak", "Łuczak", "Sęk", "Kaczmarek", "Błaszczyk", "Górecki"},
		companyStems:    []string{"Kraków", "Gdańsk", "Łódź", "Wrocław", "Poznań", "Szczecin", "Białystok", "Rzeszów", "Toruń", "Bydgoszcz", "Śląsk", "Mazowsze", "Pomorze", "Żuławy"},
		companyWords:    []string{"Trans", "Budowa", "Logistyka", "Żegluga", "Drewno", "Stal", "Spedycja", "Handel", "Meble", "Rybołówstwo", "Instal", "Serwis"},
		companySuffixes: []string{"Sp. z o.o.", "Sp. z o.o.", "Sp. z o.o.", "S.A.", "Sp.k."},
		polishSurnames:  true,
	},
	styleNO: {
		male:            []string{"Bjørn", "Håkon", "Øystein", "Torbjørn", "Jørgen", "Eirik", "Ståle", "Ole", "Lars", "Knut", "Sindre", "Tore", "Åsmund", "Geir", "Pål"},
		female:          []string{"Sølvi", "Ingrid", "Kjersti", "Åse", "Ragnhild", "Sigrid", "Marit", "Tone", "Siri", "Hege", "Bodil", "Gro", "Liv", "Ålaug"},
		surnames:        []string{"Ødegård", "Ærø", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Haugen", "Bakken", "Solberg", "Strøm", "Sæther", "Næss", "Berg", "Haaland", "Bråten", "Løvås", "Mørk", "Sandvik", "Fjeld", "Aasen", "Høiland", "Lie", "Dæhli", "Skåre"},
		companyStems:    []string{"Fjord", "Nordlys", "Trøndelag", "Bjørnøya", "Ålesund", "Tromsø", "Hardanger", "Lofoten", "Vestland", "Bodø", "Sørlandet", "Mjøsa", "Jæren", "Finnmark"},
		companyWords:    []string{"Shipping", "Bygg", "Eiendom", "Sjømat", "Fisk", "Transport", "Elektro", "Rør", "Maskin", "Havbruk", "Entreprenør", "Frakt"},
		companySuffixes: []string{"AS", "AS", "AS", "ASA", "DA"},
	},
	styleDE: {
		male:            []string{"Jürgen", "Matthias", "Stefan", "Uwe", "Klaus", "Jörg", "Tobias", "Florian"},
		female:          []string{"Ursula", "Sabine", "Käthe", "Anja", "Brigitte", "Jutta", "Lena", "Hannah"},
		surnames:        []string{"Müller", "Schröder", "Schäfer", "Köhler", "Weiß", "Groß", "Hoffmann", "Krüger", "Böhm", "Becker"},
		companyStems:    []string{"Rhein", "Elbe", "Bayern", "Nordsee", "Harz", "Schwarzwald"},
		companyWords:    []string{"Logistik", "Bau", "Handel", "Maschinen", "Spedition", "Technik"},
		companySuffixes: []string{"GmbH", "GmbH", "AG", "GmbH & Co. KG"},
	},
	styleSE: {
		male:            []string{"Björn", "Göran", "Håkan", "Anders", "Mattias", "Örjan", "Nils"},
		female:          []string{"Åsa", "Märta", "Karin", "Linnéa", "Sofia", "Maja", "Ingela"},
		surnames:        []string{"Lindqvist", "Ekström", "Söderberg", "Nyström", "Andersson", "Lindström", "Åkesson", "Hällström"},
		companyStems:    []string{"Norrland", "Göta", "Mälaren", "Skåne", "Värmland"},
		companyWords:    []string{"Trä", "Bygg", "Frakt", "Handel", "Stål"},
		companySuffixes: []string{"AB", "AB", "HB"},
	},
	styleLT: {
		male:            []string{"Jonas", "Mindaugas", "Tomas", "Darius", "Žygimantas", "Andrius"},
		female:          []string{"Rūta", "Eglė", "Jurgita", "Aušra", "Giedrė", "Laima"},
		surnames:        []string{"Kazlauskas", "Petrauskas", "Jankauskas", "Stankevičius", "Žukauskas", "Vasiliauskas", "Butkus"},
		companyStems:    []string{"Baltijos", "Vilniaus", "Kauno", "Nemuno", "Žemaitijos"},
		companyWords:    []string{"Transportas", "Prekyba", "Statyba", "Logistika"},
		companySuffixes: []string{"UAB", "UAB", "AB"},
	},
	styleUA: {
		male:            []string{"Oleksandr", "Andriy", "Dmytro", "Serhiy", "Mykola", "Taras", "Bohdan"},
		female:          []string{"Olena", "Oksana", "Iryna", "Nataliia", "Halyna", "Yuliia"},
		surnames:        []string{"Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk", "Oliynyk", "Lysenko"},
		companyStems:    []string{"Dnipro", "Lviv", "Kharkiv", "Podillia", "Karpaty"},
		companyWords:    []string{"Agro", "Trans", "Metal", "Trade", "Budinvest"},
		companySuffixes: []string{"TOV", "TOV", "PrAT"},
	},
	styleDK: {
		male:            []string{"Søren", "Jørgen", "Mads", "Rasmus", "Frederik", "Niels"},
		female:          []string{"Mette", "Sørine", "Louise", "Birgitte", "Ane", "Signe"},
		surnames:        []string{"Jørgensen", "Kjær", "Sørensen", "Møller", "Rasmussen", "Østergaard", "Christensen"},
		companyStems:    []string{"Jylland", "Øresund", "Fyn", "Aarhus", "Bornholm"},
		companyWords:    []string{"Shipping", "Byg", "Handel", "Transport", "Fiskeri"},
		companySuffixes: []string{"ApS", "ApS", "A/S"},
	},
	styleFI: {
		male:            []string{"Mikko", "Jukka", "Matti", "Väinö", "Antti", "Jyrki"},
		female:          []string{"Päivi", "Sirpa", "Tiina", "Hilkka", "Minna", "Säde"},
		surnames:        []string{"Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Heikkinen", "Järvinen", "Lähteenmäki"},
		companyStems:    []string{"Pohjola", "Saimaa", "Häme", "Lappi", "Kymi"},
		companyWords:    []string{"Kuljetus", "Rakennus", "Puu", "Kauppa", "Teräs"},
		companySuffixes: []string{"Oy", "Oy", "Oyj"},
	},
	styleNL: {
		male:            []string{"Jan", "Pieter", "Joost", "Sander", "Bram", "Maarten"},
		female:          []string{"Sanne", "Fleur", "Anouk", "Marieke", "Femke", "Lotte"},
		surnames:        []string{"de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "de Jong", "van Dijk"},
		companyStems:    []string{"Holland", "Rijn", "Maas", "Zeeland", "Amstel"},
		companyWords:    []string{"Transport", "Handel", "Bouw", "Logistiek", "Techniek"},
		companySuffixes: []string{"B.V.", "B.V.", "N.V."},
	},
	styleGB: {
		male:            []string{"Oliver", "George", "Harry", "James", "William", "Thomas", "Jack"},
		female:          []string{"Olivia", "Amelia", "Isla", "Emily", "Charlotte", "Sophie"},
		surnames:        []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thompson", "Walker"},
		companyStems:    []string{"Thames", "Pennine", "Albion", "Mersey", "Highland"},
		companyWords:    []string{"Freight", "Trading", "Holdings", "Engineering", "Logistics"},
		companySuffixes: []string{"Ltd", "Ltd", "PLC", "LLP"},
	},
	styleIntl: {
		male:            []string{"Marco", "Pierre", "Ahmet", "Luis", "Nikola", "Ivan", "Dragan", "Samir"},
		female:          []string{"Elena", "Marie", "Ayşe", "Ana", "Mirela", "Leila", "Daria"},
		surnames:        []string{"Rossi", "Dubois", "Yılmaz", "García", "Petrov", "Horvat", "Dimitrov", "Nguyen", "Okafor", "Haddad"},
		companyStems:    []string{"Euro", "Global", "Mediterranean", "Atlas", "Orion", "Danube"},
		companyWords:    []string{"Trading", "Logistics", "Import Export", "Services", "Commodities"},
		companySuffixes: []string{"Ltd", "S.A.", "SRL", "LLC", "d.o.o."},
	},
}

// personName builds a "First Last" name of the style.
func personName(r *rand.Rand, s nameStyle) string {
	t := &nameTables[s]
	female := r.IntN(2) == 0
	first := pick(r, t.male)
	if female {
		first = pick(r, t.female)
	}
	last := pick(r, t.surnames)
	if female && t.polishSurnames {
		last = feminine(last)
	}
	return first + " " + last
}

// companyName builds "<stem> <word> <suffix>", e.g. "Kraków Trans Sp. z o.o.".
func companyName(r *rand.Rand, s nameStyle) string {
	t := &nameTables[s]
	return pick(r, t.companyStems) + " " + pick(r, t.companyWords) + " " + pick(r, t.companySuffixes)
}

// feminine turns a Polish masculine surname into its feminine form.
func feminine(s string) string {
	for _, end := range [...]string{"ski", "cki", "dzki"} {
		if len(s) > len(end) && s[len(s)-len(end):] == end {
			return s[:len(s)-1] + "a"
		}
	}
	return s
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }
