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
// with its current key and publishes the keys it lists, and can rotate,
// fail or stall.
type issuer struct {
	mu      sync.Mutex
	keys    map[string]crypto.Signer // kid → private key
	listed  []string                 // kids published, in order
	extra   []jose.JSONWebKey        // published as they are (encryption keys …)
	fail    bool
	stall   time.Duration
	hits    atomic.Int64
	srv     *httptest.Server
	counter int
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	is := &issuer{keys: map[string]crypto.Signer{}}
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		is.hits.Add(1)
		is.mu.Lock()
		fail, stall := is.fail, is.stall
		set := jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), is.extra...)}
		for _, kid := range is.listed {
			k := is.keys[kid]
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public(), KeyID: kid, Use: "sig"})
		}
		is.mu.Unlock()
		if stall > 0 {
			select {
			case <-time.After(stall):
			case <-r.Context().Done():
				return
			}
		}
		if fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(is.srv.Close)
	return is
}

// rotate adds a new key of alg, published beside the others, and returns
// its kid.
func (is *issuer) rotate(t *testing.T, alg string) string {
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
	is.mu.Lock()
	defer is.mu.Unlock()
	is.counter++
	kid := alg + "-" + strconv.Itoa(is.counter)
	is.keys[kid] = k
	is.listed = append(is.listed, kid)
	return kid
}

// retire stops publishing every key but the newest.
func (is *issuer) retire() {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.listed = is.listed[len(is.listed)-1:]
}

func (is *issuer) set(fn func(is *issuer)) {
	is.mu.Lock()
	defer is.mu.Unlock()
	fn(is)
}

// sign makes a token with kid's key, valid at now.
func (is *issuer) sign(t *testing.T, kid string, now time.Time) string {
	t.Helper()
	is.mu.Lock()
	k := is.keys[kid]
	is.mu.Unlock()
	alg := strings.SplitN(kid, "-", 2)[0]
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(alg), jwt.MapClaims{
		"jti": "jti-" + kid, "iss": "https://issuer.example/", "iat": now.Unix(), "exp": now.Unix() + 60,
		"email": "jane@example.com", "name": "Jane",
	})
	tok.Header["kid"] = kid
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func setup(t *testing.T) (*issuer, *jwks.Cache, *clock, models.VerificationKey) {
	t.Helper()
	is := newIssuer(t)
	c := &clock{t: time.Unix(1767225600, 0)}
	cache := jwks.New(jwks.Options{Fetcher: safehttp.New(safehttp.Options{AllowLoopback: true, Timeout: 500 * time.Millisecond}), Now: c.Now})
	row := models.VerificationKey{ID: 42, Kind: models.KeyJWKS, Label: "Issuer", JWKSURL: is.srv.URL + "/.well-known/jwks.json"}
	return is, cache, c, row
}

// settings are what the sign-in gets from the cache (web.Keyring does the
// same): the cached keys, and Refresh for a kid they lack.
func settings(ctx context.Context, cache *jwks.Cache, row models.VerificationKey) sso.Settings {
	keys, _ := cache.Keys(ctx, row)
	return sso.Settings{Enabled: true, Keys: keys, Refresh: func(kid string) []sso.Key {
		keys, _ := cache.Refetch(ctx, row, kid)
		return keys
	}}
}

func TestCacheAndRotation(t *testing.T) {
	t.Parallel()
	is, cache, c, row := setup(t)
	ctx := context.Background()
	first := is.rotate(t, models.AlgES256)

	s := settings(ctx, cache, row)
	claims, rej := sso.Verify(is.sign(t, first, c.Now()), s, c.Now())
	if rej != nil {
		t.Fatal(rej.Detail)
	}
	if claims.Key.ID != 42 || !strings.Contains(claims.Key.Name, "JWKS Issuer kid "+first) {
		t.Fatalf("verified by %+v", claims.Key)
	}
	// Within the TTL the cache answers alone.
	for range 10 {
		settings(ctx, cache, row)
	}
	if n := is.hits.Load(); n != 1 {
		t.Fatalf("%d fetches within the TTL, want 1", n)
	}

	// The issuer rotates: a token with the new kid makes one refetch, and
	// verifies.
	second := is.rotate(t, models.AlgEdDSA)
	c.Advance(61 * time.Second)
	if _, rej := sso.Verify(is.sign(t, second, c.Now()), settings(ctx, cache, row), c.Now()); rej != nil {
		t.Fatalf("after rotation: %s", rej.Detail)
	}
	if n := is.hits.Load(); n != 2 {
		t.Fatalf("%d fetches after one rotation, want 2", n)
	}

	// Random kids make at most one fetch a minute.
	for i := range 50 {
		s := settings(ctx, cache, row)
		s.Refresh("random-kid-" + strconv.Itoa(i))
	}
	if n := is.hits.Load(); n != 2 {
		t.Fatalf("%d fetches after 50 unknown kids within a minute, want still 2", n)
	}
	c.Advance(time.Minute)
	s = settings(ctx, cache, row)
	s.Refresh("random-kid-again")
	s.Refresh("random-kid-once-more")
	if n := is.hits.Load(); n != 3 {
		t.Fatalf("%d fetches a minute later, want 3", n)
	}

	// After the TTL the keys are fetched again; a retired key stops
	// verifying.
	is.retire()
	c.Advance(5 * time.Minute)
	if _, rej := sso.Verify(is.sign(t, first, c.Now()), settings(ctx, cache, row), c.Now()); rej == nil || rej.Reason != sso.ReasonInvalidSignature {
		t.Fatalf("a key the issuer retired: %+v", rej)
	}
}

