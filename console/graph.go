package console

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/socwatch/socwatch/console/store"
)

// graph is the counterparty graph of an alert, laid out for SVG: accounts
// as nodes, money flows (aggregated per direction) as edges.
type graph struct {
	Width, Height int
	Nodes         []*gnode
	Edges         []*gedge
	Omitted       int // accounts left out to keep the picture readable
}

type gnode struct {
	Account string
	Label   string
	Country string
	X, Y    float64
	Role    string // debtor, creditor or counterparty
	in, out float64
}

type gedge struct {
	From, To    *gnode
	SumEUR      float64
	Count       int
	First, Last time.Time
	Kind        string // alert (the alert's transfer), path (flow into a pass-through), flow
	Path        string // SVG path data
	LX, LY      float64
}

// Label is the edge's text.
func (e *gedge) Label() string {
	s := "€" + money(e.SumEUR)
	if e.Count > 1 {
		s += fmt.Sprintf(" ×%d", e.Count)
	}
	return s
}

// When is the edge's time text.
func (e *gedge) When() string {
	if e.Count == 1 || e.First.Equal(e.Last) {
		return e.Last.Format("Jan 2 15:04")
	}
	return e.First.Format("Jan 2 15:04") + "–" + e.Last.Format("Jan 2 15:04")
}

// maxGraphNodes bounds the picture; the heaviest flows stay.
const maxGraphNodes = 16

// buildGraph lays out the flows among the alert's accounts and their
// counterparties. The alert's own transfer is marked; for a pass-through
// alert the inflows of the 24 hours before it are marked as its path.
func buildGraph(a *store.Alert, txs []store.Tx) *graph {
	g := &graph{Width: 900, Height: 460}
	nodes := map[string]*gnode{}
	node := func(acct, country string) *gnode {
		n, ok := nodes[acct]
		if !ok {
			n = &gnode{Account: acct, Country: country, Role: "counterparty"}
			nodes[acct] = n
		}
		return n
	}
	type key struct{ from, to string }
	edges := map[key]*gedge{}
	for _, t := range txs {
		if t.DebtorAccount == "" || t.CreditorAccount == "" || t.DebtorAccount == t.CreditorAccount {
			continue
		}
		amt, _ := strconv.ParseFloat(t.AmountEUR, 64)
		from, to := node(t.DebtorAccount, t.DebtorCountry), node(t.CreditorAccount, t.CreditorCountry)
		from.out += amt
		to.in += amt
		k := key{t.DebtorAccount, t.CreditorAccount}
		e, ok := edges[k]
		if !ok {
			e = &gedge{From: from, To: to, First: t.TS, Kind: "flow"}
			edges[k] = e
		}
		e.SumEUR += amt
		e.Count++
		if t.TS.Before(e.First) {
			e.First = t.TS
		}
		if t.TS.After(e.Last) {
			e.Last = t.TS
		}
		switch {
		case t.ID == a.TxID:
			e.Kind = "alert"
		case a.Typology == "pass_through" && t.CreditorAccount == a.DebtorAccount &&
			!t.TS.After(a.TS) && t.TS.After(a.TS.Add(-24*time.Hour)) && e.Kind != "alert":
			e.Kind = "path"
		}
	}
	// The alert's own accounts are always drawn, even without stored
	// transactions.
	deb, cred := node(a.DebtorAccount, a.DebtorCountry), node(a.CreditorAccount, a.CreditorCountry)
	deb.Role, cred.Role = "debtor", "creditor"
	var others []*gnode
	for _, n := range nodes {
		if n != deb && n != cred {
			others = append(others, n)
		}
	}
	sort.Slice(others, func(i, j int) bool {
		vi, vj := others[i].in+others[i].out, others[j].in+others[j].out
		if vi != vj {
			return vi > vj
		}
		return others[i].Account < others[j].Account
	})
	if len(others) > maxGraphNodes {
		for _, n := range others[maxGraphNodes:] {
			delete(nodes, n.Account)
		}
		g.Omitted = len(others) - maxGraphNodes
		others = others[:maxGraphNodes]
	}
	cx, cy := float64(g.Width)/2, float64(g.Height)/2
	deb.X, deb.Y = cx-150, cy
	cred.X, cred.Y = cx+150, cy
	// Senders on the left, receivers on the right, on an ellipse.
	var left, right []*gnode
	for _, n := range others {
		if n.out >= n.in {
			left = append(left, n)
		} else {
			right = append(right, n)
		}
	}
	place(left, cx, cy, math.Pi*0.62, math.Pi*1.38)
	place(right, cx, cy, -math.Pi*0.38, math.Pi*0.38)
	for _, n := range nodes {
		n.Label = shortAccount(n.Account)
		g.Nodes = append(g.Nodes, n)
	}
	sort.Slice(g.Nodes, func(i, j int) bool { return g.Nodes[i].Account < g.Nodes[j].Account })
	for k, e := range edges {
		if nodes[k.from] == nil || nodes[k.to] == nil {
			continue
		}
		_, twoWay := edges[key{k.to, k.from}]
		e.Path, e.LX, e.LY = curve(e.From, e.To, twoWay)
		g.Edges = append(g.Edges, e)
	}
	// Marked edges last, so they are drawn on top.
	rank := map[string]int{"flow": 0, "path": 1, "alert": 2}
	sort.Slice(g.Edges, func(i, j int) bool {
		if rank[g.Edges[i].Kind] != rank[g.Edges[j].Kind] {
			return rank[g.Edges[i].Kind] < rank[g.Edges[j].Kind]
		}
		return g.Edges[i].From.Account+g.Edges[i].To.Account < g.Edges[j].From.Account+g.Edges[j].To.Account
	})
	return g
}

