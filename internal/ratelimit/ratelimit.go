// Package ratelimit counts requests per key in a sliding window. It is
// per process: with several instances behind a load balancer each allows
// the limit, which is acceptable for the abuse limits it guards (the
// security-relevant one-time rules — jti, pending keys — live in the
// database and hold globally).
package ratelimit

import (
	"net"
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

// Over reports whether key has used up its limit, without counting
// anything; retryAfter says when the next event will be allowed. A limit
// of 0 is off.
func (l *Limiter) Over(key string) (over bool, retryAfter time.Duration) {
	if l.Limit <= 0 {
		return false, 0
	}
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.live(key, now)
	if len(h) >= l.Limit {
		return true, h[0].Add(l.Window).Sub(now)
	}
	return false, 0
}

// Add counts one event for key.
func (l *Limiter) Add(key string) {
	if l.Limit <= 0 {
		return
	}
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	l.hits[key] = append(l.live(key, now), now)
}

// GiveBack takes back the latest event counted for key (a flow started at
// the gate that a verified sign-in finished).
func (l *Limiter) GiveBack(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h := l.hits[key]; len(h) > 0 {
		l.hits[key] = h[:len(h)-1]
	}
}

// live drops key's events that left the window and returns the rest.
func (l *Limiter) live(key string, now time.Time) []time.Time {
	cutoff := now.Add(-l.Window)
	h := l.hits[key]
	i := 0
	for i < len(h) && !h[i].After(cutoff) {
		i++
	}
	h = h[i:]
	l.hits[key] = h
	return h
}

// ClientKey is the key of a client address: an IPv4 address as it is, an
// IPv6 address by its /64 (one subscriber's network hands out a whole
// /64, so counting single addresses would count nothing).
func ClientKey(ip string) string {
	parsed := net.ParseIP(ip)
	if parsed == nil || parsed.To4() != nil {
		return ip
	}
	return parsed.Mask(net.CIDRMask(64, 128)).String() + "/64"
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
