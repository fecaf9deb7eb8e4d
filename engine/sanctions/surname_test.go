package sanctions

import "testing"

// TestSurnameEnding: the ending's class and the stem it leaves, on the
// phonetic forms makeToken gives.
func TestSurnameEnding(t *testing.T) {
	tests := []struct {
		word  string
		class suffixClass
		stem  string
	}{
		{"Melnikov", 1, "melnik"},
		{"Melnikova", 1, "melnik"},
		{"Ivanoff", 1, "ipan"},
		{"Sergeyev", 2, "serkei"},
		{"Kravchenko", 3, "kraps"},
		{"Melnychuk", 4, "melni"},
		{"Melniczuk", 4, "melni"},
		{"Romaniuk", 5, "roman"},
		{"Kowalski", 6, "kopal"},
		{"Kowalska", 6, "kopal"},
		{"Kolomoisky", 6, "kolomoi"},
		{"Melnyk", 0, "melnik"},
		{"Putinas", 0, "putinas"},            // a case ending, not a surname's
		{"Vladimirovich", 0, "platimiropis"}, // a patronymic
		{"Popov", 0, "popop"},                // stem "pop" too short
		{"Tayeb", 0, "taiep"},
	}
	for _, tt := range tests {
		tok := makeToken(words1(t, tt.word), false)
		if tok.sfx != tt.class || tok.phon[:tok.stem] != tt.stem {
			t.Errorf("%s (%s): class %d stem %q, want %d %q", tt.word, tok.phon, tok.sfx, tok.phon[:tok.stem], tt.class, tt.stem)
		}
	}
}

// words1 returns the one normalised word of name.
func words1(t *testing.T, name string) string {
	t.Helper()
	ws, _ := words(name)
	if len(ws) != 1 {
		t.Fatalf("%q has words %q, want one", name, ws)
	}
	return ws[0]
}

// TestSurnamePairs: surnames that share only an ending, or that add one
// to another, are not one name; spellings of one surname still are.
func TestSurnamePairs(t *testing.T) {
	tests := []struct {
		a, b string
		hit  bool // Compare >= DefaultThreshold
	}{
		// Different people (legitimate Ukrainian customers against OFAC
		// SDN entries; all hit before the surname endings).
		{"Serhiy Melnyk", "MELNYCHUK, Serhiy", false},
		{"Oleksandr Melnyk", "MELNYCHUK, Oleksandr", false},
		{"Andriy Melnyk", "MELNIKOV, Andrei", false},
		{"Serhiy Kravchenko", "KURCHENKO, Serhiy", false},
		// One person, other spellings.
		{"Andriy Kovalenko", "KOVALENKO, Andrey", true},
		{"Serhii Melnychuk", "MELNYCHUK, Serhiy", true},
		{"Sergei Melnichuk", "MELNYCHUK, Serhiy", true},
		{"Andrei Melnikoff", "MELNIKOV, Andrei", true},
		{"Yulia Tymoshenko", "TIMOSHENKO, Yuliya", true},
		{"Ivan Ivanova", "IVANOV, Ivan", true},
		{"Jan Kowalska", "KOWALSKI, Jan", true},
		{"Vladimiras Putinas", "PUTIN, Vladimir", true},
		{"Vladimir Putin", "PUTIN, Vladimir Vladimirovich", true},
	}
	for _, tt := range tests {
		s := Compare(tt.a, tt.b)
		if hit := s >= DefaultThreshold; hit != tt.hit {
			t.Errorf("%q ~ %q = %.3f, hit %v, want %v", tt.a, tt.b, s, hit, tt.hit)
		}
	}
}
