package jwks_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"helpcenter/internal/jwks"
	"helpcenter/internal/safehttp"
	"helpcenter/models"
	"helpcenter/sso"
)

// issuer is a JWKS-publishing identity provider on loopback: it signs
// with its keys and publishes the ones it lists, and can rotate, fail,
// stall or redirect.
type issuer struct {
	mu       sync.Mutex
	keys     map[string]crypto.Signer // kid → private key
	listed   []string                 // kids published, in order
	extra    []jose.JSONWebKey        // published as they are (encryption keys …)
	fail     bool
	stall    time.Duration
	redirect string
	hits     atomic.Int64
	srv      *httptest.Server
	counter  int
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	is := &issuer{keys: map[string]crypto.Signer{}}
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		is.hits.Add(1)
		is.mu.Lock()
		fail, stall, redirect := is.fail, is.stall, is.redirect
		set := jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey{}, is.extra...)}
		for _, kid := range is.listed {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: is.keys[kid].Public(), KeyID: kid, Use: "sig"})
		}
		is.mu.Unlock()
		if stall > 0 {
			select {
			case <-time.After(stall):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case redirect != "":
			http.Redirect(w, r, redirect, http.StatusFound)
		case fail:
			http.Error(w, "down", http.StatusServiceUnavailable)
		default:
			w.Header().Set("Content-Type", "application/jwk-set+json")
			json.NewEncoder(w).Encode(set)
		}
	}))
	t.Cleanup(is.srv.Close)
	return is
}

