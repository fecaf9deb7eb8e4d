package amlsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/fnv1a"
	"github.com/socwatch/socwatch/internal/lines"
)

// DefaultMaxBytes is the line size limit when Options.MaxBytes is 0.
const DefaultMaxBytes = 64 << 10

// maxTime is the latest timestamp produced, so ts stays within what every
// encoder and ClickHouse accept.
var maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// Options place AMLSim's steps on the calendar. Zero fields take defaults.
type Options struct {
	// Epoch is the start of step 0; default 2025-01-01T00:00:00Z.
	Epoch time.Time
	// Step is the length of one simulation step; default 24h.
	Step time.Duration
	// Currency is the ISO 4217 code of the values; default "EUR".
	Currency string
	// MaxBytes is the longest line accepted; default DefaultMaxBytes.
	MaxBytes int
}

type role int

const (
	roleSource role = iota
	roleTarget
	roleValue
	roleTime
	numRoles
)

var roleNames = [numRoles]string{"sourceNodeId", "targetNodeId", "value", "time"}

// Decoder decodes the lines of one AMLSim transactions file. It keeps
// scratch buffers between lines: use one per goroutine.
type Decoder struct {
	opts    Options
	cols    [numRoles]int
	nFields int
	maxStep int64

	split                    lines.CSVSplitter
	scratch                  []byte
	lastDebtor, lastCreditor string

	// repeats counts the lines of the current step by hash: AMLSim writes
	// the same transfer again as a byte-identical line (1,684 of the 20K
	// set's 120,558 rows), and each is a transfer of its own. Steps come in
	// order, so the table holds one step's lines at a time.
	repeats     map[uint64]uint32
	repeatsStep int64
}

// NewDecoder maps columns by the names in header (matched ignoring case,
// spaces and underscores; extra columns are ignored) and checks opts.
func NewDecoder(header []byte, opts Options) (*Decoder, error) {
	if opts.Epoch.IsZero() {
		opts.Epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	opts.Epoch = opts.Epoch.UTC()
	if opts.Step == 0 {
		opts.Step = 24 * time.Hour
	}
	if opts.Step < 0 {
		return nil, fmt.Errorf("AMLSim options: step %v must be positive", opts.Step)
	}
	if opts.Currency == "" {
		opts.Currency = "EUR"
	}
	if len(opts.Currency) != 3 || strings.ContainsFunc(opts.Currency, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		return nil, fmt.Errorf("AMLSim options: currency %q is not an ISO 4217 code", opts.Currency)
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if !opts.Epoch.Before(maxTime) {
		return nil, fmt.Errorf("AMLSim options: epoch %v is after %v", opts.Epoch, maxTime)
	}

	cols, keys, err := lines.HeaderColumns("AMLSim", header, roleNames[:], func(_ int, key string) (int, bool) {
		for r, want := range roleNames {
			if key == strings.ToLower(want) {
				return r, true
			}
		}
		return 0, false
	})
	if err != nil {
		return nil, err
	}
	d := &Decoder{opts: opts, nFields: len(keys), repeats: make(map[uint64]uint32), repeatsStep: -1}
	copy(d.cols[:], cols)
	// The last step whose whole span ends before maxTime, or before the
	// ~292 years a time.Duration can hold (Sub saturates there).
	d.maxStep = int64(maxTime.Sub(opts.Epoch)/opts.Step) - 1
	return d, nil
}

// Decode fills tx from one data line. tx is reset first; line is not
// retained. Errors are *engine.RejectError.
//
// ts = Epoch + time×Step + (h mod Step) rounded down to whole seconds, and
// tx_id = "amlsim-" + 16 hex digits of h, where h is fnv1a.Sum64 of the line
// without its line ending. The n-th repeat of a byte-identical line within
// its step gets "-n" appended, so a file decoded from its start gives every
// transfer the same id each time, and repeated transfers are not taken for
// duplicates of one.
func (d *Decoder) Decode(line []byte, tx *engine.Tx) error {
	tx.Reset()
	line = lines.TrimEOL(line)
	if len(line) > d.opts.MaxBytes {
		return engine.Reject(engine.ReasonTooLarge, "line is %d bytes, limit is %d", len(line), d.opts.MaxBytes)
	}
	fields, err := d.split.Split(line)
	if err != nil {
		return engine.Reject(engine.ReasonDecode, "CSV: %v", err)
	}
	if len(fields) != d.nFields {
		return engine.Reject(engine.ReasonDecode, "line has %d fields, header has %d", len(fields), d.nFields)
	}
	if tx.Debtor.Account, err = d.account(fields[d.cols[roleSource]], roleSource, &d.lastDebtor); err != nil {
		return err
	}
	if tx.Creditor.Account, err = d.account(fields[d.cols[roleTarget]], roleTarget, &d.lastCreditor); err != nil {
		return err
	}

	if tx.Amount, err = lines.Decimal("value", fields[d.cols[roleValue]]); err != nil {
		return err
	}

	stepField := fields[d.cols[roleTime]]
	step, ok := parseStep(stepField)
	switch {
	case len(stepField) == 0:
		return engine.Reject(engine.ReasonMissing, "time is empty")
	case !ok:
		return engine.Reject(engine.ReasonInvalid, "time %q is not a non-negative whole step number", lines.Clip(stepField))
	case step > d.maxStep:
		return engine.Reject(engine.ReasonInvalid, "time step %d is out of range (at most %d with step %v)", step, d.maxStep, d.opts.Step)
	}
	h := fnv1a.Sum64(line)
	within := time.Duration(0)
	if d.opts.Step >= time.Second {
		within = time.Duration(h%uint64(d.opts.Step/time.Second)) * time.Second
	}
	tx.TS = d.opts.Epoch.Add(time.Duration(step)*d.opts.Step + within)

	var id [7 + 16 + 11]byte
	b := lines.AppendHex16(append(id[:0], "amlsim-"...), h)
	if n := d.repeat(step, h); n > 0 {
		b = strconv.AppendUint(append(b, '-'), uint64(n), 10)
	}
	tx.TxID = string(b)
	tx.Currency = d.opts.Currency
	tx.Channel = "sepa"
	return tx.Validate()
}

// repeat returns how many times the line hashed h was seen before in this
// step, and counts it.
func (d *Decoder) repeat(step int64, h uint64) uint32 {
	if step != d.repeatsStep {
		clear(d.repeats)
		d.repeatsStep = step
	}
	n := d.repeats[h]
	d.repeats[h] = n + 1
	return n
}

// account builds "amlsim:<node id>", reusing the previous line's string
// when the node repeats (fan-in and fan-out rows come in runs).
func (d *Decoder) account(node []byte, r role, last *string) (string, error) {
	if len(node) == 0 {
		return "", engine.Reject(engine.ReasonMissing, "%s is empty", roleNames[r])
	}
	d.scratch = append(append(d.scratch[:0], "amlsim:"...), node...)
	if *last != string(d.scratch) {
		*last = string(d.scratch)
	}
	return *last, nil
}

// parseStep reads a non-negative decimal integer of at most 12 digits
// (more is far beyond year 9999 at any step length of a second or more).
func parseStep(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 12 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// Decoder is the engine's decoder boundary.
var _ engine.Decoder = (*Decoder)(nil)