// place spreads ns over an arc of the ellipse around (cx, cy). With an odd
// count the middle slot stays empty, so no counterparty sits on the line
// between the two alert accounts, where its edges would hide the alert's.
func place(ns []*gnode, cx, cy, from, to float64) {
	slots := len(ns)
	if slots%2 == 1 {
		slots++
	}
	for i, n := range ns {
		k := i
		if len(ns)%2 == 1 && i >= len(ns)/2 {
			k++ // skip the middle slot
		}
		ang := from + (to-from)*(float64(k)+0.5)/float64(slots)
		n.X = cx + 390*math.Cos(ang)
		n.Y = cy + 185*math.Sin(ang)
	}
}

// buildCaseGraph draws a case's transactions around its hub (the account
// in most of them): senders to the hub on the left, receivers on the right,
// every transfer marked as reported.
func buildCaseGraph(txs []store.Tx) *graph {
	g := &graph{Width: 900, Height: 460}
	if len(txs) == 0 {
		return g
	}
	degree := map[string]int{}
	for _, t := range txs {
		degree[t.DebtorAccount]++
		degree[t.CreditorAccount]++
	}
	hub := txs[0].DebtorAccount
	for a, d := range degree {
		if d > degree[hub] || (d == degree[hub] && a < hub) {
			hub = a
		}
	}
	nodes := map[string]*gnode{}
	edges := map[[2]string]*gedge{}
	node := func(acct, country string) *gnode {
		n, ok := nodes[acct]
		if !ok {
			n = &gnode{Account: acct, Country: country, Role: "counterparty", Label: shortAccount(acct)}
			nodes[acct] = n
		}
		return n
	}
	for _, t := range txs {
		if t.DebtorAccount == t.CreditorAccount {
			continue
		}
		amt, _ := strconv.ParseFloat(t.AmountEUR, 64)
		from, to := node(t.DebtorAccount, t.DebtorCountry), node(t.CreditorAccount, t.CreditorCountry)
		from.out += amt
		to.in += amt
		k := [2]string{t.DebtorAccount, t.CreditorAccount}
		e, ok := edges[k]
		if !ok {
			e = &gedge{From: from, To: to, First: t.TS, Last: t.TS, Kind: "alert"}
			edges[k] = e
		}
		e.SumEUR += amt
		e.Count++
		if t.TS.Before(e.First) {
			e.First = t.TS
		}
		if t.TS.After(e.Last) {
			e.Last = t.TS
		}
	}
	h := nodes[hub]
	h.Role = "creditor"
	cx, cy := float64(g.Width)/2, float64(g.Height)/2
	h.X, h.Y = cx, cy
	var left, right []*gnode
	for _, n := range nodes {
		if n == h {
			continue
		}
		if _, sends := edges[[2]string{n.Account, hub}]; sends {
			left = append(left, n)
		} else {
			right = append(right, n)
		}
	}
	byAccount := func(ns []*gnode) {
		sort.Slice(ns, func(i, j int) bool { return ns[i].Account < ns[j].Account })
	}
	byAccount(left)
	byAccount(right)
	place(left, cx, cy, math.Pi*0.6, math.Pi*1.4)
	place(right, cx, cy, -math.Pi*0.4, math.Pi*0.4)
	for _, n := range nodes {
		g.Nodes = append(g.Nodes, n)
	}
	byAccount(g.Nodes)
	for k, e := range edges {
		_, twoWay := edges[[2]string{k[1], k[0]}]
		e.Path, e.LX, e.LY = curve(e.From, e.To, twoWay)
		g.Edges = append(g.Edges, e)
	}
	sort.Slice(g.Edges, func(i, j int) bool {
		return g.Edges[i].From.Account+g.Edges[i].To.Account < g.Edges[j].From.Account+g.Edges[j].To.Account
	})
	return g
}

// curve returns a quadratic Bézier from a to b that stops short of the
// node circles, bent when flows go both ways so both stay visible, and
// the point for its label.
func curve(a, b *gnode, bend bool) (string, float64, float64) {
	const r = 20.0
	dx, dy := b.X-a.X, b.Y-a.Y
	d := math.Hypot(dx, dy)
	if d < 2*r {
		return "", a.X, a.Y
	}
	ux, uy := dx/d, dy/d
	x1, y1 := a.X+ux*r, a.Y+uy*r
	x2, y2 := b.X-ux*(r+4), b.Y-uy*(r+4)
	off := 0.0
	if bend {
		off = 28
	}
	mx, my := (a.X+b.X)/2-uy*off, (a.Y+b.Y)/2+ux*off
	lx, ly := (x1+2*mx+x2)/4, (y1+2*my+y2)/4
	return fmt.Sprintf("M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f", x1, y1, mx, my, x2, y2), lx, ly
}

func shortAccount(a string) string {
	if len(a) <= 14 {
		return a
	}
	return a[:6] + "…" + a[len(a)-6:]
}

// money formats v with thousands separators and no cents above 1000.
func money(v float64) string {
	if v < 1000 {
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
