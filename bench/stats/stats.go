package stats

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Percentile returns the q-quantile (0 ≤ q ≤ 1) of xs by the nearest-rank
// method: the smallest value such that at least q of the sample is ≤ it.
// It sorts a copy, so xs is left untouched. ok is false for an empty sample
// or a q outside [0, 1].
func Percentile(xs []float64, q float64) (v float64, ok bool) {
	if len(xs) == 0 || q < 0 || q > 1 || math.IsNaN(q) {
		return 0, false
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	rank := int(math.Ceil(q * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	return s[rank-1], true
}

// Bucket is one cumulative histogram bucket: Count observations ≤ UpperBound.
type Bucket struct {
	UpperBound float64
	Count      float64
}

// Histogram is a cumulative histogram as Prometheus exposes it.
type Histogram struct {
	Buckets []Bucket // ascending by UpperBound, the last one +Inf
	Sum     float64
	Count   float64
}

// Sub returns h minus an earlier snapshot of the same series, so that
// observations made before a measurement window (warm-up) drop out.
func (h Histogram) Sub(earlier Histogram) (Histogram, error) {
	if len(earlier.Buckets) == 0 {
		return h, nil
	}
	if len(earlier.Buckets) != len(h.Buckets) {
		return Histogram{}, fmt.Errorf("subtract histogram: %d buckets minus %d", len(h.Buckets), len(earlier.Buckets))
	}
	out := Histogram{Sum: h.Sum - earlier.Sum, Count: h.Count - earlier.Count, Buckets: make([]Bucket, len(h.Buckets))}
	for i := range h.Buckets {
		if h.Buckets[i].UpperBound != earlier.Buckets[i].UpperBound {
			return Histogram{}, fmt.Errorf("subtract histogram: bucket %d bound %g vs %g", i, h.Buckets[i].UpperBound, earlier.Buckets[i].UpperBound)
		}
		out.Buckets[i] = Bucket{UpperBound: h.Buckets[i].UpperBound, Count: h.Buckets[i].Count - earlier.Buckets[i].Count}
	}
	return out, nil
}

// Quantile estimates the q-quantile by linear interpolation inside the
// bucket that holds it, as PromQL's histogram_quantile does: the lower edge
// of the first bucket is 0, and a quantile in the +Inf bucket returns the
// highest finite bound. It also returns that bucket's bounds, because with
// exponential buckets the interpolated value can be off by up to the
// bucket's width and a reader should see how coarse it is.
func (h Histogram) Quantile(q float64) (v, lo, hi float64, ok bool) {
	n := len(h.Buckets)
	if n == 0 || q < 0 || q > 1 || math.IsNaN(q) {
		return 0, 0, 0, false
	}
	total := h.Buckets[n-1].Count
	if total <= 0 {
		return 0, 0, 0, false
	}
	rank := q * total
	prevBound, prevCount := 0.0, 0.0
	for _, b := range h.Buckets {
		if b.Count >= rank && b.Count > prevCount {
			if math.IsInf(b.UpperBound, 1) {
				return prevBound, prevBound, b.UpperBound, true
			}
			frac := (rank - prevCount) / (b.Count - prevCount)
			return prevBound + frac*(b.UpperBound-prevBound), prevBound, b.UpperBound, true
		}
		prevBound, prevCount = b.UpperBound, b.Count
	}
	return prevBound, prevBound, prevBound, true
}

// ParseHistogram extracts one histogram from Prometheus text exposition:
// the name_bucket{le="…"} series (any other labels are summed over, so a
// histogram with several label sets collapses into one), name_sum and
// name_count. ok is false when the text has no bucket of that name.
func ParseHistogram(text, name string) (h Histogram, ok bool, err error) {
	return ParseHistogramWith(text, name, "", "")
}

// ParseHistogramWith is ParseHistogram over the series whose label key
// has value only (all series when key is empty): one stage of a
// histogram labelled by stage.
func ParseHistogramWith(text, name, key, value string) (h Histogram, ok bool, err error) {
	byBound := map[float64]float64{}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		series, valText := line[:sp], line[sp+1:]
		// A timestamp may follow the value.
		if i := strings.LastIndexByte(series, ' '); i >= 0 && !strings.Contains(series[i:], "}") {
			series, valText = series[:i], series[i+1:]
		}
		val, perr := strconv.ParseFloat(valText, 64)
		if perr != nil {
			continue
		}
		metric, labels, _ := strings.Cut(series, "{")
		if key != "" {
			if v, found := labelValue(labels, key); !found || v != value {
				continue
			}
		}
		switch metric {
		case name + "_bucket":
			le, found := labelValue(labels, "le")
			if !found {
				return Histogram{}, false, fmt.Errorf("parse histogram %s: bucket without le: %q", name, line)
			}
			bound, perr := strconv.ParseFloat(le, 64)
			if perr != nil {
				return Histogram{}, false, fmt.Errorf("parse histogram %s: le %q: %w", name, le, perr)
			}
			byBound[bound] += val
			ok = true
		case name + "_sum":
			h.Sum += val
		case name + "_count":
			h.Count += val
		}
	}
	for b, c := range byBound {
		h.Buckets = append(h.Buckets, Bucket{UpperBound: b, Count: c})
	}
	sort.Slice(h.Buckets, func(i, j int) bool { return h.Buckets[i].UpperBound < h.Buckets[j].UpperBound })
	return h, ok, nil
}

// labelValue finds key="value" in a Prometheus label set (without braces).
func labelValue(labels, key string) (string, bool) {
	labels = strings.TrimSuffix(labels, "}")
	for _, kv := range strings.Split(labels, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(kv), "=")
		if found && k == key {
			return strings.Trim(v, `"`), true
		}
	}
	return "", false
}

// Rate is n per second over d; 0 when d is not positive.
func Rate(n float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return n / d.Seconds()
}

// Ratio is a/b, or 0 when b is 0, so a missing figure does not print NaN.
func Ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