// A JWKS that fails keeps its last keys in use, and is not asked again
// until the backoff has passed; with nothing cached the failure is the
// answer.
func TestFailureKeepsKeysAndBacksOff(t *testing.T) {
	t.Parallel()
	is, cache, c, row := setup(t)
	ctx := context.Background()
	kid := is.rotate(t, models.AlgRS256)
	if _, err := cache.Keys(ctx, row); err != nil {
		t.Fatal(err)
	}
	is.set(func(is *issuer) { is.fail = true })
	c.Advance(6 * time.Minute)
	for range 20 {
		keys, err := cache.Keys(ctx, row)
		if err != nil || len(keys) != 1 || keys[0].KID != kid {
			t.Fatalf("stale keys while the issuer is down: %v %v", keys, err)
		}
	}
	if n := is.hits.Load(); n != 2 {
		t.Fatalf("%d fetches while down within the backoff, want 2", n)
	}
	if _, rej := sso.Verify(is.sign(t, kid, c.Now()), settings(ctx, cache, row), c.Now()); rej != nil {
		t.Fatalf("a sign-in while the JWKS is down: %s", rej.Detail)
	}
	is.set(func(is *issuer) { is.fail = false })
	c.Advance(31 * time.Second)
	if _, err := cache.Keys(ctx, row); err != nil || is.hits.Load() != 3 {
		t.Fatalf("after the backoff: %v, %d fetches", err, is.hits.Load())
	}

	// A fresh row whose JWKS is down from the start.
	down := newIssuer(t)
	down.set(func(is *issuer) { is.fail = true })
	other := models.VerificationKey{ID: 43, Kind: models.KeyJWKS, Label: "Down", JWKSURL: down.srv.URL}
	if _, err := cache.Keys(ctx, other); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("a JWKS down from the start: %v", err)
	}
}

func TestSlowJWKSTimesOut(t *testing.T) {
	t.Parallel()
	is, cache, _, row := setup(t)
	is.rotate(t, models.AlgES256)
	is.set(func(is *issuer) { is.stall = 3 * time.Second })
	start := time.Now()
	if _, err := cache.Keys(context.Background(), row); err == nil || !strings.Contains(err.Error(), "did not answer in time") {
		t.Fatalf("slow JWKS: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("waited %s for a 500 ms timeout", d)
	}
}

// A set with no key that can verify tokens is refused, saying how many
// were skipped; Fetch (what the console asks) says the same.
func TestUnusableSetIsRefused(t *testing.T) {
	t.Parallel()
	is, cache, _, row := setup(t)
	enc, _ := rsa.GenerateKey(rand.Reader, 2048)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	is.set(func(is *issuer) {
		is.extra = []jose.JSONWebKey{{Key: enc.Public(), KeyID: "enc", Use: "enc"}, {Key: small.Public(), KeyID: "small", Use: "sig"}}
	})
	if _, err := cache.Keys(context.Background(), row); err == nil || !strings.Contains(err.Error(), "no key that verifies tokens (2 skipped") {
		t.Fatalf("unusable set: %v", err)
	}
	if _, _, err := jwks.Fetch(context.Background(), safehttp.New(safehttp.Options{}), 0, "JWKS", is.srv.URL); err == nil || !strings.Contains(err.Error(), "localhost in development") {
		t.Fatalf("outside development a loopback JWKS is refused: %v", err)
	}
}

// Many sign-ins at once on a cold cache make one fetch.
func TestConcurrentColdCacheFetchesOnce(t *testing.T) {
	t.Parallel()
	is, cache, _, row := setup(t)
	is.rotate(t, models.AlgES256)
	is.set(func(is *issuer) { is.stall = 100 * time.Millisecond })
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if keys, err := cache.Keys(context.Background(), row); err != nil || len(keys) != 1 {
				t.Errorf("%v %v", keys, err)
			}
		}()
	}
	wg.Wait()
	if n := is.hits.Load(); n != 1 {
		t.Fatalf("%d fetches for 20 concurrent callers, want 1", n)
	}
}