// generate makes a key pair of alg.
func generate(t *testing.T, alg string) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch alg {
	case models.AlgES256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case models.AlgRS256:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case models.AlgEdDSA:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// add publishes a new key of alg beside the others and returns its kid.
func (is *issuer) add(t *testing.T, alg string) string {
	t.Helper()
	k := generate(t, alg)
	is.mu.Lock()
	defer is.mu.Unlock()
	is.counter++
	kid := alg + "-" + strconv.Itoa(is.counter)
	is.keys[kid] = k
	is.listed = append(is.listed, kid)
	return kid
}

// rotate switches to a new key of alg, no longer publishing the others,
// and returns its kid.
func (is *issuer) rotate(t *testing.T, alg string) string {
	t.Helper()
	kid := is.add(t, alg)
	is.set(func(is *issuer) { is.listed = []string{kid} })
	return kid
}

func (is *issuer) set(fn func(is *issuer)) {
	is.mu.Lock()
	defer is.mu.Unlock()
	fn(is)
}

// sign makes a token with kid's key, valid at now, as a partner's issuer
// does.
func (is *issuer) sign(t *testing.T, kid string, now time.Time) string {
	t.Helper()
	is.mu.Lock()
	k := is.keys[kid]
	is.mu.Unlock()
	alg, _, _ := strings.Cut(kid, "-")
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(alg), jwt.MapClaims{
		"jti": "jti-" + kid + "-" + strconv.FormatInt(now.UnixNano(), 10), "iss": "https://issuer.example/",
		"iat": now.Unix(), "exp": now.Unix() + 60, "email": "jane@example.com", "name": "Jane",
	})
	tok.Header["kid"] = kid
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// clock is the pinned time the cache reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// setup runs an issuer and a cache that fetches from it through the
// development client (loopback allowed, 500 ms timeout), and a JWKS key
// row naming it.
func setup(t *testing.T, o jwks.Options) (*issuer, *jwks.Cache, *clock, models.VerificationKey) {
	t.Helper()
	is := newIssuer(t)
	c := &clock{t: time.Unix(1767225600, 0)}
	o.Fetcher, o.Now = safehttp.New(safehttp.Options{AllowLoopback: true, Timeout: 500 * time.Millisecond}), c.Now
	row := models.VerificationKey{ID: 42, HelpCenterID: 7, Kind: models.KeyJWKS, Label: "Issuer", JWKSURL: is.srv.URL + "/.well-known/jwks.json"}
	return is, jwks.New(o), c, row
}

// settings are what the sign-in gets from the cache, as web.Keyring
// builds them: the cached keys, and Refresh for a kid they lack.
func settings(ctx context.Context, cache *jwks.Cache, row models.VerificationKey) sso.Settings {
	keys, _ := cache.Keys(ctx, row)
	return sso.Settings{Enabled: true, Keys: keys, Refresh: func(kid string) []sso.Key {
		keys, _ := cache.Refetch(ctx, row, kid)
		return keys
	}}
}

func wantHits(t *testing.T, is *issuer, want int64, when string) {
	t.Helper()
	if n := is.hits.Load(); n != want {
		t.Fatalf("%s: %d fetches, want %d", when, n, want)
	}
}

// Within the TTL the cache answers alone; after it, the JWKS is fetched
// again. The keys are named and numbered after the key row, exactly as
// sso.JWKSKeys names them.
func TestCachedWithinTTLFetchedAfter(t *testing.T) {
	t.Parallel()
	is, cache, c, row := setup(t, jwks.Options{})
	ctx := context.Background()
	is.add(t, models.AlgES256)
	is.add(t, models.AlgRS256)

	keys, err := cache.Keys(ctx, row)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(is.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	want, _, err := sso.JWKSKeys(42, "JWKS Issuer", body)
	if err != nil || len(keys) != 2 || len(want) != 2 {
		t.Fatalf("keys %v, want %v (%v)", keys, want, err)
	}
	for i := range want {
		if keys[i].ID != want[i].ID || keys[i].Name != want[i].Name || keys[i].KID != want[i].KID || keys[i].Alg != want[i].Alg {
			t.Errorf("key %d is %+v, want %+v", i, keys[i], want[i])
		}
	}
	is.hits.Store(0)

	for range 10 {
		if _, err := cache.Keys(ctx, row); err != nil {
			t.Fatal(err)
		}
		c.Advance(29 * time.Second)
	}
	wantHits(t, is, 0, "within the TTL")
	c.Advance(10 * time.Second) // 5 min since the fetch
	if _, err := cache.Keys(ctx, row); err != nil {
		t.Fatal(err)
	}
	wantHits(t, is, 1, "at the TTL")
	if _, err := cache.Keys(ctx, row); err != nil {
		t.Fatal(err)
	}
	wantHits(t, is, 1, "just after the refetch")
}

// The issuer switches to a new key: a token with the new kid makes one
// refetch and verifies; the old key stops verifying; kids nobody
// published never fetch more than once a minute.
func TestRotation(t *testing.T) {
	t.Parallel()
	is, cache, c, row := setup(t, jwks.Options{})
	ctx := context.Background()
	first := is.rotate(t, models.AlgES256)
	claims, rej := sso.Verify(is.sign(t, first, c.Now()), settings(ctx, cache, row), c.Now())
	if rej != nil {
		t.Fatal(rej.Detail)
	}
	if claims.Key.ID != 42 || !strings.HasPrefix(claims.Key.Name, "JWKS Issuer kid "+first+" ") || claims.Email != "jane@example.com" {
		t.Fatalf("verified by %+v: %+v", claims.Key, claims)
	}
	wantHits(t, is, 1, "first sign-in")

	for _, alg := range []string{models.AlgEdDSA, models.AlgRS256} {
		c.Advance(61 * time.Second) // within the TTL, past the refetch limit
		next := is.rotate(t, alg)
		before := is.hits.Load()
		claims, rej := sso.Verify(is.sign(t, next, c.Now()), settings(ctx, cache, row), c.Now())
		if rej != nil {
			t.Fatalf("%s after rotation: %s", alg, rej.Detail)
		}
		if claims.Key.KID != next || claims.Key.Alg != alg {
			t.Fatalf("verified by %+v", claims.Key)
		}
		wantHits(t, is, before+1, "a rotation")
		// The key the issuer dropped is gone with the refetch.
		if _, rej := sso.Verify(is.sign(t, first, c.Now()), settings(ctx, cache, row), c.Now()); rej == nil || rej.Reason != sso.ReasonInvalidSignature {
			t.Fatalf("a key the issuer dropped: %+v", rej)
		}
		wantHits(t, is, before+1, "a dropped kid within the minute")
	}
}

// Unknown kids, however many and however random, sequential or at once,
// make at most one fetch a minute per URL.
func TestUnknownKidsFetchAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	is, cache, c, row := setup(t, jwks.Options{})
	ctx := context.Background()
	kid := is.add(t, models.AlgEdDSA)
	if _, err := cache.Keys(ctx, row); err != nil {
		t.Fatal(err)
	}
	random := func() string {
		b := make([]byte, 8)
		rand.Read(b)
		return string(b)
	}
	burst := func() {
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				keys, err := cache.Refetch(ctx, row, random())
				if err != nil || len(keys) != 1 || keys[0].KID != kid {
					t.Errorf("refetch: %v %v", keys, err)
				}
			})
		}
		wg.Wait()
		for range 50 {
			cache.Refetch(ctx, row, random())
		}
	}
	burst()
	wantHits(t, is, 1, "100 random kids right after the first fetch")
	for minute := int64(1); minute <= 3; minute++ {
		c.Advance(30 * time.Second)
		burst()
		wantHits(t, is, minute, "random kids half a minute later")
		c.Advance(30 * time.Second)
		burst()
		wantHits(t, is, minute+1, "random kids a minute after the last fetch")
	}
	// A kid the cache has never fetches.
	c.Advance(time.Minute)
	cache.Refetch(ctx, row, kid)
	wantHits(t, is, 4, "a known kid")
}

