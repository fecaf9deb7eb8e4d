package console

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/testenv"
)

func TestWaited(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0 min"},
		{40*time.Minute + 59*time.Second, "40 min"},
		{5*time.Hour + 12*time.Minute, "5 h 12 min"},
		{3*24*time.Hour + 4*time.Hour + 30*time.Minute, "3 d 4 h"},
	}
	for _, tc := range tests {
		if got := waited(tc.d); got != tc.want {
			t.Errorf("waited(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestIntegrationQueueAgeing: the untriaged queue's age counts new alerts
// by how long ago they were written — not their transaction's time, and
// not triaged ones — and reaches the queue page (as the sweep measures
// it) and the gauges.
func TestIntegrationQueueAgeing(t *testing.T) {
	testenv.Integration(t)
	e := startEnv(t, freshDB(t, "queue_ageing"))
	now := time.Now().UTC().Truncate(time.Second)
	ago := func(d time.Duration) string { return now.Add(-d).Format("2006-01-02 15:04:05") }
	day := 24 * time.Hour
	// Written 2 h, 2 d, 4 d and 8 d ago; the transactions all a year
	// before (a replay); one more, 10 d old, already in review.
	waits := []time.Duration{2 * time.Hour, 2 * day, 4 * day, 8 * day, 10 * day}
	ctx := context.Background()
	if empty, err := e.store.UntriagedAge(ctx, now); err != nil || empty.Untriaged != 0 || !empty.Oldest.IsZero() || empty.OldestAge() != 0 {
		t.Fatalf("queue age before any alert was written: %+v, %v", empty, err)
	}
	var ids []string
	for i, w := range waits {
		id := engine.AlertID("AML-THR-001", 1, fmt.Sprint("age-", i))
		ids = append(ids, id)
		// INSERT … SELECT: the native protocol sends VALUES as a block.
		execSQL(t, e.dsn, fmt.Sprintf(`INSERT INTO alerts (alert_id, rule_id, rule_version, typology, severity, score, mode, tx_id, ts,
			debtor_account, creditor_account, amount_eur, explanation, inserted_at)
			SELECT '%s', 'AML-THR-001', toUInt32(1), 'threshold', 'medium', toUInt8(40), 'active', 'age-%d', toDateTime('%s', 'UTC'),
			'%s', '%s', toDecimal128(15000, 2), '{}', toDateTime('%s', 'UTC')`,
			id, i, ago(365*day), kovalenko, payee, ago(w)))
	}
	ana := e.login("ana")
	ana.mustDo(201, "POST", "/api/alerts/"+ids[4]+"/events", map[string]string{"action": "status", "to": "in_review"}, nil)

	a, err := e.store.UntriagedAge(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if a.Untriaged != 4 || !a.Oldest.Equal(now.Add(-8*day)) || fmt.Sprint(a.OlderThan) != "[3 2 1]" {
		t.Fatalf("queue age %+v: want 4 untriaged, the oldest written 8 d ago, [3 2 1] older than 1, 3, 7 d", a)
	}

	reg := prometheus.NewRegistry()
	q, err := newQueueAgeing(reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.measure(ctx, e.store, now); err != nil {
		t.Fatal(err)
	}
	for label, want := range map[string]float64{"all": 4, "1d": 3, "3d": 2, "7d": 1} {
		if got := testutil.ToFloat64(q.untriaged.WithLabelValues(label)); got != want {
			t.Errorf("socwatch_console_untriaged_alerts{age=%q} = %v, want %v", label, got, want)
		}
	}
	if got := testutil.ToFloat64(q.oldest); got != (8 * day).Seconds() {
		t.Errorf("oldest untriaged age %v s, want %v", got, (8 * day).Seconds())
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 5 {
		t.Errorf("registry holds %d series (%v), want 5", n, err)
	}

	// The sweep (every second here) measures it for the page.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var page string
		ana.mustDo(200, "GET", "/alerts", nil, &page)
		if i := strings.Index(page, `id="queue-age"`); i >= 0 {
			line := page[i:]
			line = line[:strings.Index(line, "</p>")]
			if strings.Contains(line, "<b>4</b> untriaged") && strings.Contains(line, "<b>8 d 0 h</b>") &&
				strings.Contains(line, `data-days="1">3 older than 1 d`) && strings.Contains(line, `data-days="7">1 older than 7 d`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("queue page's age line: %s", line)
			}
		} else if time.Now().After(deadline) {
			t.Fatal("the queue page shows no age line")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
