package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
	"helpcenter/store/storetest"
)

const partnerLogin = "https://partner.example/login?tenant=7"

// ssoConfig is a test's JWT configuration; zero fields get defaults.
type ssoConfig struct {
	Enabled                                       bool
	LoginURL, LogoutURL, Issuer, Audience, Secret string
	TokenTTL                                      int
	AllowUnsolicited                              bool
}

// ssoSite is a private help center with JWT SSO configured.
type ssoSite struct {
	app    *testapp.App
	hc     *models.HelpCenter
	secret string
	base   string
}

func newSSOSite(t *testing.T, sub string, cfg ssoConfig, opts ...testapp.Options) *ssoSite {
	t.Helper()
	app := testapp.New(t, opts...)
	return addSSOSite(t, app, sub, cfg)
}

func addSSOSite(t *testing.T, app *testapp.App, sub string, cfg ssoConfig) *ssoSite {
	t.Helper()
	app.Signup(t, sub+"-owner@example.com", pw, strings.ToUpper(sub[:1])+sub[1:]+" Docs", sub)
	ctx := context.Background()
	hc, err := app.Store.HelpCenterBySubdomain(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LoginURL == "" {
		cfg.LoginURL = partnerLogin
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 300
	}
	if cfg.Secret == "" {
		cfg.Secret = sub + "-shared-secret-0123456789abcdefghijklmnopqrstuvwxyz"
	}
	if err := app.Store.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{
		Settings: models.SSOSettings{LoginURL: cfg.LoginURL, LogoutURL: cfg.LogoutURL, Issuer: cfg.Issuer,
			Audience: cfg.Audience, TokenTTL: cfg.TokenTTL, AllowUnsolicited: cfg.AllowUnsolicited},
		NewSecret: cfg.Secret, Enable: cfg.Enabled,
	}); err != nil {
		t.Fatal(err)
	}
	if err := app.Store.SetVisibility(ctx, hc.ID, models.VisibilityPrivate, ""); err != nil {
		t.Fatal(err)
	}
	return &ssoSite{app: app, hc: hc, secret: cfg.Secret, base: app.HelpCenterURL(sub)}
}

// startFlow asks for a private page and returns the pending key the gate
// sent to the partner.
func (s *ssoSite) startFlow(t *testing.T, c *testapp.Client, path string) string {
	t.Helper()
	res := c.Get(s.base + path)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("gate on %s: %d\n%s", path, res.StatusCode, res.Body)
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	if !strings.HasPrefix(loc.String(), "https://partner.example/login?") || loc.Query().Get("tenant") != "7" {
		t.Fatalf("gate sent to %s", loc)
	}
	if loc.Query().Get("subdomain") != s.hc.Subdomain {
		t.Fatalf("subdomain %q", loc.Query().Get("subdomain"))
	}
	key := loc.Query().Get("key")
	if len(key) != 43 {
		t.Fatalf("key %q is not 32 random bytes in base64url", key)
	}
	return key
}

// claims are a valid token's claims at the app's current time.
func (s *ssoSite) claims(jti string) map[string]any {
	now := s.app.Clock.Now().Unix()
	return map[string]any{"jti": jti, "iss": "partner-app", "iat": now, "exp": now + 120, "email": "Jane@Example.com", "name": "Jane Doe"}
}

func (s *ssoSite) mint(t *testing.T, claims map[string]any) string {
	t.Helper()
	tok, err := sso.Mint(s.secret, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (s *ssoSite) submit(c *testapp.Client, token string) *testapp.Response {
	return c.Get(s.base + "/sso/jwt?jwt=" + url.QueryEscape(token))
}

// events lists the help center's event rows, oldest first.
func (s *ssoSite) events(t *testing.T) []models.Event {
	t.Helper()
	return storetest.Events(t, s.app.Config.Database, s.hc.ID)
}

func (s *ssoSite) lastEvent(t *testing.T) models.Event {
	t.Helper()
	evs := s.events(t)
	if len(evs) == 0 {
		t.Fatal("no event row")
	}
	return evs[len(evs)-1]
}

func hasSessionCookie(res *testapp.Response) bool {
	for _, line := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, "hc_session=") && !strings.HasPrefix(line, "hc_session=;") {
			return true
		}
	}
	return false
}

