package sanctions

import (
	"maps"
	"slices"
	"strings"
)

// legalForms maps the spellings of company legal forms, as names.Normalize
// leaves them (dots and commas gone, lower case: "S.A. de C.V." → "s a de c
// v"), to one code per form, so that "SA de CV" and "S.A. de C.V.",
// "Limited Liability Company" and "LLC", "Limitada" and "LTDA", "PTE. LTD."
// and "Private Limited" are one form. Forms a reader would take for the same
// thing share a code (Ltd, Limited, Co. Ltd); forms of different company
// law do not (an S.A. is not an N.V.).
var legalForms = func() map[string]string {
	m := map[string]string{}
	add := func(code string, spellings ...string) {
		for _, s := range spellings {
			m[s] = code
		}
	}
	add("sa_de_cv", "sa de cv", "s a de c v", "s a de cv", "sa de c v", "sociedad anonima de capital variable")
	add("s_de_rl", "s de rl", "s de r l", "s de r l de c v", "s de rl de cv", "sociedad de responsabilidad limitada")
	add("llc", "llc", "l l c", "limited liability company", "l l c company")
	add("llp", "llp", "l l p", "limited liability partnership")
	add("lp", "lp", "l p", "limited partnership")
	add("ltda", "ltda", "limitada")
	add("pte_ltd", "pte ltd", "pte limited", "private limited", "private limited company", "pvt ltd", "pvt limited", "p ltd")
	add("ltd", "ltd", "limited", "co ltd", "company limited", "co limited")
	add("plc", "plc", "p l c", "public limited company")
	add("inc", "inc", "incorporated")
	add("corp", "corp", "corporation")
	add("co", "co", "company")
	add("gmbh", "gmbh", "gesellschaft mit beschrankter haftung", "ges m b h", "gesmbh")
	add("gmbh_co_kg", "gmbh co kg", "gmbh und co kg")
	add("kg", "kg", "co kg", "kommanditgesellschaft")
	add("ag", "ag", "a g", "aktiengesellschaft")
	add("sp_zoo", "sp z o o", "spolka z o o", "sp zoo", "spolka z ograniczona odpowiedzialnoscia")
	add("sp_k", "sp k", "spolka komandytowa")
	add("sp_j", "sp j", "spolka jawna")
	add("as", "as", "a s", "aksjeselskap", "aktieselskab")
	add("asa", "asa", "allmennaksjeselskap")
	add("ab", "ab", "aktiebolag", "aktiebolaget")
	add("oy", "oy", "osakeyhtio")
	add("oyj", "oyj")
	add("aps", "aps", "anpartsselskab")
	add("sa", "sa", "s a", "societe anonyme", "sociedad anonima", "sociedade anonima")
	add("sas", "sas", "s a s", "societe par actions simplifiee")
	add("sarl", "sarl", "s a r l", "societe a responsabilite limitee")
	add("srl", "srl", "s r l", "societa a responsabilita limitata")
	add("spa", "spa", "s p a", "societa per azioni")
	add("sl", "sl", "s l", "sociedad limitada")
	add("sal", "sal", "s a l", "s a l offshore", "s a l off shore", "sal offshore")
	add("bv", "bv", "b v", "besloten vennootschap")
	add("nv", "nv", "n v", "naamloze vennootschap")
	add("doo", "doo", "d o o", "drustvo s ogranicenom odgovornoscu")
	add("ooo", "ooo", "obshchestvo s ogranichennoy otvetstvennostyu")
	add("jsc", "jsc", "j s c", "ojsc", "cjsc", "pjsc", "p j s c", "oao", "zao", "pao", "ao", "joint stock company",
		"open joint stock company", "closed joint stock company", "public joint stock company")
	add("tov", "tov", "prat", "pat")
	add("uab", "uab")
	add("sdn_bhd", "sdn bhd", "bhd", "berhad", "sendirian berhad")
	add("pty_ltd", "pty", "pty ltd", "proprietary limited")
	add("fze", "fze", "fzco", "fzc", "fz llc")
	add("ca", "c a", "compania anonima")
	add("eu", "e u")
	add("s_en_c", "s en c")
	add("offshore", "offshore")
	return m
}()

// maxFormWords is the longest legal-form spelling in words.
var maxFormWords = func() int {
	n := 0
	for s := range legalForms {
		n = max(n, strings.Count(s, " ")+1)
	}
	return n
}()

// maxTrailingAcronym is the longest word that may follow a legal form and
// still leave it the name's legal form: a short name in brackets, as in
// "GLOBAL TECHNOLOGY IMPORT & EXPORT, S.A. (GTI)".
const maxTrailingAcronym = 4

// splitLegalForm removes the legal form from the end of ws (possibly
// followed by one short acronym, dropped too) and returns the rest and the
// form's code, "" when there is none. At least one word is always left: a
// company called "Limited" keeps its name.
func splitLegalForm(ws []string) (rest []string, form string) {
	for _, skip := range [2]int{0, 1} {
		if skip == 1 && (len(ws) < 3 || len(ws[len(ws)-1]) > maxTrailingAcronym) {
			break
		}
		end := len(ws) - skip
		// Longest spelling first: "s a de c v" before "c v". The spelling
		// is joined in a stack buffer: a map index by string(bytes) does
		// not allocate.
		for n := min(maxFormWords, end-1); n >= 1; n-- {
			var buf [64]byte
			key := buf[:0]
			for i, w := range ws[end-n : end] {
				if i > 0 {
					key = append(key, ' ')
				}
				key = append(key, w...)
			}
			if code, ok := legalForms[string(key)]; ok {
				return ws[:end-n], code
			}
		}
	}
	return ws, ""
}

// formPenalty discounts a match between two names whose legal forms are
// both known and differ: "Global Trading S.A." and "Global Trading Group
// N.V." are two companies. An exact name under another form (1.0 → 0.9)
// still reaches DefaultThreshold; a fuzzy one no longer does.
const formPenalty = 0.9

// formIDs number the legal-form codes from 1 (0 = no form), so that a
// listed name's form fits in a byte of its nameHead (TestFormIDs checks
// that the codes fit).
var formIDs = func() map[string]uint8 {
	codes := slices.Sorted(maps.Values(legalForms))
	codes = slices.Compact(codes)
	ids := make(map[string]uint8, len(codes))
	for i, c := range codes {
		ids[c] = uint8(i + 1)
	}
	return ids
}()

// formID is the number of a legal-form code (splitLegalForm), 0 for "".
func formID(code string) uint8 { return formIDs[code] }

// formFactor is the factor of a query's score against a listed name, given
// the formIDs of their legal forms.
func formFactor(q, n uint8) float64 {
	if q != 0 && n != 0 && q != n {
		return formPenalty
	}
	return 1
}

// entityForms gives an entity's aliases without a legal form the form its
// other aliases carry ("GLOBAL TRADING GROUP" is the alias of "GLOBAL
// TRADING GROUP NV"), when they carry exactly one. names are grouped by
// entity in order, as NewMatcher appends them.
func entityForms(names []listedName) {
	for i := 0; i < len(names); {
		j := i
		var form uint8
		forms := 0
		for ; j < len(names) && names[j].ent == names[i].ent; j++ {
			if f := names[j].form; f != 0 && f != form {
				form = f
				forms++
			}
		}
		if forms == 1 {
			for k := i; k < j; k++ {
				names[k].form = form
			}
		}
		i = j
	}
}
