package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/store"
	"helpcenter/store/storetest"
)

// Two instances on one database (run with `make test-postgres` for the
// multi-instance deployment): the same token submitted 50 times at once,
// spread over both, signs in exactly once; the session then works on
// either instance, and a regenerated secret takes effect on both at once.
func TestTwoInstancesOneDatabase(t *testing.T) {
	t.Parallel()
	proxies := map[string]string{"HELPCENTER_TRUSTED_PROXIES": "127.0.0.1/32"}
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true}, testapp.Options{Env: proxies})
	second := testapp.New(t, testapp.Options{Env: proxies, Database: s.app.Config.Database})
	second.Clock.Set(s.app.Clock.Now())

	c := s.app.Client(t)
	tok := s.mint(t, s.claims(s.startFlow(t, c, "/")))
	bid := c.Cookie(s.base, "hc_bid")
	var wg sync.WaitGroup
	statuses := make([]int, 50)
	for i := range statuses {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			app := s.app
			if i%2 == 1 {
				app = second
			}
			one := app.Client(t)
			one.HTTP.Jar.SetCookies(mustURL(s.base), []*http.Cookie{bid})
			one.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
			statuses[i] = s.submit(one, tok).StatusCode
		}(i)
	}
	wg.Wait()
	signedIn := 0
	for _, st := range statuses {
		if st == http.StatusSeeOther {
			signedIn++
		}
	}
	if n := storetest.CountVisitorSessions(t, s.app.Config.Database, s.hc.ID); signedIn != 1 || n != 1 {
		t.Fatalf("%d sign-ins, %d sessions over two instances (statuses %v)", signedIn, n, statuses)
	}

	// A session opened on one instance works on the other.
	c = s.app.Client(t)
	s.submit(c, s.mint(t, s.claims(s.startFlow(t, c, "/"))))
	onSecond := second.Client(t)
	onSecond.HTTP.Jar = c.HTTP.Jar
	if res := onSecond.Get(s.base + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("session on the second instance: %d", res.StatusCode)
	}

	// A new secret saved through one instance is the only one the other accepts.
	newSecret := "a-brand-new-secret-0123456789abcdefghijklmnop"
	if err := second.Store.UpdateSSOSettings(context.Background(), s.hc.WorkspaceID, s.hc.ID, store.SSOUpdate{Settings: models.SSOSettings{LoginURL: partnerLogin, TokenTTL: 300}, Enable: true, NewSecret: newSecret}); err != nil {
		t.Fatal(err)
	}
	fresh := s.app.Client(t)
	old := s.mint(t, s.claims(s.startFlow(t, fresh, "/")))
	if res := s.submit(fresh, old); res.StatusCode != 401 {
		t.Fatalf("old secret accepted after regeneration: %d", res.StatusCode)
	}
	s.secret = newSecret
	if res := s.submit(fresh, s.mint(t, s.claims(s.startFlow(t, fresh, "/")))); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("new secret refused: %d", res.StatusCode)
	}
	if ev := s.lastEvent(t); ev.Event != models.EventRedirectSucceeded {
		t.Fatalf("last event %+v", ev)
	}
}

// Rotation over two instances on one database: a secret added on one
// verifies on the other while the first still does; a revoke on one is
// refused on the other's very next sign-in (an instance keeps the keys it
// read only while the fresh help-center row shows the same keys_version),
// and the key usage both counted adds up.
func TestTwoInstancesSeeKeyChangesAtOnce(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	second := testapp.New(t, testapp.Options{Database: s.app.Config.Database})
	second.Clock.Set(s.app.Clock.Now())
	ctx := context.Background()
	oldSecret := s.secret

	added, err := second.Store.AddKey(ctx, s.hc.WorkspaceID, s.hc.ID, store.NewKey{Kind: models.KeySecret, Alg: models.AlgHS256,
		Label: "Next", Secret: "the-next-secret-0123456789abcdefghijklmnop"})
	if err != nil {
		t.Fatal(err)
	}
	signIn := func(app *testapp.App, secret string) int {
		t.Helper()
		c := app.Client(t)
		s.secret = secret
		return s.submit(c, s.mint(t, s.claims(s.startFlow(t, c, "/")))).StatusCode
	}
	for _, secret := range []string{oldSecret, "the-next-secret-0123456789abcdefghijklmnop"} {
		if st := signIn(s.app, secret); st != http.StatusSeeOther {
			t.Fatalf("instance one, secret %.8s…: %d", secret, st)
		}
	}
	live, err := s.app.Store.LiveKeys(ctx, s.hc.ID, s.app.Clock.Now())
	if err != nil || len(live) != 2 {
		t.Fatalf("live keys %+v %v", live, err)
	}
	// The second instance has the two keys in memory, from a sign-in.
	if st := signIn(second, oldSecret); st != http.StatusSeeOther {
		t.Fatalf("instance two, the old secret: %d", st)
	}
	if err := s.app.Store.RevokeKey(ctx, s.hc.WorkspaceID, s.hc.ID, live[0].ID, "owner@acme.test"); err != nil {
		t.Fatal(err)
	}
	if st := signIn(second, oldSecret); st != http.StatusUnauthorized {
		t.Fatalf("the revoked secret on the other instance: %d", st)
	}
	if ev := s.lastEvent(t); ev.Reason != "jwt_invalid_signature" {
		t.Fatalf("row %+v", ev)
	}
	if st := signIn(second, "the-next-secret-0123456789abcdefghijklmnop"); st != http.StatusSeeOther {
		t.Fatalf("the added secret on the other instance: %d", st)
	}
	// Each instance counted its own sign-ins; flushed, they add up.
	if err := s.app.Store.FlushKeyUsage(ctx); err != nil {
		t.Fatal(err)
	}
	if err := second.Store.FlushKeyUsage(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := s.app.Store.Keys(ctx, s.hc.ID, s.app.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.ID == added.ID && (k.Verified24h != 2 || k.LastUsedAt == nil) {
			t.Fatalf("the added key's usage over two instances: %d, last used %v", k.Verified24h, k.LastUsedAt)
		}
	}
}