func TestSignInThroughTheGate(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	c := s.app.Client(t)
	key := s.startFlow(t, c, "/articles/setup?tab=2")
	res := s.submit(c, s.mint(t, s.claims(key)))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/articles/setup?tab=2" {
		t.Fatalf("sign-in: %d → %q\n%s", res.StatusCode, res.Header.Get("Location"), res.Body)
	}
	if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("headers %v", res.Header)
	}
	var cookie string
	for _, line := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, "hc_session=") {
			cookie = line
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(strings.ToLower(cookie), "domain=") || strings.Contains(cookie, "Secure") {
		t.Errorf("session cookie must be host-only and not Secure on http: %q", cookie)
	}
	home := c.Get(s.base + "/")
	if home.StatusCode != 200 || !strings.Contains(home.Body, "Signed in as Jane Doe") || !strings.Contains(home.Body, `href="/logout"`) {
		t.Fatalf("signed-in home: %d\n%s", home.StatusCode, home.Body)
	}
	ev := s.lastEvent(t)
	if ev.Event != models.EventRedirectSucceeded || ev.Reason != "" || ev.Email != "Jane@Example.com" || ev.JTI != key || ev.IP != "127.0.0.1" {
		t.Fatalf("event %+v", ev)
	}
	if want := "Shared secret " + sso.Fingerprint(s.secret); ev.Key != want {
		t.Errorf("event names key %q, want %q", ev.Key, want)
	}
	u, err := s.app.Store.UserByEmail(context.Background(), s.hc.ID, "jane@example.com")
	if err != nil || u.Name != "Jane Doe" || u.Role != models.RoleViewer {
		t.Fatalf("provisioned %+v %v", u, err)
	}
}

