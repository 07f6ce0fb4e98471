package jwks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"helpcenter/models"
	"helpcenter/sso"
)

// The fetching rules of SPEC section 9, and the cache's bounds.
const (
	// DefaultTTL is how long fetched keys are used without asking again.
	DefaultTTL = 5 * time.Minute
	// DefaultRefetchEvery is how often a kid the cache lacks may fetch a
	// URL again.
	DefaultRefetchEvery = time.Minute
	// DefaultFailureBackoff is how long a failed fetch is remembered: a
	// JWKS that is down costs one timeout per backoff, not one per
	// sign-in.
	DefaultFailureBackoff = 30 * time.Second
	// DefaultMaxURLs bounds the cache; the least recently used URL goes
	// first.
	DefaultMaxURLs = 1000
	// DefaultMaxStale is how long keys fetched before stay in use while
	// every fetch since fails: long enough to ride out an issuer's outage,
	// short enough that a key the issuer rotated away (perhaps because it
	// leaked) stops being trusted by a server that can no longer see it
	// was.
	DefaultMaxStale = 24 * time.Hour
)

// flightLimit bounds a shared fetch that the Fetcher's own timeout (5 s
// for safehttp) should already have ended: a fetch runs on after the
// caller that started it gives up, for the others waiting on it, so it
// must end by itself.
const flightLimit = 30 * time.Second

// Fetcher gets a URL's body, at most limit bytes (*safehttp.Client).
type Fetcher interface {
	Get(ctx context.Context, rawURL string, limit int64) ([]byte, error)
}

// Options configure a Cache. Fetcher and Now are required.
type Options struct {
	// Fetcher fetches the JWKS URLs: the SSRF-safe client.
	Fetcher Fetcher
	// Now is the clock.
	Now func() time.Time
	// TTL, RefetchEvery, FailureBackoff and MaxStale default to
	// DefaultTTL, DefaultRefetchEvery, DefaultFailureBackoff and
	// DefaultMaxStale.
	TTL, RefetchEvery, FailureBackoff, MaxStale time.Duration
	// MaxURLs defaults to DefaultMaxURLs.
	MaxURLs int
	// Log gets a warning for each failed fetch; nil discards.
	Log *slog.Logger
}

// Cache is the JWKS cache of one process. It is safe for concurrent use.
type Cache struct {
	o     Options
	group singleflight.Group
	mu    sync.Mutex
	sets  map[string]*entry // by JWKS URL
}

// entry is one URL's state. It is read and written under Cache.mu only.
type entry struct {
	// keys are the last keys fetched, named for no row: see named.
	keys      []sso.Key
	fetchedAt time.Time // last successful fetch
	triedAt   time.Time // last fetch, successful or not
	err       error     // last fetch's error, nil after a success
	usedAt    time.Time // last asked for, for eviction
}