// Key rows of two help centers that name one URL share its fetches and
// its once-a-minute limit, each naming the keys after itself.
func TestRowsSharingAURL(t *testing.T) {
	t.Parallel()
	is, cache, c, row := setup(t, jwks.Options{})
	ctx := context.Background()
	kid := is.add(t, models.AlgES256)
	other := row
	other.ID, other.HelpCenterID, other.Label = 43, 8, "JWKS"
	a, err := cache.Keys(ctx, row)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cache.Keys(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	wantHits(t, is, 1, "two rows, one URL")
	if a[0].ID != 42 || !strings.HasPrefix(a[0].Name, "JWKS Issuer kid "+kid+" ") {
		t.Errorf("first row's key: %+v", a[0])
	}
	// The default label is not doubled.
	if b[0].ID != 43 || !strings.HasPrefix(b[0].Name, "JWKS kid "+kid+" ") {
		t.Errorf("second row's key: %+v", b[0])
	}
	c.Advance(time.Minute)
	cache.Refetch(ctx, row, "new")
	cache.Refetch(ctx, other, "new")
	wantHits(t, is, 2, "an unknown kid through both rows")
}

// A JWKS that fails keeps its last keys in use, and is not asked again
// until the backoff has passed; with nothing cached the failure is the
// answer.
func TestFailureKeepsKeysAndBacksOff(t *testing.T) {
	t.Parallel()
	is, cache, c, row := setup(t, jwks.Options{})
	ctx := context.Background()
	kid := is.add(t, models.AlgRS256)
	if _, err := cache.Keys(ctx, row); err != nil {
		t.Fatal(err)
	}
	is.set(func(is *issuer) { is.fail = true })

	// A refetch for an unknown kid fails within the TTL: the fresh keys
	// keep answering, with no fetch until the TTL ends.
	c.Advance(time.Minute)
	if keys, err := cache.Refetch(ctx, row, "unknown"); err != nil || len(keys) != 1 {
		t.Fatalf("a failed refetch: %v %v", keys, err)
	}
	wantHits(t, is, 2, "one failed refetch")
	c.Advance(2 * time.Minute)
	if keys, err := cache.Keys(ctx, row); err != nil || len(keys) != 1 {
		t.Fatalf("within the TTL after a failed refetch: %v %v", keys, err)
	}
	wantHits(t, is, 2, "within the TTL after a failed refetch")

	// Past the TTL: stale keys, one fetch per backoff.
	c.Advance(3 * time.Minute)
	for i := range 20 {
		keys, err := cache.Keys(ctx, row)
		if err != nil || len(keys) != 1 || keys[0].KID != kid {
			t.Fatalf("stale keys while the issuer is down: %v %v", keys, err)
		}
		if _, err := cache.Refetch(ctx, row, "unknown-"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Second)
	}
	wantHits(t, is, 3, "20 s of sign-ins while down")
	if _, rej := sso.Verify(is.sign(t, kid, c.Now()), settings(ctx, cache, row), c.Now()); rej != nil {
		t.Fatalf("a sign-in while the JWKS is down: %s", rej.Detail)
	}
	c.Advance(10 * time.Second)
	cache.Keys(ctx, row)
	wantHits(t, is, 4, "after the backoff")

	is.set(func(is *issuer) { is.fail = false })
	c.Advance(30 * time.Second)
	if _, err := cache.Keys(ctx, row); err != nil {
		t.Fatal(err)
	}
	wantHits(t, is, 5, "back up")
	cache.Keys(ctx, row)
	wantHits(t, is, 5, "cached again")

	// A row whose JWKS is down from the start gets the failure, and keeps
	// getting it from the cache within the backoff.
	down := newIssuer(t)
	down.set(func(is *issuer) { is.fail = true })
	other := models.VerificationKey{ID: 43, Kind: models.KeyJWKS, Label: "Down", JWKSURL: down.srv.URL}
	for range 5 {
		if _, err := cache.Keys(ctx, other); err == nil || err.Error() != "it answered 503 Service Unavailable instead of 200" {
			t.Fatalf("a JWKS down from the start: %v", err)
		}
		if _, err := cache.Refetch(ctx, other, "x"); err == nil {
			t.Fatal("a refetch of a JWKS down from the start answered no error")
		}
	}
	wantHits(t, down, 1, "a JWKS down from the start")
}

// A refetch limit shorter than the backoff does not let unknown kids
// hammer a JWKS that is down.
func TestRefetchRespectsTheBackoff(t *testing.T) {
	t.Parallel()
	is, cache, c, row := setup(t, jwks.Options{RefetchEvery: 10 * time.Second, FailureBackoff: time.Minute})
	ctx := context.Background()
	is.add(t, models.AlgEdDSA)
	cache.Keys(ctx, row)
	is.set(func(is *issuer) { is.fail = true })
	for range 13 {
		c.Advance(11 * time.Second)
		cache.Refetch(ctx, row, "unknown")
	}
	// At 11 s a refetch fails; the next come a backoff after each: 77 s, 143 s.
	wantHits(t, is, 4, "unknown kids every 11 s for 143 s while down")
}

// A JWKS that stalls costs the client's timeout once; within the backoff
// the sign-ins that follow do not wait.
func TestSlowJWKSTimesOut(t *testing.T) {
	t.Parallel()
	is, cache, _, row := setup(t, jwks.Options{})
	is.add(t, models.AlgES256)
	is.set(func(is *issuer) { is.stall = 3 * time.Second })
	start := time.Now()
	if _, err := cache.Keys(context.Background(), row); err == nil || err.Error() != "it did not answer in time (the limit is 500ms)" {
		t.Fatalf("slow JWKS: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("waited %s for a 500 ms timeout", d)
	}
	start = time.Now()
	for range 10 {
		if _, err := cache.Keys(context.Background(), row); err == nil {
			t.Fatal("no error within the backoff")
		}
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("sign-ins within the backoff waited %s", d)
	}
	wantHits(t, is, 1, "a slow JWKS")
}

// A caller that gives up does not wait for the fetch, which goes on and
// serves the next caller.
func TestCallerGivingUpLeavesTheFetchRunning(t *testing.T) {
	t.Parallel()
	is, cache, _, row := setup(t, jwks.Options{})
	is.add(t, models.AlgES256)
	is.set(func(is *issuer) { is.stall = 300 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := cache.Keys(ctx, row); err == nil || !strings.Contains(err.Error(), "the sign-in gave up") {
		t.Fatalf("a caller that gave up: %v", err)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Fatalf("the caller that gave up waited %s", d)
	}
	if keys, err := cache.Keys(context.Background(), row); err != nil || len(keys) != 1 {
		t.Fatalf("the next caller: %v %v", keys, err)
	}
	wantHits(t, is, 1, "one fetch for both")
}

// Many sign-ins at once on a cold cache make one fetch.
func TestConcurrentColdCacheFetchesOnce(t *testing.T) {
	t.Parallel()
	is, cache, _, row := setup(t, jwks.Options{})
	is.add(t, models.AlgES256)
	is.set(func(is *issuer) { is.stall = 100 * time.Millisecond })
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			var keys []sso.Key
			var err error
			if i%2 == 0 {
				keys, err = cache.Keys(context.Background(), row)
			} else {
				keys, err = cache.Refetch(context.Background(), row, "kid-"+strconv.Itoa(i))
			}
			if err != nil || len(keys) != 1 {
				t.Errorf("%v %v", keys, err)
			}
		})
	}
	wg.Wait()
	wantHits(t, is, 1, "20 concurrent callers")
}

// A set with no key that can verify tokens is refused, saying how many
// were skipped, whether the cache or the console (Fetch) asks.
func TestUnusableSetsAreRefused(t *testing.T) {
	t.Parallel()
	rsaKey, ecKey := generate(t, models.AlgRS256), generate(t, models.AlgES256)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	many := make([]jose.JSONWebKey, jwks.MaxKeys+1)
	for i := range many {
		many[i] = jose.JSONWebKey{Key: generate(t, models.AlgEdDSA).Public(), KeyID: strconv.Itoa(i), Use: "sig"}
	}
	fetcher := safehttp.New(safehttp.Options{AllowLoopback: true, Timeout: time.Second})
	for _, tc := range []struct {
		name  string
		extra []jose.JSONWebKey
		want  string
	}{
		{"encryption keys only", []jose.JSONWebKey{{Key: rsaKey.Public(), KeyID: "enc-rsa", Use: "enc"}, {Key: ecKey.Public(), KeyID: "enc-ec", Use: "enc"}},
			"its key set holds no key that verifies tokens (2 skipped: only ES256 on P-256, RS256 of 2048 to 8192 bits and EdDSA signing keys are used)"},
		{"an encryption key and a short RSA key", []jose.JSONWebKey{{Key: rsaKey.Public(), KeyID: "enc", Use: "enc"}, {Key: small.Public(), KeyID: "small", Use: "sig"}},
			"its key set holds no key that verifies tokens (2 skipped"},
		{"an empty set", []jose.JSONWebKey{}, "its key set is empty"},
		{"too many keys", many, "its key set holds 101 keys that verify tokens; at most 100 are accepted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			is, cache, _, row := setup(t, jwks.Options{})
			is.set(func(is *issuer) { is.extra = tc.extra })
			if _, err := cache.Keys(context.Background(), row); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("cache: %v, want %q", err, tc.want)
			}
			if _, _, err := jwks.Fetch(context.Background(), fetcher, 0, "JWKS", row.JWKSURL); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Fetch: %v, want %q", err, tc.want)
			}
		})
	}
	// Not a JWKS at all.
	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("<html>")) }))
	defer notJSON.Close()
	if _, _, err := jwks.Fetch(context.Background(), fetcher, 0, "JWKS", notJSON.URL); err == nil || !strings.Contains(err.Error(), "not a JSON object with a keys array") {
		t.Errorf("HTML: %v", err)
	}
	// What Fetch returns for a good set, and outside development a
	// loopback JWKS is refused.
	is := newIssuer(t)
	kid := is.add(t, models.AlgES256)
	is.set(func(is *issuer) { is.extra = []jose.JSONWebKey{{Key: rsaKey.Public(), KeyID: "enc", Use: "enc"}} })
	keys, skipped, err := jwks.Fetch(context.Background(), fetcher, 9, "JWKS Partner", is.srv.URL)
	if err != nil || skipped != 1 || len(keys) != 1 || keys[0].ID != 9 || !strings.HasPrefix(keys[0].Name, "JWKS Partner kid "+kid+" ") {
		t.Errorf("Fetch: %v, %d skipped, %v", keys, skipped, err)
	}
	if _, _, err := jwks.Fetch(context.Background(), safehttp.New(safehttp.Options{}), 0, "JWKS", is.srv.URL); err == nil || !strings.Contains(err.Error(), "localhost in development") {
		t.Errorf("outside development: %v", err)
	}
}