func TestEveryReasonCode(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true, Issuer: "partner-app", Audience: "helpcenter"})
	withAud := func(m map[string]any) map[string]any { m["aud"] = "helpcenter"; return m }
	type tc struct {
		reason sso.ReasonCode
		status int
		token  func(c *testapp.Client) string
	}
	flowKey := func(c *testapp.Client) string { return s.startFlow(t, c, "/") }
	tests := []tc{
		{sso.ReasonMalformed, 401, func(*testapp.Client) string { return "not.a.jwt" }},
		{sso.ReasonInvalidSignature, 401, func(c *testapp.Client) string {
			tok, _ := sso.Mint("another-secret-another-secret-another-secret", withAud(s.claims(flowKey(c))))
			return tok
		}},
		{sso.ReasonMissingRequiredClaim, 401, func(c *testapp.Client) string {
			m := withAud(s.claims(flowKey(c)))
			delete(m, "email")
			return s.mint(t, m)
		}},
		{sso.ReasonInvalidClaim, 401, func(c *testapp.Client) string {
			m := withAud(s.claims(flowKey(c)))
			m["role"] = "superuser"
			return s.mint(t, m)
		}},
		{sso.ReasonExpired, 401, func(c *testapp.Client) string {
			m := withAud(s.claims(flowKey(c)))
			m["exp"] = s.app.Clock.Now().Unix() - 31
			return s.mint(t, m)
		}},
		{sso.ReasonIssuedInFuture, 401, func(c *testapp.Client) string {
			m := withAud(s.claims(flowKey(c)))
			m["iat"] = s.app.Clock.Now().Unix() + 31
			return s.mint(t, m)
		}},
		{sso.ReasonNotYetValid, 401, func(c *testapp.Client) string {
			m := withAud(s.claims(flowKey(c)))
			m["nbf"] = s.app.Clock.Now().Unix() + 31
			return s.mint(t, m)
		}},
		{sso.ReasonTooOld, 401, func(c *testapp.Client) string {
			m := withAud(s.claims(flowKey(c)))
			m["iat"] = s.app.Clock.Now().Unix() - 301
			return s.mint(t, m)
		}},
		{sso.ReasonIssuerMismatch, 401, func(c *testapp.Client) string {
			m := withAud(s.claims(flowKey(c)))
			m["iss"] = "evil"
			return s.mint(t, m)
		}},
		{sso.ReasonAudienceMismatch, 401, func(c *testapp.Client) string { return s.mint(t, s.claims(flowKey(c))) }},
		{sso.ReasonUnknownKey, 401, func(*testapp.Client) string { return s.mint(t, withAud(s.claims("a-key-we-never-issued"))) }},
		{sso.ReasonKeyMismatch, 401, func(*testapp.Client) string {
			other := s.app.Client(t)
			return s.mint(t, withAud(s.claims(flowKey(other))))
		}},
		{sso.ReasonReplayed, 401, func(c *testapp.Client) string {
			tok := s.mint(t, withAud(s.claims(flowKey(c))))
			if res := s.submit(c, tok); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("first use: %d", res.StatusCode)
			}
			c.HTTP.Jar, _ = newJar() // another browser
			return tok
		}},
		{sso.ReasonUserBanned, 403, func(c *testapp.Client) string {
			if _, _, err := s.app.Store.SetUserBanned(context.Background(), s.hc.ID, "BANNED@example.com", true); err != nil {
				t.Fatal(err)
			}
			m := withAud(s.claims(flowKey(c)))
			m["email"], m["external_id"] = "banned@example.com", "u-9"
			return s.mint(t, m)
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.reason), func(t *testing.T) {
			c := s.app.Client(t)
			tok := tt.token(c)
			before := len(s.events(t))
			res := s.submit(c, tok)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d\n%s", res.StatusCode, tt.status, res.Body)
			}
			r, _ := sso.LookupReason(tt.reason)
			if !strings.Contains(res.Body, string(tt.reason)) || !strings.Contains(res.Body, htmlEscape(r.Explanation)) || !strings.Contains(res.Body, "Try again") {
				t.Errorf("page lacks the code, its explanation or Try again")
			}
			// The visitor reads what happened in their words; the technical
			// explanation is folded beneath it for the partner's developers.
			if !strings.Contains(res.Body, htmlEscape(sso.VisitorMessage(tt.reason))) || !strings.Contains(res.Body, `<details class="tech">`) {
				t.Errorf("page lacks the visitor's message or the folded detail")
			}
			if hasSessionCookie(res) {
				t.Errorf("a rejection set a session cookie")
			}
			if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Location") != "" {
				t.Errorf("rejection must not be cached or redirect: %v", res.Header)
			}
			evs := s.events(t)
			if len(evs) != before+1 {
				t.Fatalf("%d event rows for one outcome", len(evs)-before)
			}
			ev := evs[len(evs)-1]
			if ev.Event != models.EventRedirectRejected || ev.Reason != string(tt.reason) || ev.Detail == "" {
				t.Fatalf("event %+v", ev)
			}
			// Email and jti only from a token whose signature verified.
			if signed := tt.reason != sso.ReasonMalformed && tt.reason != sso.ReasonInvalidSignature; signed != (ev.JTI != "") {
				t.Errorf("jti %q logged for %s", ev.JTI, tt.reason)
			}
			// The key is named once it checked the signature (SPEC section 6).
			if signed := tt.reason != sso.ReasonMalformed && tt.reason != sso.ReasonInvalidSignature; signed != strings.HasPrefix(ev.Key, "Shared secret ") {
				t.Errorf("key %q logged for %s", ev.Key, tt.reason)
			}
			if strings.Contains(s.app.Logs.String(), tok) {
				t.Errorf("the raw token reached the log")
			}
		})
	}
	t.Run(string(sso.ReasonSSONotConfigured), func(t *testing.T) {
		off := addSSOSite(t, s.app, "initech", ssoConfig{Enabled: false})
		c := s.app.Client(t)
		res := c.Get(off.base + "/")
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(res.Body, "sso_not_configured") {
			t.Fatalf("gate with SSO off: %d", res.StatusCode)
		}
		if ev := off.lastEvent(t); ev.Reason != "sso_not_configured" || ev.Event != models.EventRedirectRejected {
			t.Fatalf("gate row %+v", ev)
		}
		res = off.submit(c, off.mint(t, off.claims("k")))
		if res.StatusCode != http.StatusServiceUnavailable || hasSessionCookie(res) {
			t.Fatalf("token with SSO off: %d", res.StatusCode)
		}
	})
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestHarmlessRepeatAndReplay(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	c := s.app.Client(t)
	key := s.startFlow(t, c, "/deep?x=1")
	tok := s.mint(t, s.claims(key))
	if res := s.submit(c, tok); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first: %d", res.StatusCode)
	}
	session := c.Cookie(s.base, "hc_session").Value

	// A double click 59 s later: sent on as before, same session.
	s.app.Clock.Advance(59 * time.Second)
	res := s.submit(c, tok)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/deep?x=1" || hasSessionCookie(res) {
		t.Fatalf("repeat: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if ev := s.lastEvent(t); ev.Event != models.EventRedirectSucceeded || !strings.HasPrefix(ev.Detail, "repeat") {
		t.Fatalf("repeat row %+v", ev)
	}
	if c.Cookie(s.base, "hc_session").Value != session {
		t.Fatal("a repeat replaced the session")
	}
	// The same token from another browser is a replay.
	other := s.app.Client(t)
	if res := s.submit(other, tok); res.StatusCode != 401 || !strings.Contains(res.Body, "jwt_replayed") {
		t.Fatalf("other browser: %d", res.StatusCode)
	}
	// And from this browser once the 60 s are over.
	s.app.Clock.Advance(time.Second)
	if res := s.submit(c, tok); res.StatusCode != 401 || !strings.Contains(res.Body, "jwt_replayed") {
		t.Fatalf("after 60 s: %d", res.StatusCode)
	}
	// A rejection leaves the existing session as it was.
	if home := c.Get(s.base + "/"); !strings.Contains(home.Body, "Signed in as Jane Doe") {
		t.Fatal("a rejected token signed the visitor out")
	}
}

