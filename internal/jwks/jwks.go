// Package jwks serves the keys published at the JWKS URLs admins add
// (SPEC section 9): fetched through the SSRF-safe client, cached for five
// minutes, fetched again on a kid the cache lacks at most once a minute,
// and kept when a refetch fails, so an issuer's hiccup never signs
// anyone out and a stranger's random kids never make us hammer it.
package jwks

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"helpcenter/models"
	"helpcenter/sso"
)

// The fetching rules of SPEC section 9.
const (
	DefaultTTL          = 5 * time.Minute
	DefaultRefetchEvery = time.Minute
	// DefaultFailureBackoff is how long a failed fetch is remembered: a
	// JWKS that is down costs one timeout per backoff, not one per
	// sign-in.
	DefaultFailureBackoff = 30 * time.Second
	// MaxBody bounds a JWKS document; real ones are a few kilobytes.
	MaxBody = 1 << 20
	// maxEntries bounds the cache; the least recently fetched goes first.
	maxEntries = 1000
)

// Fetcher gets a URL's body (safehttp.Client).
type Fetcher interface {
	Get(ctx context.Context, rawURL string, limit int64) ([]byte, error)
}

// Options configure a Cache.
type Options struct {
	Fetcher Fetcher
	Now     func() time.Time
	// TTL, RefetchEvery and FailureBackoff default to the constants.
	TTL, RefetchEvery, FailureBackoff time.Duration
	Log                               *slog.Logger
}

// Cache is the JWKS cache of one process.
type Cache struct {
	o     Options
	group singleflight.Group
	mu    sync.Mutex
	sets  map[string]*entry
}

// entry is one URL's cached keys.
type entry struct {
	keys      []sso.Key
	fetchedAt time.Time // last successful fetch
	triedAt   time.Time // last attempt, successful or not
	err       error     // last attempt's error, nil after a success
}

// New builds a Cache.
func New(o Options) *Cache {
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	if o.RefetchEvery == 0 {
		o.RefetchEvery = DefaultRefetchEvery
	}
	if o.FailureBackoff == 0 {
		o.FailureBackoff = DefaultFailureBackoff
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Cache{o: o, sets: map[string]*entry{}}
}

// cacheKey names an entry: the key row and its URL, so two help centers
// naming one URL each get keys named after their own row.
func cacheKey(k models.VerificationKey) string { return fmt.Sprintf("%d %s", k.ID, k.JWKSURL) }

// Keys returns the keys of the JWKS key row k: cached when fetched less
// than the TTL ago, fetched otherwise. When a fetch fails the keys fetched
// before are returned, without an error; only with none at all is the
// failure the answer.
func (c *Cache) Keys(ctx context.Context, k models.VerificationKey) ([]sso.Key, error) {
	now := c.o.Now()
	c.mu.Lock()
	e := c.sets[cacheKey(k)]
	c.mu.Unlock()
	switch {
	case e != nil && e.err == nil && now.Sub(e.fetchedAt) < c.o.TTL:
		return e.keys, nil
	case e != nil && e.err != nil && now.Sub(e.triedAt) < c.o.FailureBackoff:
		return e.answer()
	}
	return c.fetch(ctx, k)
}

// Refetch fetches k's JWKS again for a kid its cached keys lack — an
// issuer that rotated — unless the last attempt is less than RefetchEvery
// old, whatever the kid: random kids make one fetch a minute, no more.
func (c *Cache) Refetch(ctx context.Context, k models.VerificationKey, kid string) ([]sso.Key, error) {
	now := c.o.Now()
	c.mu.Lock()
	e := c.sets[cacheKey(k)]
	c.mu.Unlock()
	if e != nil {
		if slices.ContainsFunc(e.keys, func(key sso.Key) bool { return key.KID == kid }) || now.Sub(e.triedAt) < c.o.RefetchEvery {
			return e.answer()
		}
	}
	return c.fetch(ctx, k)
}

// answer is what an entry holds: its keys, or its error when it has none.
func (e *entry) answer() ([]sso.Key, error) {
	if len(e.keys) == 0 && e.err != nil {
		return nil, e.err
	}
	return e.keys, nil
}

// fetch gets k's JWKS once for all callers asking at the same moment, and
// records the outcome.
func (c *Cache) fetch(ctx context.Context, k models.VerificationKey) ([]sso.Key, error) {
	name := cacheKey(k)
	v, _, _ := c.group.Do(name, func() (any, error) {
		// The fetch outlives a caller that gives up: its result serves the
		// next one.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*DefaultTTL)
		defer cancel()
		keys, skipped, err := Fetch(fctx, c.o.Fetcher, k.ID, "JWKS "+k.Label, k.JWKSURL)
		now := c.o.Now()
		c.mu.Lock()
		defer c.mu.Unlock()
		e := c.sets[name]
		if e == nil {
			c.evict()
			e = &entry{}
			c.sets[name] = e
		}
		e.triedAt, e.err = now, err
		if err != nil {
			c.o.Log.Warn("a JWKS URL could not be fetched; its last keys stay in use", "url", k.JWKSURL, "key_id", k.ID,
				"cached_keys", len(e.keys), "err", err.Error())
		} else {
			e.keys, e.fetchedAt = keys, now
			if skipped > 0 {
				c.o.Log.Info("a JWKS holds keys that cannot verify tokens; they are skipped", "url", k.JWKSURL, "skipped", skipped)
			}
		}
		return e, nil
	})
	e := v.(*entry)
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.answer()
}

// evict drops the least recently tried entry when the cache is full.
func (c *Cache) evict() {
	if len(c.sets) < maxEntries {
		return
	}
	var oldest string
	var at time.Time
	for name, e := range c.sets {
		if oldest == "" || e.triedAt.Before(at) {
			oldest, at = name, e.triedAt
		}
	}
	delete(c.sets, oldest)
}

// Fetch gets and reads the JWKS at rawURL: its keys that can verify
// tokens (ES256, RS256, EdDSA signing keys), named after name, and how many
// it skipped. A set with no usable key is an error, so an admin who adds
// the wrong URL hears so at once.
func Fetch(ctx context.Context, f Fetcher, id int64, name, rawURL string) ([]sso.Key, int, error) {
	body, err := f.Get(ctx, rawURL, MaxBody)
	if err != nil {
		return nil, 0, err
	}
	keys, skipped, err := sso.JWKSKeys(id, name, body)
	if err != nil {
		return nil, 0, err
	}
	if len(keys) == 0 {
		return nil, skipped, fmt.Errorf("its key set holds no key that verifies tokens (%d skipped: only ES256 on P-256, RS256 of 2048 bits or more and EdDSA signing keys are used)", skipped)
	}
	return keys, skipped, nil
}
