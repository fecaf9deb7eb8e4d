// Package synth generates a reproducible synthetic cross-border transaction
// feed for SOC-Watch: a Polish–Norwegian-centred population of persons and
// companies paying each other in their home currencies, with money-laundering
// scenarios of every typology of the aml-core rule pack interleaved into the
// timeline and labelled transaction by transaction, so that recall per
// typology and the false-alert share on legitimate traffic can be measured.
// The same Config (and seed) always yields the same byte-identical feed.
package synth