// A JWKS that redirects into the private network is not followed there.
func TestRedirectToAPrivateAddressIsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ to, want string }{
		{"https://169.254.169.254/latest/meta-data/", "it redirected to https://169.254.169.254/latest/meta-data/: 169.254.169.254 is a link-local address, which is never fetched"},
		{"https://10.0.0.1/jwks", "it redirected to https://10.0.0.1/jwks: 10.0.0.1 is a private address, which is never fetched"},
		{"http://192.168.1.1/jwks", "it redirected to http://192.168.1.1/jwks: plain http is fetched only from localhost in development; use https"},
	} {
		t.Run(tc.to, func(t *testing.T) {
			t.Parallel()
			is, cache, _, row := setup(t, jwks.Options{})
			is.add(t, models.AlgES256)
			is.set(func(is *issuer) { is.redirect = tc.to })
			if _, err := cache.Keys(context.Background(), row); err == nil || err.Error() != tc.want {
				t.Errorf("%v, want %q", err, tc.want)
			}
		})
	}
}

// The cache holds at most MaxURLs URLs, dropping the least recently used.
func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	is, cache, c, row := setup(t, jwks.Options{MaxURLs: 3})
	ctx := context.Background()
	is.add(t, models.AlgES256)
	rowAt := func(i int) models.VerificationKey {
		r := row
		r.ID, r.JWKSURL = int64(i), is.srv.URL+"/"+strconv.Itoa(i)
		return r
	}
	for i := 1; i <= 3; i++ {
		cache.Keys(ctx, rowAt(i))
		c.Advance(time.Second)
	}
	cache.Keys(ctx, rowAt(1)) // used again: URL 2 is now the least recent
	c.Advance(time.Second)
	wantHits(t, is, 3, "three URLs")
	cache.Keys(ctx, rowAt(4))
	wantHits(t, is, 4, "a fourth URL")
	cache.Keys(ctx, rowAt(1))
	cache.Keys(ctx, rowAt(3))
	wantHits(t, is, 4, "URLs kept")
	cache.Keys(ctx, rowAt(2))
	wantHits(t, is, 5, "the URL dropped")
}

