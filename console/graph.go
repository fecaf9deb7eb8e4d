package console

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/socwatch/socwatch/console/store"
	"github.com/socwatch/socwatch/engine/iban"
)

// graph is the counterparty graph of an alert or a case, laid out for SVG:
// accounts as nodes, money flows (aggregated per direction) and the hops
// of traced paths (one edge each) as edges.
type graph struct {
	Width, Height int
	Nodes         []*gnode
	Edges         []*gedge
	Omitted       int  // accounts left out to keep the picture readable
	Traced        bool // a traced path (trace.path) is drawn
}

type gnode struct {
	Account  string
	Label    string
	Country  string
	X, Y     float64
	LabelDY  float64 // where the label sits, from the centre: below, or above when neighbours are close
	Role     string  // debtor, creditor, path (an account the traced money went through) or counterparty
	Returned bool    // the traced money came back to this account
	in, out  float64
}

type gedge struct {
	From, To    *gnode
	SumEUR      float64
	Count       int
	First, Last time.Time
	Kind        string // alert (an alerted transfer), path (an earlier hop of a traced path, or a flow into a pass-through), flow
	Hop         int    // the hop's number on the alert's traced path, 0 for other edges
	Path        string // SVG path data
	LX, LY      float64
}

// Label is the edge's text.
func (e *gedge) Label() string {
	s := "€" + money(e.SumEUR)
	if e.Count > 1 {
		s += fmt.Sprintf(" ×%d", e.Count)
	}
	if e.Hop > 0 {
		s = strconv.Itoa(e.Hop) + " · " + s
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

// maxGraphNodes bounds the counterparties drawn; the heaviest flows stay.
const maxGraphNodes = 16

// maxSpine bounds the traced accounts laid out in hop order; a case with
// more (many paths) draws the rest as counterparties.
const maxSpine = 12

// builder collects a graph's accounts and edges before they are laid out.
type builder struct {
	nodes map[string]*gnode
	flows map[[2]string]*gedge // stored transfers, one edge per direction
	hops  map[string]*gedge    // traced hops by tx id, one edge each
	order []*gedge             // hops in the order added
	spine []*gnode             // traced accounts in hop order
}

func newBuilder() *builder {
	return &builder{nodes: map[string]*gnode{}, flows: map[[2]string]*gedge{}, hops: map[string]*gedge{}}
}

// node returns the account's node. A traced path names accounts without
// their country, so it is taken from a stored transfer or the IBAN.
func (b *builder) node(acct, country string) *gnode {
	n, ok := b.nodes[acct]
	if !ok {
		if country == "" {
			country, _ = iban.Country(acct)
		}
		n = &gnode{Account: acct, Country: country, Role: "counterparty", Label: shortAccount(acct)}
		b.nodes[acct] = n
	} else if n.Country == "" {
		n.Country = country
	}
	return n
}

// flow adds a stored transfer to the edge of its direction and returns
// that edge, or nil when the transfer is not drawn as a flow: a
// self-transfer, or a hop of a traced path (drawn as its own edge).
func (b *builder) flow(t store.Tx, kind string) *gedge {
	if t.DebtorAccount == "" || t.CreditorAccount == "" || t.DebtorAccount == t.CreditorAccount {
		return nil
	}
	from, to := b.node(t.DebtorAccount, t.DebtorCountry), b.node(t.CreditorAccount, t.CreditorCountry)
	if b.hops[t.ID] != nil {
		return nil
	}
	amt, _ := strconv.ParseFloat(t.AmountEUR, 64)
	from.out += amt
	to.in += amt
	k := [2]string{t.DebtorAccount, t.CreditorAccount}
	e, ok := b.flows[k]
	if !ok {
		e = &gedge{From: from, To: to, First: t.TS, Last: t.TS, Kind: kind}
		b.flows[k] = e
	}
	e.SumEUR += amt
	e.Count++
	if t.TS.Before(e.First) {
		e.First = t.TS
	}
	if t.TS.After(e.Last) {
		e.Last = t.TS
	}
	return e
}

// path adds a traced path's hops, each its own edge, the alerted one as
// "alert"; numbered labels them with their hop number. A hop already
// added by another alert's path of the same case is drawn once, as
// "alert" when it is an alerted transfer of either.
func (b *builder) path(p *tracePath, numbered bool) {
	for _, h := range p.Hops {
		if h.From.Account == h.To.Account {
			continue
		}
		from, to := b.node(h.From.Account, ""), b.node(h.To.Account, "")
		b.spine = appendNode(appendNode(b.spine, from), to)
		kind := "path"
		if h.Alerted {
			kind = "alert"
		}
		if e := b.hops[h.TxID]; e != nil {
			if kind == "alert" {
				e.Kind = kind
			}
			continue
		}
		from.out += h.AmountEUR
		to.in += h.AmountEUR
		e := &gedge{From: from, To: to, SumEUR: h.AmountEUR, Count: 1, First: h.TS, Last: h.TS, Kind: kind}
		if numbered {
			e.Hop = h.N
		}
		b.hops[h.TxID] = e
		b.order = append(b.order, e)
	}
	if p.Returned != "" {
		b.node(p.Returned, "").Returned = true
	}
}

func appendNode(ns []*gnode, n *gnode) []*gnode {
	for _, m := range ns {
		if m == n {
			return ns
		}
	}
	return append(ns, n)
}

// bound keeps the maxGraphNodes heaviest of the others, drops the rest
// from the graph and returns the kept ones.
func (b *builder) bound(g *graph, others []*gnode) []*gnode {
	sort.Slice(others, func(i, j int) bool {
		vi, vj := others[i].in+others[i].out, others[j].in+others[j].out
		if vi != vj {
			return vi > vj
		}
		return others[i].Account < others[j].Account
	})
	if len(others) <= maxGraphNodes {
		return others
	}
	for _, n := range others[maxGraphNodes:] {
		delete(b.nodes, n.Account)
	}
	g.Omitted = len(others) - maxGraphNodes
	return others[:maxGraphNodes]
}

// except returns the nodes not in fixed.
func (b *builder) except(fixed ...*gnode) []*gnode {
	var out []*gnode
	for _, n := range b.nodes {
		if !slices.Contains(fixed, n) {
			out = append(out, n)
		}
	}
	return out
}

// layoutTraced lays the traced accounts out in hop order across the
// middle (placeSpine) and the others above (senders) and below
// (receivers), where their edges do not run along the path's. A path
// without other accounts gets a lower picture, not one mostly empty.
func (b *builder) layoutTraced(g *graph, spine []*gnode, ring bool) {
	g.Traced = true
	for _, n := range spine {
		if n.Role == "counterparty" {
			n.Role = "path"
		}
	}
	var above, below []*gnode
	for _, n := range b.bound(g, b.except(spine...)) {
		if n.out >= n.in {
			above = append(above, n)
		} else {
			below = append(below, n)
		}
	}
	switch {
	case len(above)+len(below) > 0:
	case ring:
		g.Height = 340
	default:
		g.Height = 200
	}
	cx, cy := float64(g.Width)/2, float64(g.Height)/2
	placeSpine(spine, cx, cy, float64(g.Width), ring)
	place(above, cx, cy, math.Pi*1.15, math.Pi*1.85)
	place(below, cx, cy, math.Pi*0.15, math.Pi*0.85)
}

// placeSpine puts a traced path's accounts in hop order: left to right
// for a chain, so each hop joins neighbours; clockwise around a ring for
// a cycle, so the hop back closes it, with the labels outside. A row's
// labels alternate above and below when neighbours are too close for
// them.
func placeSpine(spine []*gnode, cx, cy, width float64, ring bool) {
	n := len(spine)
	if ring && n > 2 {
		minX, maxX := math.Inf(1), math.Inf(-1)
		for i, s := range spine {
			ang := math.Pi + 2*math.Pi*float64(i)/float64(n)
			s.X, s.Y = cx+210*math.Cos(ang), cy+125*math.Sin(ang)
			if math.Sin(ang) < -0.3 {
				s.LabelDY = -26
			}
			minX, maxX = math.Min(minX, s.X), math.Max(maxX, s.X)
		}
		// An odd ring is lopsided (one node left, two right): centre it.
		for _, s := range spine {
			s.X += cx - (minX+maxX)/2
		}
		return
	}
	if n == 1 {
		spine[0].X, spine[0].Y = cx, cy
		return
	}
	step := math.Min(200, (width-140)/float64(n-1))
	x0 := cx - step*float64(n-1)/2
	for i, s := range spine {
		s.X, s.Y = x0+step*float64(i), cy
		if step < 110 && i%2 == 1 {
			s.LabelDY = -26
		}
	}
}

// finish collects the laid-out nodes and the edges between them, marked
// ones last (drawn on top, path hops in hop order), and routes the edges.
func (b *builder) finish(g *graph) *graph {
	for _, n := range b.nodes {
		if n.LabelDY == 0 {
			n.LabelDY = 34
		}
		g.Nodes = append(g.Nodes, n)
	}
	sort.Slice(g.Nodes, func(i, j int) bool { return g.Nodes[i].Account < g.Nodes[j].Account })
	for _, e := range b.flows {
		g.Edges = append(g.Edges, e)
	}
	g.Edges = append(g.Edges, b.order...)
	g.Edges = slices.DeleteFunc(g.Edges, func(e *gedge) bool {
		return b.nodes[e.From.Account] == nil || b.nodes[e.To.Account] == nil
	})
	rank := map[string]int{"flow": 0, "path": 1, "alert": 2}
	sort.SliceStable(g.Edges, func(i, j int) bool {
		ei, ej := g.Edges[i], g.Edges[j]
		if rank[ei.Kind] != rank[ej.Kind] {
			return rank[ei.Kind] < rank[ej.Kind]
		}
		if ei.Hop != ej.Hop {
			return ei.Hop < ej.Hop
		}
		return ei.From.Account+ei.To.Account < ej.From.Account+ej.To.Account
	})
	route(g)
	return g
}

// buildGraph lays out the flows among the alert's accounts and their
// counterparties. The alert's own transfer is marked. A traced path
// (trace.path) is drawn hop by hop with every account on it, stored
// transfers or not; for a pass-through alert the inflows of the 24 hours
// before it are marked as its path.
func buildGraph(a *store.Alert, txs []store.Tx, p *tracePath) *graph {
	g := &graph{Width: 900, Height: 460}
	b := newBuilder()
	if p != nil {
		b.path(p, true)
	}
	for _, t := range txs {
		e := b.flow(t, "flow")
		switch {
		case e == nil:
		case t.ID == a.TxID:
			e.Kind = "alert"
		case a.Typology == "pass_through" && t.CreditorAccount == a.DebtorAccount &&
			!t.TS.After(a.TS) && t.TS.After(a.TS.Add(-24*time.Hour)) && e.Kind != "alert":
			e.Kind = "path"
		}
	}
	// The alert's own accounts are always drawn, even without stored
	// transactions.
	deb, cred := b.node(a.DebtorAccount, a.DebtorCountry), b.node(a.CreditorAccount, a.CreditorCountry)
	deb.Role, cred.Role = "debtor", "creditor"
	if p != nil {
		spine := appendNode(appendNode(b.spine, deb), cred)
		b.layoutTraced(g, spine, p.Returned != "")
		return b.finish(g)
	}
	others := b.bound(g, b.except(deb, cred))
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
	return b.finish(g)
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

// buildCaseGraph draws a case's transactions, every transfer marked as
// reported, with the traced paths of its flow alerts. Without paths the
// hub (the account in most transfers) is in the middle, senders to it on
// the left, receivers on the right; with paths their accounts are laid
// out in hop order (a ring when the one path is a cycle).
func buildCaseGraph(txs []store.Tx, paths []*tracePath) *graph {
	g := &graph{Width: 900, Height: 460}
	b := newBuilder()
	for _, p := range paths {
		b.path(p, false)
	}
	for _, t := range txs {
		b.flow(t, "alert")
	}
	if len(b.nodes) == 0 {
		return g
	}
	if len(b.spine) > 0 {
		spine := b.spine[:min(len(b.spine), maxSpine)]
		b.layoutTraced(g, spine, len(paths) == 1 && paths[0].Returned != "")
		return b.finish(g)
	}
	b.layoutHub(g)
	return b.finish(g)
}

// layoutHub puts the case's hub (the account in most transfers) in the
// middle, the accounts that send to it on the left and the others on the
// right.
func (b *builder) layoutHub(g *graph) {
	degree := map[string]int{}
	for _, e := range b.flows {
		degree[e.From.Account] += e.Count
		degree[e.To.Account] += e.Count
	}
	hub := ""
	for a, d := range degree {
		if hub == "" || d > degree[hub] || (d == degree[hub] && a < hub) {
			hub = a
		}
	}
	h := b.nodes[hub]
	h.Role = "creditor"
	cx, cy := float64(g.Width)/2, float64(g.Height)/2
	h.X, h.Y = cx, cy
	var left, right []*gnode
	for _, n := range b.except(h) {
		if _, sends := b.flows[[2]string{n.Account, hub}]; sends {
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
}

// route gives every edge its curve: straight when it is alone between its
// two accounts; bent apart when several join them (both directions, or a
// path hop beside the stored flows, or a path that passes the same way
// twice); and bent wide around a node sitting on the straight line, which
// would hide where the edge goes.
func route(g *graph) {
	type pair struct{ from, to *gnode }
	drawn := map[pair]bool{}
	for _, e := range g.Edges {
		drawn[pair{e.From, e.To}] = true
	}
	before := map[pair]int{}
	for _, e := range g.Edges {
		k := pair{e.From, e.To}
		off := 36 * float64(before[k])
		before[k]++
		if drawn[pair{e.To, e.From}] {
			off += 28
		}
		if blocked(g.Nodes, e.From, e.To) {
			off = math.Max(off, math.Min(0.5*math.Hypot(e.To.X-e.From.X, e.To.Y-e.From.Y), 180))
		}
		e.Path, e.LX, e.LY = curve(e.From, e.To, off)
	}
}

// blocked reports whether a node other than a and b lies on the straight
// line between them.
func blocked(ns []*gnode, a, b *gnode) bool {
	dx, dy := b.X-a.X, b.Y-a.Y
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return false
	}
	for _, n := range ns {
		if n == a || n == b {
			continue
		}
		t := ((n.X-a.X)*dx + (n.Y-a.Y)*dy) / l2
		if t <= 0 || t >= 1 {
			continue
		}
		if math.Hypot(a.X+t*dx-n.X, a.Y+t*dy-n.Y) < 24 {
			return true
		}
	}
	return false
}

// curve returns a quadratic Bézier from a to b that stops short of the
// node circles, bent sideways by off (0: straight; the side depends on
// the direction, so flows both ways stay apart), and where its label
// goes: beside the curve, not across it — on the side it bends to, or
// left of its direction when straight (above a left-to-right edge,
// outside a clockwise ring).
func curve(a, b *gnode, off float64) (string, float64, float64) {
	const r = 20.0
	dx, dy := b.X-a.X, b.Y-a.Y
	d := math.Hypot(dx, dy)
	if d < 2*r {
		return "", a.X, a.Y
	}
	ux, uy := dx/d, dy/d
	mx, my := (a.X+b.X)/2-uy*off, (a.Y+b.Y)/2+ux*off
	// The ends leave and reach the circles towards the control point.
	sx, sy := unit(mx-a.X, my-a.Y)
	ex, ey := unit(b.X-mx, b.Y-my)
	x1, y1 := a.X+sx*r, a.Y+sy*r
	x2, y2 := b.X-ex*(r+4), b.Y-ey*(r+4)
	px, py := (x1+2*mx+x2)/4, (y1+2*my+y2)/4 // the curve's middle
	nx, ny := uy, -ux
	if off > 0 {
		nx, ny = -uy, ux
	}
	// The two lines of text are about 70 by 26 pixels: move their centre
	// out of the curve by half of that, across the curve's direction.
	shift := 4 + 36*math.Abs(nx) + 14*math.Abs(ny)
	lx, ly := px+nx*shift, py+ny*shift-3 // ly is the first line's baseline
	return fmt.Sprintf("M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f", x1, y1, mx, my, x2, y2), lx, ly
}

func unit(x, y float64) (float64, float64) {
	d := math.Hypot(x, y)
	return x / d, y / d
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
