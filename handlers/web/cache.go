package web

import (
	"sync"
	"time"
)

// PageCacheTTL is how long a page view may use what an earlier request of
// this process read: a help center's settings, its home page listing.
// Changes reach page views within it. The sign-in endpoints never read
// through it: a regenerated secret or a new Login URL applies on the very
// next sign-in, in every process.
const PageCacheTTL = time.Second

// cacheMax bounds a cache: requests for random hosts (cached as absent)
// must not grow it without end.
const cacheMax = 10000

// Cache keeps values for PageCacheTTL, so a page view reuses what an
// earlier request of this process read. Values must be treated as
// read-only by whoever gets them.
type Cache[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]ttlEntry[V]
	now func() time.Time
}

type ttlEntry[V any] struct {
	v     V
	until time.Time
}

func NewCache[K comparable, V any](now func() time.Time) *Cache[K, V] {
	return &Cache[K, V]{m: map[K]ttlEntry[V]{}, now: now}
}

func (tc *Cache[K, V]) Get(k K) (v V, ok bool) {
	tc.mu.RLock()
	e, found := tc.m[k]
	tc.mu.RUnlock()
	if !found || tc.now().After(e.until) {
		return v, false
	}
	return e.v, true
}

func (tc *Cache[K, V]) Put(k K, v V) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.m) >= cacheMax {
		clear(tc.m)
	}
	tc.m[k] = ttlEntry[V]{v: v, until: tc.now().Add(PageCacheTTL)}
}

func (tc *Cache[K, V]) Forget(k K) {
	tc.mu.Lock()
	delete(tc.m, k)
	tc.mu.Unlock()
}

// ForgetWhere drops every entry whose key matches.
func (tc *Cache[K, V]) ForgetWhere(match func(K) bool) {
	tc.mu.Lock()
	for k := range tc.m {
		if match(k) {
			delete(tc.m, k)
		}
	}
	tc.mu.Unlock()
}
