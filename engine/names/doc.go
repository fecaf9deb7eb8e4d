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
package names
