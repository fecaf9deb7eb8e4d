package console

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/engine/window"
)

// tracePath is the path a flow alert's money took (the explanation's
// trace.path, engine.TracePath), as the alert page lists and draws it.
type tracePath struct {
	Hops []pathHop
	// Returned is the account the money came back to when the alerted
	// transfer closes a cycle ("" otherwise): the analyst's question for a
	// round trip is where it started and came home.
	Returned string
	// Unlisted counts the path's first hops that the tracer no longer
	// lists (it keeps the newest engine/trace MaxPath transfers): trace.hops
	// less the listed transfers that changed hands.
	Unlisted int
}

// pathHop is one transfer of a traced path.
type pathHop struct {
	// N is the hop's number along the whole path, from 1, as trace.hops
	// counts: the alerted transfer's N is trace.hops. An own-account move
	// has none (0): it passes the money on but adds no hop.
	N          int
	OwnAccount bool
	TxID       string
	From, To   pathAccount
	AmountEUR  float64
	TS         time.Time
	Alerted    bool // the alert's own transfer (the path's last hop)
}

// pathAccount is an account of a traced path.
type pathAccount struct {
	Account  string
	Returned bool // the money came back to it (tracePath.Returned)
}

// Summary says how many transfers the table lists and over how long,
// from the first listed one to the alerted one.
func (p *tracePath) Summary() string {
	if len(p.Hops) == 1 {
		return "1 transfer"
	}
	d := p.Hops[len(p.Hops)-1].TS.Sub(p.Hops[0].TS)
	h := int(d.Round(time.Hour) / time.Hour)
	if h < 48 {
		return fmt.Sprintf("%d transfers over %d h", len(p.Hops), h)
	}
	return fmt.Sprintf("%d transfers over %d days %d h", len(p.Hops), h/24, h%24)
}

// Money is a hop's EUR amount as the page prints it.
func (h pathHop) Money() string { return money(h.AmountEUR) }

// parseTracePath reads trace.path out of an alert's explanation, or
// returns nil when there is none or it is not a usable path: the page
// then shows the explanation as it is. It never panics on what the
// explanation holds.
func parseTracePath(raw json.RawMessage) *tracePath {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	hops, ok := decodeHops(m[engine.TracePathKey])
	if !ok {
		return nil
	}
	p := &tracePath{Hops: make([]pathHop, len(hops))}
	p.Unlisted = unlistedHops(m["trace.hops"], hops)
	// The alerted transfer closes a cycle when it pays an account the
	// money already went through. trace.cycle also counts the origin of a
	// path longer than the listed hops, which the page cannot point at.
	last := hops[len(hops)-1]
	for _, h := range hops[:len(hops)-1] {
		if h.Debtor == last.Creditor || h.Creditor == last.Creditor {
			p.Returned = last.Creditor
			break
		}
	}
	account := func(a string) pathAccount { return pathAccount{a, a == p.Returned} }
	n := p.Unlisted
	for i, h := range hops {
		p.Hops[i] = pathHop{OwnAccount: h.OwnAccount, TxID: h.TxID, From: account(h.Debtor), To: account(h.Creditor),
			AmountEUR: h.AmountEUR, TS: h.TS.UTC(), Alerted: i == len(hops)-1}
		if !h.OwnAccount {
			n++
			p.Hops[i].N = n
		}
	}
	return p
}

// unlistedHops is how many hops of the path come before its listed
// transfers: trace.hops (raw) counts every transfer of the whole path that
// changed hands, the listed own-account moves none. Without a usable
// count — an alert written before every traced alert carried trace.hops,
// or a count below the listed hops — the listed hops are taken to be all.
func unlistedHops(raw json.RawMessage, hops []engine.Hop) int {
	var total int
	if len(raw) == 0 || json.Unmarshal(raw, &total) != nil {
		return 0
	}
	for _, h := range hops {
		if !h.OwnAccount {
			total--
		}
	}
	return max(total, 0)
}

// decodeHops decodes a trace.path value; ok is false unless it is a
// non-empty list of hops that each name their transfer, both accounts and
// a time.
func decodeHops(raw json.RawMessage) ([]engine.Hop, bool) {
	if len(raw) == 0 {
		return nil, false
	}
	var hops []engine.Hop
	if json.Unmarshal(raw, &hops) != nil || len(hops) == 0 {
		return nil, false
	}
	for _, h := range hops {
		if h.TxID == "" || h.Debtor == "" || h.Creditor == "" || h.TS.IsZero() || h.AmountEUR < 0 {
			return nil, false
		}
	}
	return hops, true
}

// decodeTransferList decodes an aggregate's path entry (a key ending in
// engine.AggregatePathSuffix: an inflow_match read explains itself with
// the matched inflow and the alerted transfer, window.Hop) into the rows the
// page lists; ok is false unless it is a non-empty list of transfers that
// each name their transaction, both accounts and a time. Amount is the
// aggregate's input (amount_eur in the shipped pack, pathAmountUnit).
func decodeTransferList(key string, raw json.RawMessage) ([]pathHop, bool) {
	if !strings.HasSuffix(key, engine.AggregatePathSuffix) || key == engine.TracePathKey || len(raw) == 0 {
		return nil, false
	}
	var hops []window.Hop
	if json.Unmarshal(raw, &hops) != nil || len(hops) == 0 {
		return nil, false
	}
	out := make([]pathHop, len(hops))
	for i, h := range hops {
		ts, err := time.Parse(time.RFC3339, h.TS)
		if err != nil || h.TxID == "" || h.From == "" || h.To == "" {
			return nil, false
		}
		out[i] = pathHop{TxID: h.TxID, From: pathAccount{Account: h.From}, To: pathAccount{Account: h.To},
			AmountEUR: h.Amount, TS: ts.UTC()}
	}
	return out, true
}

// pathAmountUnit is the unit of the amounts of an aggregate's path entry
// key: they are the aggregate's input, so EUR for amount_eur — what the
// shipped packs' inflow_match reads, and what is assumed without a pack
// (rs nil) or an aggregate of that name — and the input's field name for
// another (amount is in each transfer's own currency, which the path does
// not hold).
func pathAmountUnit(rs *engine.RuleSet, key string) string {
	if rs == nil {
		return "EUR"
	}
	name := strings.TrimSuffix(key, engine.AggregatePathSuffix)
	for _, agg := range rs.Aggregates {
		if agg.Name == name && agg.Field != nil && agg.Field.Path != "amount_eur" {
			return agg.Field.Path
		}
	}
	return "EUR"
}
