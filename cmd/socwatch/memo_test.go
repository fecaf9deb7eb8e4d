package main

// Setup that many tests repeat, done once per test binary: generating the
// synthetic feed of a given size and screening it in process for the batch
// alert set. Both run in this race-built binary, where screening a
// 300,000-record feed takes longer than the service under test does; the
// scale-out test alone asked for the same feed and alert set three times.

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"sync"

	"github.com/socwatch/socwatch/connectors/clickhouse"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/synth"
)

// memo computes each key's value once, also when parallel tests ask for
// the same key at the same time (the others wait for the first).
type memo[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*memoEntry[V]
}

type memoEntry[V any] struct {
	once sync.Once
	v    V
	err  error
}

func (m *memo[K, V]) get(k K, compute func() (V, error)) (V, error) {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[K]*memoEntry[V]{}
	}
	e, ok := m.m[k]
	if !ok {
		e = &memoEntry[V]{}
		m.m[k] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.v, e.err = compute() })
	return e.v, e.err
}

// synthFeed is a generated feed: canonical JSON records and each record's
// debtor account (the key a bank's topic is often partitioned by).
type synthFeed struct {
	records, keys [][]byte
}

type feedKey struct {
	seed  int64
	count int
}

var feeds memo[feedKey, synthFeed]

// generatedFeed returns the synthetic feed of count records from seed.
// The slices are the caller's own (tests append to and re-slice them); the
// record bytes are shared and must not be written to.
func generatedFeed(seed int64, count int) synthFeed {
	f, _ := feeds.get(feedKey{seed, count}, func() (synthFeed, error) {
		g := synth.New(synth.Config{Seed: seed, Count: count})
		var f synthFeed
		var tx engine.Tx
		for {
			if _, ok := g.Next(&tx); !ok {
				return f, nil
			}
			f.records = append(f.records, encode(&tx))
			f.keys = append(f.keys, []byte(tx.Debtor.Account))
		}
	})
	return synthFeed{records: slices.Clone(f.records), keys: slices.Clone(f.keys)}
}

// batchAlertSets holds batchAlerts' results by the SHA-256 of the records
// (in order, newline-separated, as batchAlerts screens them).
var batchAlertSets memo[[sha256.Size]byte, []clickhouse.AlertKey]

func recordsDigest(records [][]byte) [sha256.Size]byte {
	h := sha256.New()
	for _, r := range records {
		h.Write(r)
		h.Write([]byte{'\n'})
	}
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// joinLines is records as one JSON-lines input.
func joinLines(records [][]byte) *bytes.Buffer {
	var b bytes.Buffer
	for _, r := range records {
		b.Write(r)
		b.WriteByte('\n')
	}
	return &b
}