// New builds a Cache.
func New(o Options) *Cache {
	if o.Fetcher == nil || o.Now == nil {
		panic("jwks: Options.Fetcher and Options.Now are required")
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.RefetchEvery <= 0 {
		o.RefetchEvery = DefaultRefetchEvery
	}
	if o.FailureBackoff <= 0 {
		o.FailureBackoff = DefaultFailureBackoff
	}
	if o.MaxURLs <= 0 {
		o.MaxURLs = DefaultMaxURLs
	}
	if o.MaxStale <= 0 {
		o.MaxStale = DefaultMaxStale
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Cache{o: o, sets: map[string]*entry{}}
}

// Keys returns the keys of the JWKS key row k: cached when fetched less
// than the TTL ago, fetched otherwise. When a fetch fails the keys fetched
// before are returned without an error (the failure is logged) for up to
// MaxStale after they were fetched; with none, or none that recent, the
// failure is the answer.
func (c *Cache) Keys(ctx context.Context, k models.VerificationKey) ([]sso.Key, error) {
	return c.get(ctx, k, c.expired)
}

// Refetch fetches k's JWKS again for a kid its cached keys lack — an
// issuer that rotated — unless that URL was fetched less than
// RefetchEvery ago, whatever the kid, or failed within the backoff: random
// kids make one fetch a minute, no more. It returns the keys it then has,
// as Keys does.
func (c *Cache) Refetch(ctx context.Context, k models.VerificationKey, kid string) ([]sso.Key, error) {
	return c.get(ctx, k, func(e *entry, now time.Time) bool {
		if c.expired(e, now) {
			return true
		}
		if slices.ContainsFunc(e.keys, func(key sso.Key) bool { return key.KID == kid }) {
			return false
		}
		return now.Sub(e.triedAt) >= c.o.RefetchEvery && !c.backingOff(e, now)
	})
}

// expired reports whether a URL's entry (nil when there is none) must be
// fetched for Keys: nothing fetched, or fetched longer than the TTL ago,
// and not failing within the backoff.
func (c *Cache) expired(e *entry, now time.Time) bool {
	switch {
	case e == nil:
		return true
	case len(e.keys) > 0 && now.Sub(e.fetchedAt) < c.o.TTL:
		return false
	}
	return !c.backingOff(e, now)
}

// backingOff reports whether e's last fetch failed less than the backoff
// ago.
func (c *Cache) backingOff(e *entry, now time.Time) bool {
	return e.err != nil && now.Sub(e.triedAt) < c.o.FailureBackoff
}

// answer is what a URL's state gives a caller: its keys, or its error
// when it has none.
type answer struct {
	keys []sso.Key
	err  error
}

func (e *entry) answer(now time.Time, maxStale time.Duration) answer {
	switch {
	case len(e.keys) == 0 && e.err != nil:
		return answer{err: e.err}
	case e.err != nil && now.Sub(e.fetchedAt) > maxStale:
		return answer{err: fmt.Errorf("%w; the keys it last gave, %s ago, are past %s without a successful fetch and no longer used",
			e.err, now.Sub(e.fetchedAt).Round(time.Minute), maxStale)}
	}
	return answer{keys: e.keys}
}

// get answers from the cache, or fetches first when due says so.
func (c *Cache) get(ctx context.Context, k models.VerificationKey, due func(e *entry, now time.Time) bool) ([]sso.Key, error) {
	now := c.o.Now()
	c.mu.Lock()
	e := c.sets[k.JWKSURL]
	if e != nil {
		e.usedAt = now
	}
	fetch := due(e, now)
	var a answer
	if !fetch {
		a = e.answer(now, c.o.MaxStale)
	}
	c.mu.Unlock()
	if fetch {
		a = c.fetch(ctx, k, due)
	}
	return named(a.keys, k), a.err
}

// fetch gets k's JWKS once for all callers asking for its URL at the same
// moment, records the outcome and returns it.
func (c *Cache) fetch(ctx context.Context, k models.VerificationKey, due func(e *entry, now time.Time) bool) answer {
	ch := c.group.DoChan(k.JWKSURL, func() (any, error) {
		// Someone else's fetch may have ended between the caller's look
		// and this one: asking again would break the once-a-minute rule.
		c.mu.Lock()
		if now := c.o.Now(); !due(c.sets[k.JWKSURL], now) {
			defer c.mu.Unlock()
			return c.sets[k.JWKSURL].answer(now, c.o.MaxStale), nil
		}
		c.mu.Unlock()
		// The fetch outlives a caller that gives up: its result serves
		// the others waiting, and the next ones.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flightLimit)
		defer cancel()
		keys, skipped, err := Fetch(fctx, c.o.Fetcher, 0, "", k.JWKSURL)
		return c.record(k, keys, skipped, err), nil
	})
	select {
	case r := <-ch:
		return r.Val.(answer)
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		if e := c.sets[k.JWKSURL]; e != nil && len(e.keys) > 0 {
			if a := e.answer(c.o.Now(), c.o.MaxStale); a.err == nil {
				return a
			}
		}
		return answer{err: fmt.Errorf("the JWKS was not fetched before the sign-in gave up: %w", ctx.Err())}
	}
}

// record stores a fetch's outcome for k's URL and returns what callers
// now get.
func (c *Cache) record(k models.VerificationKey, keys []sso.Key, skipped int, err error) answer {
	now := c.o.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.sets[k.JWKSURL]
	if e == nil {
		c.evict()
		e = &entry{usedAt: now}
		c.sets[k.JWKSURL] = e
	}
	e.triedAt, e.err = now, err
	if err != nil {
		msg := "a JWKS could not be fetched; the keys fetched before stay in use"
		if len(e.keys) > 0 && now.Sub(e.fetchedAt) > c.o.MaxStale {
			msg = "a JWKS could not be fetched; the keys fetched before are too old to use: its sign-ins fail"
		}
		c.o.Log.Warn(msg, "url", logURL(k.JWKSURL), "key_id", k.ID, "help_center_id", k.HelpCenterID,
			"cached_keys", len(e.keys), "fetched_at", e.fetchedAt, "err", err.Error())
	} else {
		e.keys, e.fetchedAt = keys, now
		if skipped > 0 {
			c.o.Log.Debug("a JWKS holds keys that cannot verify tokens; they are skipped",
				"url", logURL(k.JWKSURL), "skipped", skipped)
		}
	}
	return e.answer(now, c.o.MaxStale)
}

// evict drops the least recently used URL when the cache is full.
func (c *Cache) evict() {
	if len(c.sets) < c.o.MaxURLs {
		return
	}
	var oldest string
	var at time.Time
	for u, e := range c.sets {
		if oldest == "" || e.usedAt.Before(at) {
			oldest, at = u, e.usedAt
		}
	}
	delete(c.sets, oldest)
}

// Name is how the keys of JWKS key row k are named in event rows, before
// each key's kid and fingerprint: "JWKS " and the row's label, which is
// not repeated when it already says JWKS (the label left blank is
// "JWKS").
func Name(k models.VerificationKey) string {
	if strings.HasPrefix(strings.ToUpper(k.Label), "JWKS") {
		return k.Label
	}
	return "JWKS " + k.Label
}

// named gives a URL's keys the id and name of key row k, so that rows of
// two help centers sharing a URL share its fetches yet each names its
// own. sso.JWKSKeys names a key by the name it is given followed by
// " kid KID FINGERPRINT" (or " FINGERPRINT"): the cache parses with an
// empty name, and each row puts its own in front.
func named(keys []sso.Key, k models.VerificationKey) []sso.Key {
	if len(keys) == 0 {
		return nil
	}
	name := Name(k)
	out := make([]sso.Key, len(keys))
	for i, key := range keys {
		key.ID, key.Name = k.ID, name+key.Name
		out[i] = key
	}
	return out
}

// logURL is a JWKS URL as logged: without its query, which could carry a
// credential some issuer put there.
func logURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}

// MaxBody bounds a JWKS document; real ones are a few kilobytes.
const MaxBody = 1 << 20

// MaxKeys bounds the keys taken from one JWKS. A token without a kid is
// tried against every key of its algorithm, so a set of thousands would
// make each such token cost thousands of verifications; real sets hold a
// handful.
const MaxKeys = 100

// Fetch gets and reads the JWKS at rawURL: its keys that can verify
// tokens (ES256, RS256, EdDSA signing keys), each with id and named after
// name, and how many it skipped. A set with no usable key is an error
// saying how many were skipped, so an admin who adds the wrong URL hears
// so at once; the console calls it before saving a JWKS URL.
func Fetch(ctx context.Context, f Fetcher, id int64, name, rawURL string) ([]sso.Key, int, error) {
	body, err := f.Get(ctx, rawURL, MaxBody)
	if err != nil {
		return nil, 0, err
	}
	keys, skipped, err := sso.JWKSKeys(id, name, body)
	switch {
	case err != nil:
		return nil, 0, err
	case len(keys) == 0 && skipped == 0:
		return nil, 0, errors.New("its key set is empty")
	case len(keys) == 0:
		return nil, skipped, fmt.Errorf("its key set holds no key that verifies tokens (%d skipped: only ES256 on P-256, RS256 of %d to %d bits and EdDSA signing keys are used)",
			skipped, sso.MinRSABits, sso.MaxRSABits)
	case len(keys) > MaxKeys:
		return nil, skipped, fmt.Errorf("its key set holds %d keys that verify tokens; at most %d are accepted", len(keys), MaxKeys)
	}
	return keys, skipped, nil
}
