package console

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// Draws reports whether an edge of kind (alert, path, flow) is drawn:
// the legend names only what the picture holds.
func (g *graph) Draws(kind string) bool {
	for _, e := range g.Edges {
		if e.Kind == kind && e.Path != "" {
			return true
		}
	}
	return false
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
	OwnAccount  bool   // a traced own-account move (no hop number: it adds no hop)
	step        int    // place on the alert's traced path, from 1 (0: not numbered), the drawing order
	Path        string // SVG path data
	LX, LY      float64
	bend        float64 // how far the curve is bent sideways (curve)
}

// Label is the edge's text.
func (e *gedge) Label() string {
	s := "€" + money(e.SumEUR)
	if e.Count > 1 {
		s += fmt.Sprintf(" ×%d", e.Count)
	}
	switch {
	case e.Hop > 0:
		s = strconv.Itoa(e.Hop) + " · " + s
	case e.OwnAccount:
		s = "own · " + s
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
	for i, h := range p.Hops {
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
		e := &gedge{From: from, To: to, SumEUR: h.AmountEUR, Count: 1, First: h.TS, Last: h.TS, Kind: kind, OwnAccount: h.OwnAccount}
		if numbered {
			e.Hop, e.step = h.N, i+1
		}
		b.hops[h.TxID] = e
		b.order = append(b.order, e)
	}
	if n := b.nodes[p.Returned]; n != nil {
		n.Returned = true
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
// middle (placeSpine), and the others in a row above (senders) and one
// below (receivers), each near the path account it deals with, so their
// edges are short and do not run across the path's. A path without other
// accounts gets a lower picture, not one mostly empty.
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
	// From the top: the senders' row, the path (a row, or a ring of
	// ±120 pixels with labels outside), the receivers' row; each band
	// only when it has accounts, so the picture is no taller than needed.
	half := 100.0 // the path's band, half its height
	if ring {
		half = 180
	}
	cy := half
	if len(above) > 0 {
		cy = 50 + 70 + half
	}
	bottom := cy + half
	if len(below) > 0 {
		bottom += 70 + 50
	}
	g.Height = int(bottom)
	w := float64(g.Width)
	placeSpine(spine, w/2, cy, w, ring)
	b.placeRow(above, 50, w, spine)
	b.placeRow(below, bottom-50, w, spine)
}

// placeRow spreads ns along the line y, each as near as it can be to the
// mean x of the path accounts it exchanged money with, neighbours at
// least 100 pixels apart (less when there are too many, then with their
// labels alternating above and below).
func (b *builder) placeRow(ns []*gnode, y, width float64, spine []*gnode) {
	if len(ns) == 0 {
		return
	}
	onSpine := map[*gnode]bool{}
	for _, s := range spine {
		onSpine[s] = true
	}
	sum, count := map[*gnode]float64{}, map[*gnode]int{}
	for _, e := range b.flows {
		for _, end := range [][2]*gnode{{e.From, e.To}, {e.To, e.From}} {
			if onSpine[end[1]] {
				sum[end[0]] += end[1].X
				count[end[0]]++
			}
		}
	}
	ideal := func(n *gnode) float64 {
		if count[n] == 0 {
			return width / 2
		}
		return sum[n] / float64(count[n])
	}
	sort.Slice(ns, func(i, j int) bool {
		if xi, xj := ideal(ns[i]), ideal(ns[j]); xi != xj {
			return xi < xj
		}
		return ns[i].Account < ns[j].Account
	})
	const margin = 60.0
	gap := 100.0
	if len(ns) > 1 {
		gap = math.Min(gap, (width-2*margin)/float64(len(ns)-1))
	}
	for i, n := range ns {
		n.X, n.Y = math.Max(ideal(n), margin), y
		if i > 0 {
			n.X = math.Max(n.X, ns[i-1].X+gap)
		}
		if gap < 100 && i%2 == 1 {
			n.LabelDY = -26
		}
	}
	// Pushed past the right edge: pull back from there.
	for i := len(ns) - 1; i >= 0; i-- {
		limit := width - margin
		if i < len(ns)-1 {
			limit = ns[i+1].X - gap
		}
		ns[i].X = math.Min(ns[i].X, limit)
	}
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
			s.X, s.Y = cx+210*math.Cos(ang), cy+120*math.Sin(ang)
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
		if ei.step != ej.step {
			return ei.step < ej.step
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
	stored := false
	for _, t := range txs {
		stored = stored || t.ID == a.TxID
	}
	if !stored {
		// Not stored (stored before clickhouse.transactions was on, or
		// dropped): the alert's own transfer is drawn from the alert, so
		// its two accounts are not left unconnected.
		txs = append(txs, store.Tx{ID: a.TxID, TS: a.TS, AmountEUR: a.AmountEUR, DebtorAccount: a.DebtorAccount,
			DebtorCountry: a.DebtorCountry, CreditorAccount: a.CreditorAccount, CreditorCountry: a.CreditorCountry})
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
	if len(b.spine) > 0 {
		spine := b.spine[:min(len(b.spine), maxSpine)]
		b.layoutTraced(g, spine, len(paths) == 1 && paths[0].Returned != "")
		return b.finish(g)
	}
	if len(b.flows) == 0 {
		return g
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
// would hide where the edge goes. Then it places the edges' labels.
func route(g *graph) {
	type pair struct{ from, to *gnode }
	drawn := map[pair]bool{}
	for _, e := range g.Edges {
		drawn[pair{e.From, e.To}] = true
	}
	taken := nodeBoxes(g.Nodes)
	before := map[pair]int{}
	for _, e := range g.Edges {
		k := pair{e.From, e.To}
		off := 36 * float64(before[k])
		before[k]++
		if drawn[pair{e.To, e.From}] {
			off += 28
		}
		e.bend = detour(g.Nodes, e.From, e.To, off)
		var q bezier
		var nx, ny float64
		e.Path, q, nx, ny = curve(e.From, e.To, e.bend)
		if e.Path != "" {
			taken = e.placeLabel(g, q, nx, ny, taken)
		}
	}
}

// box is a rectangle of the picture a node or a label takes.
type box struct{ x0, y0, x1, y1 float64 }

func (b box) overlaps(c box) bool {
	return b.x0 < c.x1 && c.x0 < b.x1 && b.y0 < c.y1 && c.y0 < b.y1
}

// Approximate text sizes of the graph's labels (CSS svg.graph): the
// widths per character of the edge labels and of the monospace account
// labels, and an edge label's height (two lines).
const (
	edgeCharWidth   = 6.0
	nodeCharWidth   = 6.7
	edgeLabelHeight = 26.0
)

// nodeBoxes returns the rectangles the nodes' circles and labels take.
func nodeBoxes(ns []*gnode) []box {
	out := make([]box, 0, 2*len(ns))
	for _, n := range ns {
		out = append(out, box{n.X - 20, n.Y - 20, n.X + 20, n.Y + 20})
		w := nodeCharWidth * float64(utf8.RuneCountInString(n.Label))
		y0, y1 := n.Y+n.LabelDY-10, n.Y+n.LabelDY+3
		if n.Returned {
			y0, y1 = min(y0, n.Y+n.LabelDY-23), max(y1, n.Y+n.LabelDY+16)
		}
		out = append(out, box{n.X - w/2, y0, n.X + w/2, y1})
	}
	return out
}

// labelSize is the approximate size of the edge's two lines of text.
func (e *gedge) labelSize() (w, h float64) {
	return edgeCharWidth * float64(max(utf8.RuneCountInString(e.Label()), utf8.RuneCountInString(e.When()))), edgeLabelHeight
}

// labelBox is the rectangle the edge's label takes where it is placed.
func (e *gedge) labelBox() box {
	w, h := e.labelSize()
	cy := e.LY + 3
	return box{e.LX - w/2, cy - h/2, e.LX + w/2, cy + h/2}
}

// placeLabel puts the edge's two lines of text beside its curve q, by its
// middle on the side (nx, ny) first, clear of the nodes and the labels
// placed before: if they would cover one, on the other side, then
// further along the curve, then further out. When nothing is clear the
// first place is kept. It returns taken with the label's rectangle
// added.
func (e *gedge) placeLabel(g *graph, q bezier, nx, ny float64, taken []box) []box {
	w, h := e.labelSize()
	// From the curve to the label's centre: half the label, measured
	// across the curve, and a gap.
	base := 4 + w/2*math.Abs(nx) + h/2*math.Abs(ny)
	clear := func(cx, cy float64) bool {
		b := box{cx - w/2, cy - h/2, cx + w/2, cy + h/2}
		return b.x0 >= 0 && b.y0 >= 0 && b.x1 <= float64(g.Width) && b.y1 <= float64(g.Height) &&
			!slices.ContainsFunc(taken, b.overlaps)
	}
	mx, my := q.at(0.5)
	// Nothing clear: the first place, kept inside the picture.
	cx := math.Min(math.Max(mx+nx*base, w/2), float64(g.Width)-w/2)
	cy := math.Min(math.Max(my+ny*base, h/2), float64(g.Height)-h/2)
	found := false
	for _, dist := range []float64{base, base + h, base + 2*h} {
		for _, t := range []float64{0.5, 0.35, 0.65, 0.2, 0.8} {
			px, py := q.at(t)
			for _, side := range []float64{1, -1} {
				if x, y := px+side*nx*dist, py+side*ny*dist; !found && clear(x, y) {
					cx, cy, found = x, y, true
				}
			}
		}
	}
	// LY is the first line's baseline; the second is 13 pixels lower.
	e.LX, e.LY = cx, cy-3
	return append(taken, e.labelBox())
}

// bezier is a quadratic curve from (x1, y1) to (x2, y2), pulled towards
// (cx, cy).
type bezier struct{ x1, y1, cx, cy, x2, y2 float64 }

// bent is the curve between the centres of a and b, bent sideways by
// off: positive bends right of the direction.
func bent(a, b *gnode, off float64) bezier {
	ux, uy := unit(b.X-a.X, b.Y-a.Y)
	return bezier{a.X, a.Y, (a.X+b.X)/2 - uy*off, (a.Y+b.Y)/2 + ux*off, b.X, b.Y}
}

// at is the curve's point at t in [0, 1].
func (q bezier) at(t float64) (x, y float64) {
	s := 1 - t
	return s*s*q.x1 + 2*s*t*q.cx + t*t*q.x2, s*s*q.y1 + 2*s*t*q.cy + t*t*q.y2
}

// detour returns the bend for an edge from a to b: off when its curve
// passes no other node, else the smallest bend either way that does (or
// passes fewest), so an edge never seems to go through an account.
func detour(ns []*gnode, a, b *gnode, off float64) float64 {
	best, fewest := off, hits(ns, a, b, off)
	limit := math.Max(60, 0.6*math.Hypot(b.X-a.X, b.Y-a.Y))
	for step := 30.0; fewest > 0 && step <= math.Min(180, limit); step += 30 {
		for _, o := range []float64{off + step, off - step} {
			if h := hits(ns, a, b, o); h < fewest {
				best, fewest = o, h
			}
		}
	}
	return best
}

// hits counts the nodes other than a and b that the curve from a to b
// bent by off passes within 24 pixels of (a node's radius and a margin).
func hits(ns []*gnode, a, b *gnode, off float64) int {
	if a.X == b.X && a.Y == b.Y {
		return 0
	}
	q := bent(a, b, off)
	n := 0
	for _, m := range ns {
		if m == a || m == b {
			continue
		}
		for i := 1; i < 32; i++ {
			if x, y := q.at(float64(i) / 32); math.Hypot(x-m.X, y-m.Y) < 24 {
				n++
				break
			}
		}
	}
	return n
}

// curve returns a quadratic Bézier from a to b that stops short of the
// node circles, bent sideways by off (0: straight; positive bends right
// of the direction, so flows both ways stay apart), as SVG path data and
// as a curve, and the side its label should go: the side it bends to,
// or left of its direction when straight (above a left-to-right edge,
// outside a clockwise ring).
func curve(a, b *gnode, off float64) (d string, q bezier, nx, ny float64) {
	const r = 20.0
	if math.Hypot(b.X-a.X, b.Y-a.Y) < 2*r {
		return "", q, 0, 0
	}
	q = bent(a, b, off)
	// The ends leave and reach the circles towards the control point.
	sx, sy := unit(q.cx-a.X, q.cy-a.Y)
	ex, ey := unit(b.X-q.cx, b.Y-q.cy)
	q.x1, q.y1 = a.X+sx*r, a.Y+sy*r
	q.x2, q.y2 = b.X-ex*(r+4), b.Y-ey*(r+4)
	ux, uy := unit(b.X-a.X, b.Y-a.Y)
	nx, ny = uy, -ux
	if off != 0 {
		nx, ny = -uy*math.Copysign(1, off), ux*math.Copysign(1, off)
	}
	return fmt.Sprintf("M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f", q.x1, q.y1, q.cx, q.cy, q.x2, q.y2), q, nx, ny
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
