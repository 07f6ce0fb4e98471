// Package ratelimit counts requests per key in a sliding window. It is
// per process: with several instances behind a load balancer each allows
// the limit, which is acceptable for the abuse limits it guards (the
// security-relevant one-time rules — jti, pending keys — live in the
// database and hold globally).
package ratelimit

import (
	"sync"
	"time"
)

// Limiter allows Limit events per Window for each key.
type Limiter struct {
	Limit  int
	Window time.Duration
	Now    func() time.Time

	mu      sync.Mutex
	hits    map[string][]time.Time
	checked time.Time
}

// New returns a limiter of limit events per window.
func New(limit int, window time.Duration, now func() time.Time) *Limiter {
	return &Limiter{Limit: limit, Window: window, Now: now, hits: map[string][]time.Time{}}
}

// Allow records an event for key and reports whether it is within the
// limit; when it is not, retryAfter says when the next one will be.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	cutoff := now.Add(-l.Window)
	h := l.hits[key]
	i := 0
	for i < len(h) && !h[i].After(cutoff) {
		i++
	}
	h = h[i:]
	if len(h) >= l.Limit {
		l.hits[key] = h
		return false, h[0].Add(l.Window).Sub(now)
	}
	l.hits[key] = append(h, now)
	return true, 0
}

// sweep drops idle keys once a window, so the map does not grow with every
// address ever seen.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.checked) < l.Window {
		return
	}
	l.checked = now
	cutoff := now.Add(-l.Window)
	for k, h := range l.hits {
		if len(h) == 0 || !h[len(h)-1].After(cutoff) {
			delete(l.hits, k)
		}
	}
}
