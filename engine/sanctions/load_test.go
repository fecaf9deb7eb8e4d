package sanctions

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// loadShipped loads the lists the speed and quality figures refer to: OFAC
// SDN 2019, OFAC consolidated and the UN consolidated list.
func loadShipped(t testing.TB) []Entity {
	t.Helper()
	var all []Entity
	for _, dir := range []string{"ofac-2019", "ofac-cons"} {
		ents, err := LoadOFACDir(filepath.Join("testdata", dir))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ents...)
	}
	f, err := os.Open(filepath.Join("testdata", "un", "UN_consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	un, err := LoadUN(f)
	if err != nil {
		t.Fatal(err)
	}
	return append(all, un...)
}

func loadEUFixture(t testing.TB) []Entity {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "eu_fixture.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ents, err := LoadEU(f)
	if err != nil {
		t.Fatal(err)
	}
	return ents
}

var (
	shippedOnce    sync.Once
	shippedMatcher *Matcher
)

// testMatcher is one Matcher over the shipped lists plus the EU fixture
// (which holds the Putin entity the putin_names test needs), shared by the
// quality tests; building it takes a fraction of a second.
func testMatcher(t testing.TB) *Matcher {
	shippedOnce.Do(func() {
		ents := append(loadShipped(t), loadEUFixture(t)...)
		shippedMatcher = NewMatcher(ents, Options{})
	})
	return shippedMatcher
}