// Keys fetched before an outage stay in use for MaxStale after their
// fetch, no longer: past it, with every fetch since failing, the JWKS
// answers with its error (a key the issuer rotated away must not be
// trusted for ever by a server that cannot see it was), and the next
// successful fetch brings keys back.
func TestStaleKeysHaveAMaximumAge(t *testing.T) {
	t.Parallel()
	is, cache, c, row := setup(t, jwks.Options{})
	ctx := context.Background()
	kid := is.add(t, models.AlgRS256)
	if _, err := cache.Keys(ctx, row); err != nil {
		t.Fatal(err)
	}
	is.set(func(is *issuer) { is.fail = true })
	c.Advance(jwks.DefaultMaxStale - time.Minute)
	if keys, err := cache.Keys(ctx, row); err != nil || len(keys) != 1 {
		t.Fatalf("a minute before the maximum age: %v %v", keys, err)
	}
	c.Advance(2 * time.Minute)
	keys, err := cache.Keys(ctx, row)
	if err == nil || len(keys) != 0 || !strings.Contains(err.Error(), "no longer used") {
		t.Fatalf("past the maximum age: %v %v", keys, err)
	}
	if _, rej := sso.Verify(is.sign(t, kid, c.Now()), settings(ctx, cache, row), c.Now()); rej == nil {
		t.Fatal("a token verified with keys past their maximum age")
	}
	is.set(func(is *issuer) { is.fail = false })
	c.Advance(jwks.DefaultFailureBackoff)
	if keys, err := cache.Keys(ctx, row); err != nil || len(keys) != 1 {
		t.Fatalf("the issuer back: %v %v", keys, err)
	}
}
