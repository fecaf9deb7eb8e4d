package console

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/socwatch/socwatch/console/store"
)

// queueAgeing keeps the untriaged queue's age for the supervisor: the
// queue page shows the last measure, and Prometheus scrapes it
// (socwatch_console_untriaged_alerts{age}, the oldest's age). The sweep
// measures it every run, so pages and scrapes cost no query.
type queueAgeing struct {
	last      atomic.Pointer[store.QueueAge]
	untriaged *prometheus.GaugeVec
	oldest    prometheus.Gauge
}

// newQueueAgeing registers the gauges on reg (none when reg is nil).
func newQueueAgeing(reg prometheus.Registerer) (*queueAgeing, error) {
	q := &queueAgeing{
		untriaged: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "socwatch_console_untriaged_alerts",
			Help: "New alerts (no status or disposition yet): age=\"all\" every one, age=\"1d\", \"3d\", \"7d\" those written longer ago than that; measured every cleared-match sweep.",
		}, []string{"age"}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "socwatch_console_oldest_untriaged_alert_seconds",
			Help: "How long the oldest new alert has waited since it was written (0: none); measured every cleared-match sweep.",
		}),
	}
	if reg == nil {
		return q, nil
	}
	for _, c := range []prometheus.Collector{q.untriaged, q.oldest} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("console metrics: %w", err)
		}
	}
	return q, nil
}

// ageLabel is the age label of AgeDays' d.
func ageLabel(d int) string { return strconv.Itoa(d) + "d" }

// measure reads the queue's age from st and publishes it.
func (q *queueAgeing) measure(ctx context.Context, st *store.Store, now time.Time) error {
	a, err := st.UntriagedAge(ctx, now)
	if err != nil {
		return err
	}
	q.last.Store(a)
	q.untriaged.WithLabelValues("all").Set(float64(a.Untriaged))
	for i, d := range store.AgeDays {
		q.untriaged.WithLabelValues(ageLabel(d)).Set(float64(a.OlderThan[i]))
	}
	q.oldest.Set(a.OldestAge().Seconds())
	return nil
}

// queueAgeView is the queue page's ageing line.
type queueAgeView struct {
	*store.QueueAge
	Over []ageCount
}

type ageCount struct {
	Days  int
	Count uint64
}

// view is the last measure for the page; nil before the first.
func (q *queueAgeing) view() *queueAgeView {
	a := q.last.Load()
	if a == nil {
		return nil
	}
	v := &queueAgeView{QueueAge: a}
	for i, d := range store.AgeDays {
		v.Over = append(v.Over, ageCount{d, a.OlderThan[i]})
	}
	return v
}

// waited says how long a wait was, to the minute: "3 d 4 h", "5 h 12 min",
// "40 min".
func waited(d time.Duration) string {
	d = d.Truncate(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%d d %d h", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	}
	return fmt.Sprintf("%d min", mins)
}
