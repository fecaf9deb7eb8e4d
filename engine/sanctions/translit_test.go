package sanctions

import (
	"testing"
	"unicode/utf8"

	"github.com/socwatch/socwatch/engine/names"
)

func TestTransliterate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Jan Kowalski", "jan kowalski"},
		{"Łukasz Żółkiewski", "lukasz zolkiewski"},
		{"Владимир Путин", "vladimir putin"},
		{"Щукин Юрий", "shchukin yuriy"},
		{"Путін Володимир", "putin volodimir"},
		{"Νικόλαος Πούτιν", "nikolaos putin"},
		{"Ευάγγελος", "evaggelos"},
		{"محمد علي", "mhmd ali"},
		{"ولادیمیر پوتین", "wladimir putin"},
		{"ולדימיר פוטין", "vldimir putin"},
		{"Վլադիմիր Պուտին", "vladimir putin"},
		{"ვლადიმერ პუტინი", "vladimer putini"},
		{"व्लादिमीर पुतिन", "vladimir putin"},
		{"블라디미르 푸틴", "blladimir putin"},
		{"김정은", "gimjeongeun"},
		{"ウラジーミル・プーチン", "urajimiru puchin"},
		{"习近平", "xijinping"},
		{"สมชาย", "smchay"},
		// No table of ours: the go-unidecode fallback.
		{"ហ៊ុន សែន", "hun saen"},             // Khmer; the register sign ៊ has no Latin and is dropped
		{"ສີສຸລິດ", "siisulid"},              // Lao
		{"මහින්ද රාජපක්ෂ", "mhind raajpkss"}, // Sinhala: not the Brahmic offset table, whose layout it does not share
		{"ᠴᠢᠩᠭᠢᠰ", "chinggis"},               // Mongolian
		{"Ӑнна", "anna"},                     // a Cyrillic letter our table lacks
		{"«Путин» — В.", "putin v"},          // punctuation is left to names.Normalize
	}
	for _, tt := range tests {
		if got := names.Normalize(Transliterate(tt.in)); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTransliterateLatinDoesNotAllocate(t *testing.T) {
	in := "Bjørn Ødegård AS, Kraków Sp. z o.o."
	allocs := testing.AllocsPerRun(100, func() {
		if Transliterate(in) != in {
			t.Fatal("changed Latin input")
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations for Latin input", allocs)
	}
}

func FuzzTransliterate(f *testing.F) {
	for _, s := range []string{"Владимир", "محمد", "블라디미르", "ウラジーミル", "习近平", "व्लादिमीर", "ok", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Transliterate(s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from valid input %q", s)
		}
		// words must cope with anything Transliterate returns.
		_, _ = words(s)
	})
}
