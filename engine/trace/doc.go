// Package trace follows money across accounts: for each transfer D→C it
// finds the earlier transfer into D that this one passes on, and so the
// path the money took (A→B→D→C), where it started and whether it came back
// (engine.Trace).
//
// Semantics, for a transfer D→C at time t of EUR a (Config defaults in
// brackets):
//
//   - D's arrivals are the transfers into D before t: the Arrivals [4]
//     newest by (ts, tx_id), of which those less than Window [96 h]
//     before t count.
//   - The transfer passes on an arrival of EUR e at time s when
//     t − Window < s < t (an arrival exactly Window earlier is out, as an
//     event exactly `over` earlier is out of the engine's windows;
//     strictly earlier: transfers of one instant never link, so their
//     order in the feed does not matter) and
//     MinRatio·e ≤ a ≤ MaxRatio·e [0.8, 1.1]: a hop keeps a fee or a cut,
//     and rarely adds much.
//   - Of those, the arrival with the longest path wins; ties go to the
//     amount closest to e, then the newest, then the greatest tx_id.
//   - The trace is then that arrival's path plus this transfer: hops + 1,
//     the same origin and start; without one it is hops 1, origin D. Hops
//     count the transfers that changed hands: one between two accounts of
//     a party (the same customer_id, or the same normalised name) passes
//     the money on but adds no hop (hops + 0; 0 without an arrival), so a
//     company moving a customer's payment to its own account abroad and
//     back is not a three-hop round trip. Two accounts of one bank (same
//     BIC) whose customer_ids both are given and differ are two parties
//     whatever their names: a bank's customer id names the party within
//     it. Elsewhere two different parties with one name count as one (a
//     hop less, never a hop more). Cycle
//     is true when C is on the path (its first debtor or any account the
//     money went through, MaxPath [8] transfers back); a self-transfer
//     (D = C) is not traced.
//     Ratio is the amount over the amount of the transfer passed on (0
//     without one). The path (engine.Trace.Path, MaxPath transfers back)
//     lists own-account moves too, marked engine.Hop.OwnAccount, so that
//     its reader can number the hops as Hops counts them.
//   - The transfer then becomes an arrival of C.
//
// The tracer sees the whole feed in event-time order: it runs where the
// feed is merged (the re-key stage, whose single owner merges every input
// partition, connectors/kafka) and over a file in `socwatch screen` and
// `socwatch eval`, which is why both give the same traces; transfers of
// one instant may come in any order. Its state is per account and
// bounded: Arrivals nodes each (plus the arrivals of the account's newest
// instant, up to 60 more), each a node of 96 bytes, one string holding
// its tx_id and accounts, and a 32-byte entry — about 800 bytes per
// account with 4 arrivals (TestBytesPerAccount). An account is dropped
// once its newest arrival is older than the newest transfer seen minus
// Window and a day (Evict), and a path keeps at most 2·MaxPath nodes
// alive (a longer one is rebased on its newest MaxPath, its hop count
// kept). Nodes come from slabs of 256 and their identifiers from 16 KiB
// chunks, and evicted accounts are reused: no allocation per transfer in
// a steady state, at the price of a slab or chunk living while one of
// its nodes does (+15–25 MB of peak RSS on a 300,000-record feed).
package trace
