// Package synth generates a reproducible synthetic cross-border transaction
// feed for SOC-Watch: a Polish–Norwegian-centred population of persons and
// companies paying each other in their home currencies, with money-laundering
// scenarios of every typology of the aml-core rule pack interleaved into the
// timeline and labelled transaction by transaction, so that recall per
// typology and the false-alert share on legitimate traffic can be measured.
// The same Config (and seed) always yields the same feed; timestamps are
// whole seconds, strictly increasing, and ids are "gen-<seed>-<n>". Next
// returns each transaction's label (WriteLabel/ReadLabels handle the
// `tx_id,typology` file) and Scenario names the scenario it belongs to, for
// recall counted per scenario rather than per transaction.
package synth
