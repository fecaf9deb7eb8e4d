// Package sanctions screens party names against sanctions and watchlists at
// stream speed. It loads the OFAC legacy CSV files (SDN and consolidated
// non-SDN lists), the UN Security Council consolidated XML, the EU
// financial-sanctions CSV and OpenSanctions FollowTheMoney JSON lines into
// one Entity model, and builds a Matcher over them. The Matcher brings every
// name into a Latin, case- and accent-free token form (transliterating
// Cyrillic, Greek, Arabic/Persian/Urdu, Hebrew, Armenian, Georgian, Hangul,
// kana and the main Brahmic scripts, dropping company suffixes and titles),
// finds candidates through an index of consonant skeletons so that a query
// never scans every listed name, scores them with token-wise Jaro-Winkler
// (plus a phonetic variant and a whole-name comparison), and keeps the
// results of recent counterparties in a bounded cache, so that the repeated
// names of a payment stream cost one map look-up and no allocation. A
// Matcher is immutable after Build and safe for concurrent use.
package sanctions
