// Package names normalises personal and company names for list and name
// matching: lower case, one space between words, punctuation turned into
// spaces (apostrophes and hyphens inside a word are kept, as in "o'brien" or
// "jean-luc"), and diacritics removed, including the letters Unicode
// decomposition leaves alone (ł→l, ø→o, æ→ae, ß→ss, đ→d, þ→th, œ→oe, ı→i).
// Folding uses a hand-written table for Latin-1, Latin Extended-A and the
// Latin Extended-B letters of Romanian, Croatian, Vietnamese and African
// orthographies instead of golang.org/x/text NFD: it is faster, needs no
// dependency, and covers the letters NFD misses. Letters of other scripts
// (Cyrillic, Greek, Arabic, CJK) are lower-cased and kept; combining marks are
// dropped, so a name typed with decomposed accents folds like the precomposed
// one. Normalize is idempotent and always returns valid UTF-8.
//
// The claims against golang.org/x/text are tested beside the code
// (xtext_test.go): TestFoldCoversWhatNFDMisses shows NFD leaving ł, ø, æ,
// ß, đ, þ, œ and ı as they are, and BenchmarkFoldVsNFD measures the whole
// of Normalize against the NFD fold alone (NFD, remove Mn, lower-case; the
// transform chain reused), best of 3 on the shared 2-core CI machine:
//
//	go test -run=^$ -bench=FoldVsNFD -benchtime=0.5s -count=3 ./engine/names/
//	Normalize    "Łukasz Wróblewski"   196 ns/op  24 B/op  1 allocs/op
//	x/text NFD                        1397 ns/op 880 B/op  4 allocs/op
//	Normalize    "Håkon Ødegård"       195 ns/op  16 B/op  1 allocs/op
//	x/text NFD                        1874 ns/op 872 B/op  4 allocs/op
//	Normalize    "Nguyễn Tấn Dũng"     378 ns/op  24 B/op  1 allocs/op
//	x/text NFD                        3116 ns/op 864 B/op  4 allocs/op
package names
