// Package synth generates a reproducible synthetic cross-border transaction
// feed for SOC-Watch: a Polish–Norwegian-centred population of persons and
// companies paying each other in their home currencies, with money-laundering
// scenarios of every typology of the aml-core rule pack (layering_chain and
// round_trip for its flow-tracing rules, money followed hop by hop across
// accounts) interleaved into the timeline and labelled transaction by
// transaction, so that recall per typology and the false-alert share on
// legitimate traffic can be measured.
// Config.Realistic adds the legitimate look-alikes every bank has (payroll,
// supplier runs, utilities, merchants, wholesalers, rent, remittances,
// seasonal peaks, dormant accounts waking up, large one-offs, and the
// 2-hop money flows of group cash pools, marketplace escrow and property
// purchases; Family names a transaction's) and varies the scenarios by
// seed, so that a pack is not measured on the margins it was written for.
// The same Config (and seed) always yields the same feed; timestamps are
// whole seconds, strictly increasing, and ids are "gen-<seed>-<n>". Next
// returns each transaction's label (WriteLabel/ReadLabels handle the
// `tx_id,typology,scenario` file) and Scenario names the scenario it belongs to, for
// recall counted per scenario rather than per transaction.
package synth
