package handlers_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// A partner on a JWKS-publishing issuer signs in with no secret shared:
// the admin adds the JWKS URL, the issuer's token verifies with the key
// its kid names, and the Logs say which key that was.
func TestSignInWithAJWKSURL(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "issuer-2026", Use: "sig", Algorithm: "ES256"}}})
	}))
	defer issuer.Close()
	admin := consoleLogin(t, s)
	keysURL := s.app.BaseURL + "/settings/security/sso/keys"

	// A URL that reaches inside is refused beside the field.
	res := admin.Submit(keysURL, keysURL+"/jwks", url.Values{"jwks_label": {"Inside"}, "jwks_url": {"https://169.254.169.254/latest/meta-data"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="jwks_url-error"`) || !strings.Contains(res.Body, "link-local") {
		t.Fatalf("a link-local JWKS URL: %d\n%s", res.StatusCode, textOf(res.Body))
	}
	res = admin.Submit(keysURL, keysURL+"/jwks", url.Values{"jwks_label": {"Issuer"}, "jwks_url": {issuer.URL + "/.well-known/jwks.json"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add JWKS URL: %d\n%s", res.StatusCode, textOf(res.Body))
	}
	if page := textOf(admin.Get(keysURL).Body); !strings.Contains(page, "JWKS URL") || !strings.Contains(page, issuer.URL) {
		t.Fatalf("the Keys page does not list the JWKS URL:\n%s", page)
	}

	c := s.app.Client(t)
	flow := s.startFlow(t, c, "/")
	// The gate hands out a key without asking the issuer anything.
	if n := hits.Load(); n != 1 {
		t.Fatalf("%d JWKS fetches after the gate, want only the console's check", n)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims(s.claims(flow)))
	tok.Header["kid"] = "issuer-2026"
	signed, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	if res := s.submit(c, signed); res.StatusCode != http.StatusSeeOther || !hasSessionCookie(res) {
		t.Fatalf("JWKS sign-in: %d\n%s", res.StatusCode, res.Body)
	}
	ev := s.lastEvent(t)
	if ev.Reason != "" || !strings.HasPrefix(ev.Key, "JWKS Issuer kid issuer-2026 ") || ev.KeyID == 0 {
		t.Fatalf("row %+v", ev)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("%d JWKS fetches: one to check the URL, one to sign in, want 2", n)
	}
}