func TestHeadConsumesNothing(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	c := s.app.Client(t)
	key := s.startFlow(t, c, "/")
	tok := s.mint(t, s.claims(key))
	req, _ := http.NewRequest(http.MethodHead, s.base+"/sso/jwt?jwt="+tok, nil)
	res := c.Do(req)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, POST" ||
		res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("HEAD: %d %v", res.StatusCode, res.Header)
	}
	if len(s.events(t)) != 0 {
		t.Fatal("HEAD wrote an event")
	}
	if res := s.submit(c, tok); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the token after HEAD: %d", res.StatusCode)
	}
}

func TestPostAndCrossSiteResubmit(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	c := s.app.Client(t)
	key := s.startFlow(t, c, "/x")
	tok := s.mint(t, s.claims(key))

	// A cross-site POST carries no Lax cookie: we answer with a page that
	// re-submits from our origin, and consume nothing.
	stranger := s.app.Client(t)
	res := stranger.PostForm(s.base+"/sso/jwt", url.Values{"jwt": {tok}})
	if res.StatusCode != 200 || !strings.Contains(res.Body, `name="resubmitted" value="1"`) || !strings.Contains(res.Body, "data-autosubmit") ||
		!strings.Contains(res.Body, ">Continue<") || res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("bounce page: %d\n%s", res.StatusCode, res.Body)
	}
	if len(s.events(t)) != 0 {
		t.Fatal("the bounce wrote an event row")
	}
	// The re-submission from the browser that has the cookie signs in.
	res = c.PostForm(s.base+"/sso/jwt", url.Values{"jwt": {tok}, "resubmitted": {"1"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/x" {
		t.Fatalf("POST sign-in: %d", res.StatusCode)
	}
	// The re-submit page re-submits the same form, return_to included.
	res = stranger.PostForm(s.base+"/sso/jwt", url.Values{"jwt": {"x.y.z"}, "return_to": {"/articles/x"}})
	if !strings.Contains(res.Body, `name="return_to" value="/articles/x"`) {
		t.Fatalf("bounce page drops return_to:\n%s", res.Body)
	}
	// A marked re-submission without the cookie is judged as it is.
	key2 := s.startFlow(t, s.app.Client(t), "/")
	res = stranger.PostForm(s.base+"/sso/jwt", url.Values{"jwt": {s.mint(t, s.claims(key2))}, "resubmitted": {"1"}})
	if res.StatusCode != 401 || !strings.Contains(res.Body, "jwt_key_mismatch") {
		t.Fatalf("marked resubmission without cookie: %d", res.StatusCode)
	}
}

func TestUnsolicitedSignIn(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	c := s.app.Client(t)
	res := s.submit(c, s.mint(t, s.claims("random-jti-1")))
	if res.StatusCode != 401 || !strings.Contains(res.Body, "jwt_unknown_key") {
		t.Fatalf("unsolicited while off: %d", res.StatusCode)
	}
	ctx := context.Background()
	if err := s.app.Store.UpdateSSOSettings(ctx, s.hc.WorkspaceID, s.hc.ID, store.SSOUpdate{Settings: models.SSOSettings{LoginURL: partnerLogin, TokenTTL: 300, AllowUnsolicited: true}, Enable: true}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ returnTo, want string }{
		{"", "/"},
		{"/articles/billing?x=1", "/articles/billing?x=1"},
		{"//evil.example", "/"},
		{"https://evil.example", "/"},
		{`/\evil.example`, "/"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"},
		{"javascript:alert(1)", "/"},
	}
	for i, tt := range tests {
		t.Run(tt.returnTo, func(t *testing.T) {
			c := s.app.Client(t)
			tok := s.mint(t, s.claims(fmt.Sprintf("unsolicited-%d", i)))
			res := c.Get(s.base + "/sso/jwt?jwt=" + url.QueryEscape(tok) + "&return_to=" + url.QueryEscape(tt.returnTo))
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tt.want {
				t.Fatalf("%d → %q, want %q", res.StatusCode, res.Header.Get("Location"), tt.want)
			}
		})
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	t.Run("without a Logout URL", func(t *testing.T) {
		s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
		c := s.app.Client(t)
		s.submit(c, s.mint(t, s.claims(s.startFlow(t, c, "/"))))
		old := c.Cookie(s.base, "hc_session").Value
		res := c.Get(s.base + "/logout")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Fatalf("logout: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		res = c.Get(s.base + "/")
		if res.StatusCode != 200 || !strings.Contains(res.Body, "You are signed out") || !strings.Contains(res.Body, "Sign in") {
			t.Fatalf("first visit after logout: %d", res.StatusCode)
		}
		if res := c.Get(s.base + "/"); res.StatusCode != http.StatusFound {
			t.Fatalf("later visits go through the gate: %d", res.StatusCode)
		}
		// The old cookie never signs in again.
		replay := s.app.Client(t)
		replay.HTTP.Jar.SetCookies(mustURL(s.base), []*http.Cookie{{Name: "hc_session", Value: old}})
		if res := replay.Get(s.base + "/"); res.StatusCode != http.StatusFound {
			t.Fatalf("old session cookie after logout: %d", res.StatusCode)
		}
	})
	t.Run("with a Logout URL, by POST", func(t *testing.T) {
		s := newSSOSite(t, "acme", ssoConfig{Enabled: true, LogoutURL: "https://partner.example/signed-out"})
		c := s.app.Client(t)
		s.submit(c, s.mint(t, s.claims(s.startFlow(t, c, "/"))))
		res := c.PostForm(s.base+"/logout", nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "https://partner.example/signed-out" {
			t.Fatalf("logout: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res := c.Get(s.base + "/"); res.StatusCode != http.StatusFound {
			t.Fatalf("after logout: %d", res.StatusCode)
		}
	})
}

// The same token submitted 50 times at once from one browser: exactly one
// session, 49 jwt_replayed rows.
func TestConcurrentSubmissions(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true}, testapp.Options{Env: map[string]string{"HELPCENTER_TRUSTED_PROXIES": "127.0.0.1/32"}})
	c := s.app.Client(t)
	tok := s.mint(t, s.claims(s.startFlow(t, c, "/")))
	bid := c.Cookie(s.base, "hc_bid")
	var wg sync.WaitGroup
	statuses := make([]int, 50)
	for i := range statuses {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			one := s.app.Client(t)
			one.HTTP.Jar.SetCookies(mustURL(s.base), []*http.Cookie{bid})
			// Distinct client addresses, so the per-IP limit is not what refuses.
			one.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
			statuses[i] = s.submit(one, tok).StatusCode
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, st := range statuses {
		if st == http.StatusSeeOther {
			ok++
		}
	}
	replayed, succeeded := 0, 0
	for _, ev := range s.events(t) {
		switch {
		case ev.Event == models.EventRedirectSucceeded:
			succeeded++
		case ev.Reason == string(sso.ReasonReplayed):
			replayed++
		}
	}
	if ok != 1 || succeeded != 1 || replayed != 49 {
		t.Fatalf("%d sign-ins, %d success rows, %d replay rows (statuses %v)", ok, succeeded, replayed, statuses)
	}
	if n := storetest.CountVisitorSessions(t, s.app.Config.Database, s.hc.ID); n != 1 {
		t.Fatalf("%d sessions", n)
	}
}

// The /sso/jwt limit counts rejected outcomes and never refuses a token
// that verifies: an office of 100 people behind one address all sign in
// within a minute, while a script sending bad tokens is stopped (SPEC
// section 3).
func TestSSORateLimit(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	for i := 0; i < 100; i++ {
		c := s.app.Client(t)
		key := s.startFlow(t, c, "/")
		if res := s.submit(c, s.mint(t, s.claims(key))); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("office sign-in %d: %d", i+1, res.StatusCode)
		}
	}
	c := s.app.Client(t)
	for i := 0; i < 30; i++ {
		if res := s.submit(c, "garbage"); res.StatusCode != 401 {
			t.Fatalf("try %d: %d", i+1, res.StatusCode)
		}
	}
	for i := 0; i < 2; i++ {
		res := s.submit(c, "garbage")
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(res.Body, "Too many sign-in attempts") {
			t.Fatalf("past the limit: %d %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
	}
	var limited []models.Event
	for _, e := range s.events(t) {
		if e.Reason == string(sso.ReasonRateLimited) {
			limited = append(limited, e)
		}
	}
	if len(limited) != 1 || limited[0].Count != 2 || limited[0].Event != models.EventRedirectRejected {
		t.Fatalf("rate_limited rows: %+v", limited)
	}
	// Past the limit, a token that verifies still signs in.
	key := s.startFlow(t, c, "/")
	if res := s.submit(c, s.mint(t, s.claims(key))); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a verified sign-in past the limit: %d", res.StatusCode)
	}
	s.app.Clock.Advance(61 * time.Second)
	if res := s.submit(c, "garbage"); res.StatusCode != 401 {
		t.Fatalf("after a minute: %d", res.StatusCode)
	}
}

func TestRejectionFloodIsSummarised(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	ctx := context.Background()
	now := s.app.Clock.Now()
	for i := 0; i < store.RejectedCeiling+25; i++ {
		if err := s.app.Store.LogEvent(ctx, &models.Event{HelpCenterID: s.hc.ID, CreatedAt: now, Event: models.EventRedirectRejected, Reason: "jwt_malformed", Detail: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	evs := s.events(t)
	if len(evs) != store.RejectedCeiling+1 {
		t.Fatalf("%d rows for %d rejections", len(evs), store.RejectedCeiling+25)
	}
	last := evs[len(evs)-1]
	if !last.Summary || last.Count != 25 {
		t.Fatalf("summary row %+v", last)
	}
	// The next minute logs one by one again.
	if err := s.app.Store.LogEvent(ctx, &models.Event{HelpCenterID: s.hc.ID, CreatedAt: now.Add(time.Minute), Event: models.EventRedirectRejected, Reason: "jwt_expired"}); err != nil {
		t.Fatal(err)
	}
	if evs := s.events(t); evs[len(evs)-1].Summary {
		t.Fatal("a new minute was summarised")
	}
}

// A session or token of one help center is worthless on another.
func TestSSOTenantIsolation(t *testing.T) {
	t.Parallel()
	a := newSSOSite(t, "alpha", ssoConfig{Enabled: true})
	b := addSSOSite(t, a.app, "beta", ssoConfig{Enabled: true})
	c := a.app.Client(t)
	a.submit(c, a.mint(t, a.claims(a.startFlow(t, c, "/"))))
	session := c.Cookie(a.base, "hc_session")

	other := a.app.Client(t)
	other.HTTP.Jar.SetCookies(mustURL(b.base), []*http.Cookie{{Name: "hc_session", Value: session.Value}})
	if res := other.Get(b.base + "/"); res.StatusCode != http.StatusFound {
		t.Fatalf("alpha's session on beta: %d", res.StatusCode)
	}
	// Alpha's token (alpha's secret, even with a key beta issued) fails on beta.
	key := b.startFlow(t, c, "/")
	if res := b.submit(c, a.mint(t, a.claims(key))); res.StatusCode != 401 || !strings.Contains(res.Body, "jwt_invalid_signature") {
		t.Fatalf("alpha's token on beta: %d", res.StatusCode)
	}
	// A key beta issued is unknown to alpha.
	key = b.startFlow(t, c, "/")
	if res := a.submit(c, a.mint(t, a.claims(key))); res.StatusCode != 401 || !strings.Contains(res.Body, "jwt_unknown_key") {
		t.Fatalf("beta's key on alpha: %d", res.StatusCode)
	}
}

func TestProvisioningRules(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true, AllowUnsolicited: true})
	ctx := context.Background()
	signIn := func(jti string, extra map[string]any) *testapp.Response {
		m := s.claims(jti)
		for k, v := range extra {
			m[k] = v
		}
		return s.submit(s.app.Client(t), s.mint(t, m))
	}
	signIn("p1", map[string]any{"external_id": 42, "role": "editor", "lang": "pt-BR", "custom_fields": map[string]any{"plan": "pro"}})
	// The partner changes the email: external_id follows the same user.
	signIn("p2", map[string]any{"external_id": "42", "email": "jane.new@example.com", "name": "Jane N."})
	u, err := s.app.Store.UserByEmail(ctx, s.hc.ID, "JANE.NEW@example.com")
	if err != nil || u.ExternalID != "42" || u.Name != "Jane N." || u.Role != models.RoleViewer {
		t.Fatalf("refreshed user %+v %v", u, err)
	}
	if _, err := s.app.Store.UserByEmail(ctx, s.hc.ID, "jane@example.com"); err == nil {
		t.Fatal("an email change created a second user")
	}
	// Profile claims the token leaves out are kept; a null clears one.
	if u.Lang != "pt-BR" || !strings.Contains(u.CustomFields, `"plan"`) {
		t.Fatalf("absent profile claims were not kept: %+v", u)
	}
	signIn("p2b", map[string]any{"external_id": "42", "email": "jane.new@example.com", "name": "Jane N.", "lang": nil})
	if u, _ = s.app.Store.UserByEmail(ctx, s.hc.ID, "jane.new@example.com"); u.Lang != "" || !strings.Contains(u.CustomFields, `"plan"`) {
		t.Fatalf("lang: null did not clear lang alone: %+v", u)
	}
	// Without external_id, the email decides, case-insensitively.
	signIn("p3", map[string]any{"email": "BOB@example.com", "name": "Bob"})
	signIn("p4", map[string]any{"email": "bob@EXAMPLE.com", "name": "Bobby"})
	bob, _ := s.app.Store.UserByEmail(ctx, s.hc.ID, "bob@example.com")
	if bob.Name != "Bobby" {
		t.Fatalf("bob %+v", bob)
	}
	// Banned stays banned, whatever the token says; a ban by email before
	// the first sign-in holds against a token with an external_id.
	s.app.Store.SetUserBanned(ctx, s.hc.ID, "eve@example.com", true)
	if res := signIn("p5", map[string]any{"email": "eve@example.com", "external_id": "e-1", "role": "admin"}); res.StatusCode != 403 {
		t.Fatalf("banned by email: %d", res.StatusCode)
	}
	if res := signIn("p6", map[string]any{"email": "eve@example.com", "external_id": "e-1"}); res.StatusCode != 403 {
		t.Fatalf("banned user on the next token: %d", res.StatusCode)
	}
	// Nor by bringing another external_id for the banned email.
	if res := signIn("p7", map[string]any{"email": "EVE@example.com", "external_id": "e-2"}); res.StatusCode != 403 {
		t.Fatalf("banned email with a new external_id: %d", res.StatusCode)
	}
	signIn("p8", map[string]any{"email": "mallory@example.com", "external_id": "m-1"})
	s.app.Store.SetUserBanned(ctx, s.hc.ID, "mallory@example.com", true)
	if res := signIn("p9", map[string]any{"email": "mallory@example.com", "external_id": "m-2"}); res.StatusCode != 403 {
		t.Fatalf("a user banned after signing in came back with another external_id: %d", res.StatusCode)
	}
	// A refused token changes nothing of the banned user: two tokens with
	// her external_id and other emails cannot move the ban off her email.
	for i, email := range []string{"mallory.alt@example.com", "mallory.alt2@example.com"} {
		if res := signIn(fmt.Sprintf("p10-%d", i), map[string]any{"email": email, "name": "Not Mallory", "external_id": "m-1"}); res.StatusCode != 403 {
			t.Fatalf("banned external_id with email %s: %d", email, res.StatusCode)
		}
	}
	if m, err := s.app.Store.UserByEmail(ctx, s.hc.ID, "mallory@example.com"); err != nil || !m.Banned || m.Name != "Jane Doe" {
		t.Fatalf("a refused token rewrote the banned user: %+v %v", m, err)
	}
	if res := signIn("p11", map[string]any{"email": "mallory@example.com"}); res.StatusCode != 403 {
		t.Fatalf("the banned email signed in after refused tokens: %d", res.StatusCode)
	}
}

func TestPasswordVisibility(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	ctx := context.Background()
	hash, _ := accountsHash("open sesame 1")
	if err := s.app.Store.SetVisibility(ctx, s.hc.ID, models.VisibilityPassword, hash); err != nil {
		t.Fatal(err)
	}
	c := s.app.Client(t)
	res := c.Get(s.base + "/guide")
	if res.StatusCode != 200 || !strings.Contains(res.Body, `for="site_password"`) || !strings.Contains(res.Body, "/sso/login?return_to=%2Fguide") {
		t.Fatalf("password form: %d\n%s", res.StatusCode, res.Body)
	}
	res = c.Submit(s.base+"/guide", s.base+"/password", url.Values{"password": {"wrong"}, "return_to": {"/guide"}})
	if res.StatusCode != 401 || !strings.Contains(res.Body, "That password is not right") {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	res = c.Submit(s.base+"/guide", s.base+"/password", url.Values{"password": {"open sesame 1"}, "return_to": {"//evil.example"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("right password: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := c.Get(s.base + "/"); res.StatusCode != 200 || strings.Contains(res.Body, `for="site_password"`) {
		t.Fatalf("after the password: %d", res.StatusCode)
	}
	// Changing the password locks out browsers that knew the old one, once
	// page views stop using the cached settings (one second at most).
	hash2, _ := accountsHash("a new password")
	s.app.Store.SetVisibility(ctx, s.hc.ID, models.VisibilityPassword, hash2)
	s.app.Clock.Advance(2 * time.Second)
	if res := c.Get(s.base + "/"); !strings.Contains(res.Body, `for="site_password"`) {
		t.Fatal("old password cookie still works")
	}
	// SSO works beside the password.
	res = c.Get(s.base + "/sso/login?return_to=%2Fguide")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "https://partner.example/login") {
		t.Fatalf("SSO from the password page: %d", res.StatusCode)
	}
}

func TestStaticFilesAreNeverGated(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	c := s.app.Client(t)
	for _, p := range []string{"/static/app.css", "/favicon.ico", "/robots.txt"} {
		if res := c.Get(s.base + p); res.StatusCode != 200 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
	if n := len(s.events(t)); n != 0 {
		t.Fatalf("static files started %d flows", n)
	}
}

// Only a GET starts a sign-in: other methods hand out no key and send
// nobody to the Login URL.
func TestGateStartsOnlyOnGet(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	c := s.app.Client(t)
	for _, m := range []string{http.MethodHead, http.MethodOptions, http.MethodPut} {
		for _, path := range []string{"/", "/sso/jwt", "/articles/x"} {
			req, _ := http.NewRequest(m, s.base+path, nil)
			res := c.Do(req)
			if res.StatusCode == http.StatusFound || res.Header.Get("Location") != "" {
				t.Errorf("%s %s started a sign-in: %d", m, path, res.StatusCode)
			}
		}
	}
	if c.Cookie(s.base, "hc_bid") != nil {
		t.Fatal("a browser id was handed out")
	}
	if n := countRows(t, s.app, "pending_keys"); n != 0 {
		t.Fatalf("%d pending keys", n)
	}
}

// A partner that sends the token as the widget does, in an Authorization
// header, is told where /sso/jwt expects it.
func TestBearerHeaderOnSSOJWTSaysWhereTheTokenGoes(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	c := s.app.Client(t)
	key := s.startFlow(t, c, "/")
	req, _ := http.NewRequest(http.MethodGet, s.base+"/sso/jwt", nil)
	req.Header.Set("Authorization", "Bearer "+s.mint(t, s.claims(key)))
	res := c.Do(req)
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, string(sso.ReasonMalformed)) {
		t.Fatalf("%d\n%s", res.StatusCode, res.Body)
	}
	if ev := s.lastEvent(t); !strings.Contains(ev.Detail, "Authorization: Bearer header") || !strings.Contains(ev.Detail, "?jwt=") {
		t.Errorf("detail %q does not say where the token goes", ev.Detail)
	}
}

// Report-only rollout: a visitor whose sign-in fails reads the help center
// anyway, as a viewer without a session; the row says so; a good token
// still signs in; with the rollout off the same failure keeps them out.
func TestReportOnlyRollout(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	ctx := context.Background()
	setReportOnly := func(on bool) {
		hc, _ := s.app.Store.HelpCenterByID(ctx, s.hc.ID)
		settings := hc.SSOSettings()
		settings.ReportOnly = on
		if err := s.app.Store.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: settings}); err != nil {
			t.Fatal(err)
		}
		s.app.Clock.Advance(2 * time.Second) // past the page cache
	}
	setReportOnly(true)
	c := s.app.Client(t)
	key := s.startFlow(t, c, "/articles/x")
	bad := s.claims(key)
	bad["exp"] = s.app.Clock.Now().Add(-time.Hour).Unix()
	res := s.submit(c, s.mint(t, bad))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("a failed sign-in in report-only: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	ev := s.lastEvent(t)
	if ev.Reason != string(sso.ReasonExpired) || !strings.HasPrefix(ev.Detail, sso.ReportOnlyMark) {
		t.Fatalf("row %+v", ev)
	}
	if home := c.Get(s.base + "/"); home.StatusCode != http.StatusOK || strings.Contains(home.Body, "Signed in as") {
		t.Fatalf("the visitor let in: %d", home.StatusCode)
	}
	// A good token still makes a real session.
	c2 := s.app.Client(t)
	key = s.startFlow(t, c2, "/")
	if res := s.submit(c2, s.mint(t, s.claims(key))); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("good token: %d", res.StatusCode)
	}
	if home := c2.Get(s.base + "/"); !strings.Contains(home.Body, "Signed in as Jane Doe") {
		t.Fatal("a good token in report-only did not sign in")
	}
	if ev := s.lastEvent(t); ev.Event != models.EventRedirectSucceeded || !strings.HasPrefix(ev.Detail, sso.ReportOnlySuccessMark) {
		t.Fatalf("a success in report-only is not marked: %+v", ev)
	}
	// Off again: the pass no longer opens the help center, and a failure
	// is a rejection page.
	setReportOnly(false)
	if res := c.Get(s.base + "/"); res.StatusCode != http.StatusFound {
		t.Fatalf("the report-only pass outlived the rollout: %d", res.StatusCode)
	}
	key = s.startFlow(t, c, "/")
	bad = s.claims(key)
	bad["exp"] = s.app.Clock.Now().Add(-time.Hour).Unix()
	if res := s.submit(c, s.mint(t, bad)); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a failed sign-in with the rollout off: %d", res.StatusCode)
	}
}
