package sanctions

import (
	"slices"
	"testing"
)

func TestLegalFormsAreOneForm(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Comercializadora Norte S.A. de C.V.", "COMERCIALIZADORA NORTE SA DE CV"},
		{"Blue Ocean LLC", "Blue Ocean Limited Liability Company"},
		{"Transportes Andinos LTDA", "Transportes Andinos Limitada"},
		{"Lion Harbour PTE. LTD.", "Lion Harbour Private Limited"},
		{"Müller Logistik GmbH", "MULLER LOGISTIK Gesellschaft mit beschränkter Haftung"},
		{"Budex sp. z o.o.", "BUDEX SPOLKA Z O.O."},
		{"Nordfjord Shipping AS", "Nordfjord Shipping A/S"},
		{"Acme Trading Co., Ltd.", "ACME TRADING LIMITED"},
	}
	for _, tt := range tests {
		qa, qb := prepare(tt.a), prepare(tt.b)
		if qa.form == 0 || qa.form != qb.form || !slices.Equal(tokenTexts(qa.toks), tokenTexts(qb.toks)) {
			t.Errorf("%q → %v %q, %q → %v %q: want the same words and form", tt.a, tokenTexts(qa.toks), formCode(qa.form), tt.b, tokenTexts(qb.toks), formCode(qb.form))
		}
		if s := Compare(tt.a, tt.b); s < 0.99 {
			t.Errorf("Compare(%q, %q) = %.3f, want 1", tt.a, tt.b, s)
		}
	}
}

func TestLegalFormMismatch(t *testing.T) {
	tests := []struct {
		a, b      string
		below     bool // under DefaultThreshold
		wantWords []string
	}{
		// Near names under two company laws are two companies.
		{"Global Trading S.A.", "GLOBAL TRADING GROUP NV", true, []string{"global", "trading"}},
		{"Global Import Export LLC", "GLOBAL TECHNOLOGY IMPORT & EXPORT, S.A. (GTI)", true, []string{"global", "import", "export"}},
		// The same name under another form is still worth a look.
		{"Nordfjord Shipping AS", "NORDFJORD SHIPPING ASA", false, []string{"nordfjord", "shipping"}},
		// A form on one side only is no evidence either way.
		{"Rosneft Trading S.A.", "ROSNEFT TRADING", false, []string{"rosneft", "trading"}},
	}
	for _, tt := range tests {
		if got := tokenTexts(prepare(tt.a).toks); !slices.Equal(got, tt.wantWords) {
			t.Errorf("words(%q) = %v, want %v", tt.a, got, tt.wantWords)
		}
		s := Compare(tt.a, tt.b)
		if (s < DefaultThreshold) != tt.below {
			t.Errorf("Compare(%q, %q) = %.3f, want below %v = %v", tt.a, tt.b, s, DefaultThreshold, tt.below)
		}
	}
}

func TestSplitLegalFormKeepsAWord(t *testing.T) {
	for _, ws := range [][]string{{"limited"}, {"s", "a"}} {
		if rest, _ := splitLegalForm(ws); len(rest) == 0 {
			t.Errorf("splitLegalForm(%v) left nothing", ws)
		}
	}
}

// formCode is the code numbered id, for messages.
func formCode(id uint8) string {
	for c, i := range formIDs {
		if i == id {
			return c
		}
	}
	return ""
}

// TestFormIDs: every legal-form code has its own non-zero number, and the
// empty code (no form) has 0.
func TestFormIDs(t *testing.T) {
	seen := map[uint8]string{}
	for _, code := range legalForms {
		id := formID(code)
		if other, ok := seen[id]; id == 0 || ok && other != code {
			t.Fatalf("code %q has number %d (taken by %q)", code, id, other)
		}
		seen[id] = code
	}
	if formID("") != 0 || len(seen) != len(formIDs) {
		t.Fatalf("formID(\"\") = %d; %d codes numbered, %d in the table", formID(""), len(formIDs), len(seen))
	}
}
