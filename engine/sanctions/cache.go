package sanctions

import (
	"hash/maphash"
	"strings"
	"sync"
)

const cacheShards = 32

// genCache keeps recent values by string key (query results, word memos),
// bounded: each shard holds two
// generations of maps; when the current one is full it becomes the old one
// and the previous old one is dropped, and a hit in the old generation is
// copied forward. That approximates LRU (a name used within the last one or
// two generations stays) at the cost of a map look-up, with no per-entry
// list to maintain and no allocation on a hit.
type genCache[V any] struct {
	seed   maphash.Seed
	limit  int // entries per generation per shard
	shards [cacheShards]cacheShard[V]
}

type cacheShard[V any] struct {
	mu       sync.Mutex
	cur, old map[string]V
	_        [40]byte // keep shards on separate cache lines
}

func newGenCache[V any](size int) *genCache[V] {
	c := &genCache[V]{seed: maphash.MakeSeed(), limit: max(1, size/(2*cacheShards))}
	for i := range c.shards {
		c.shards[i].cur = make(map[string]V)
	}
	return c
}

func (c *genCache[V]) shard(name string) *cacheShard[V] {
	return &c.shards[maphash.String(c.seed, name)%cacheShards]
}

func (c *genCache[V]) get(name string) (V, bool) {
	s := c.shard(name)
	s.mu.Lock()
	r, ok := s.cur[name]
	if !ok && s.old != nil {
		if r, ok = s.old[name]; ok {
			s.insert(name, r, c.limit) // the key string is already owned
		}
	}
	s.mu.Unlock()
	return r, ok
}

func (c *genCache[V]) put(name string, r V) {
	// The caller's string may alias a buffer it reuses; keep a copy.
	name = strings.Clone(name)
	s := c.shard(name)
	s.mu.Lock()
	s.insert(name, r, c.limit)
	s.mu.Unlock()
}

func (s *cacheShard[V]) insert(name string, r V, limit int) {
	if len(s.cur) >= limit {
		s.old, s.cur = s.cur, make(map[string]V, limit)
	}
	s.cur[name] = r
}
