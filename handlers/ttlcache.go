package handlers

import (
	"sync"
	"time"
)

// pageCacheTTL is how long a page view may use what an earlier request of
// this process read: a help center's settings, its home page listing.
// Changes reach page views within it. The sign-in endpoints never read
// through it: a regenerated secret or a new Login URL applies on the very
// next sign-in, in every process.
const pageCacheTTL = time.Second

// ttlCacheMax bounds a cache: requests for random hosts (cached as absent)
// must not grow it without end.
const ttlCacheMax = 10000

// ttlCache keeps values for pageCacheTTL. Values must be treated as
// read-only by whoever gets them.
type ttlCache[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]ttlEntry[V]
	now func() time.Time
}

type ttlEntry[V any] struct {
	v     V
	until time.Time
}

func newTTLCache[K comparable, V any](now func() time.Time) *ttlCache[K, V] {
	return &ttlCache[K, V]{m: map[K]ttlEntry[V]{}, now: now}
}

func (tc *ttlCache[K, V]) get(k K) (v V, ok bool) {
	tc.mu.RLock()
	e, found := tc.m[k]
	tc.mu.RUnlock()
	if !found || tc.now().After(e.until) {
		return v, false
	}
	return e.v, true
}

func (tc *ttlCache[K, V]) put(k K, v V) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.m) >= ttlCacheMax {
		clear(tc.m)
	}
	tc.m[k] = ttlEntry[V]{v: v, until: tc.now().Add(pageCacheTTL)}
}

func (tc *ttlCache[K, V]) forget(k K) {
	tc.mu.Lock()
	delete(tc.m, k)
	tc.mu.Unlock()
}
