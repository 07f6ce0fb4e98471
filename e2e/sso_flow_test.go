package e2e

import (
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"

	"helpcenter/internal/demo"
	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/store"
)

// partnerApp is the customer's own application, as a test double built
// the way a partner would build it: its own server, signing with
// golang-jwt, knowing nothing of helpcenter's code.
type partnerApp struct {
	*httptest.Server
	secret string
}

var partnerLoginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html><head><title>Partner App</title></head><body>
<h1>Partner App</h1>
<form method="post" action="/login">
<input type="hidden" name="key" value="{{.Key}}">
<input type="hidden" name="subdomain" value="{{.Subdomain}}">
<label for="email">Your email</label><input id="email" name="email">
<label for="name">Your name</label><input id="name" name="name">
<label for="role">Your role</label><select id="role" name="role"><option>editor</option><option>viewer</option><option>admin</option></select>
<button type="submit">Continue to help</button>
</form></body></html>`))

func newPartnerApp(t *testing.T, secret, helpCenterURL string) *partnerApp {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		partnerLoginPage.Execute(w, map[string]string{"Key": r.URL.Query().Get("key"), "Subdomain": r.URL.Query().Get("subdomain")})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"jti": r.FormValue("key"), "iss": "partner-app", "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
			"email": r.FormValue("email"), "name": r.FormValue("name"), "role": r.FormValue("role"),
		}).SignedString([]byte(secret))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		http.Redirect(w, r, helpCenterURL+"/sso/jwt?jwt="+url.QueryEscape(tok), http.StatusFound)
	})
	mux.HandleFunc("GET /goodbye", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<!doctype html><title>Bye</title><h1>You left the help center. See you in the Partner App.</h1>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &partnerApp{Server: srv, secret: secret}
}

// A visitor opens a deep link on a private help center, is sent through
// the partner app and lands on that page signed in; signs out; lands on
// the Logout URL.
func TestSSODeepLinkSignInAndOut(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	b := newBrowser(t)
	// The browser runs on the real clock; so does the partner app.
	app.Clock.Set(time.Now())
	app.Signup(t, "owner@acme.test", "a long enough password", "Acme Help", "acme")
	ctx := context.Background()
	hc, _ := app.Store.HelpCenterBySubdomain(ctx, "acme")
	secret := "e2e-partner-secret-0123456789abcdefghijklmnop"
	partner := newPartnerApp(t, secret, app.HelpCenterURL("acme"))
	if err := app.Store.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: models.SSOSettings{LoginURL: partner.URL + "/login", LogoutURL: partner.URL + "/goodbye", Issuer: "partner-app", TokenTTL: 300}, Enable: true, NewSecret: secret}); err != nil {
		t.Fatal(err)
	}
	if err := app.Store.SetVisibility(ctx, hc.ID, models.VisibilityPrivate, ""); err != nil {
		t.Fatal(err)
	}

	deepLink := app.HelpCenterURL("acme") + "/?topic=billing"
	b.open(deepLink)
	b.see("Partner App")
	b.fill("Your email", "jane@acme.test")
	b.fill("Your name", "Jane Doe")
	b.click("Continue to help")
	b.see("Signed in as Jane Doe")
	if got := b.url(); got != deepLink {
		t.Fatalf("landed on %s, want %s", got, deepLink)
	}
	b.click("Sign out")
	b.see("You left the help center")
	if got := b.url(); got != partner.URL+"/goodbye" {
		t.Fatalf("after sign-out at %s", got)
	}
	// The help center now sends the visitor through the partner again.
	b.open(app.HelpCenterURL("acme") + "/")
	b.see("Partner App")
}

// With no Logout URL, signing out shows "You are signed out" once, and its
// "Sign in" button goes through the gate again.
func TestSSOSignOutWithoutLogoutURL(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	b := newBrowser(t)
	app.Clock.Set(time.Now())
	app.Signup(t, "owner@acme.test", "a long enough password", "Acme Help", "acme")
	ctx := context.Background()
	hc, _ := app.Store.HelpCenterBySubdomain(ctx, "acme")
	secret := "e2e-partner-secret-0123456789abcdefghijklmnop"
	partner := newPartnerApp(t, secret, app.HelpCenterURL("acme"))
	app.Store.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: models.SSOSettings{LoginURL: partner.URL + "/login", TokenTTL: 300}, Enable: true, NewSecret: secret})
	app.Store.SetVisibility(ctx, hc.ID, models.VisibilityPrivate, "")

	b.open(app.HelpCenterURL("acme") + "/")
	b.fill("Your email", "jane@acme.test")
	b.fill("Your name", "Jane Doe")
	b.click("Continue to help")
	b.see("Signed in as Jane Doe")
	b.click("Sign out")
	b.see("You are signed out")
	b.click("Sign in")
	b.see("Partner App")
}

// The demo workspace walks the whole flow with the built-in partner app.
func TestDemoWalkthrough(t *testing.T) {
	t.Parallel()
	app := testapp.New(t, testapp.Options{Env: map[string]string{"HELPCENTER_DEMO": "1"}})
	b := newBrowser(t)
	app.Clock.Set(time.Now())
	if _, err := demo.Seed(context.Background(), app.Store, app.Accounts, app.Config); err != nil {
		t.Fatal(err)
	}
	b.open(app.HelpCenterURL("acme") + "/")
	b.see("Acme App (demo)")
	b.click("Eddie Editor (editor)")
	b.click("Sign in to the help center")
	b.see("Signed in as Eddie Editor")
}

// A visitor on a help center's verified custom domain signs in through the
// demo partner and lands back on the custom domain, signed in (SPEC
// section 2: the verified domain is the canonical host). Chromium resolves
// the custom domain to loopback by --host-resolver-rules.
func TestCustomDomainSignIn(t *testing.T) {
	t.Parallel()
	app := testapp.New(t, testapp.Options{Env: map[string]string{"HELPCENTER_DEMO": "1"}})
	b := newBrowser(t, chromedp.Flag("host-resolver-rules", "MAP help.acme.test 127.0.0.1"))
	app.Clock.Set(time.Now())
	ctx := context.Background()
	if _, err := demo.Seed(ctx, app.Store, app.Accounts, app.Config); err != nil {
		t.Fatal(err)
	}
	hc, err := app.Store.HelpCenterBySubdomain(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Store.UpdateGeneral(ctx, hc.WorkspaceID, hc.ID, store.GeneralSettings{Name: hc.Name, CustomDomain: "help.acme.test", Visibility: hc.Visibility}); err != nil {
		t.Fatal(err)
	}
	hc, _ = app.Store.HelpCenterByID(ctx, hc.ID)
	if err := app.Store.MarkDomainVerified(ctx, hc.ID, "help.acme.test", hc.DomainToken); err != nil {
		t.Fatal(err)
	}
	custom := "http://help.acme.test:" + app.Port
	b.open(custom + "/")
	b.see("Acme App (demo)")
	b.click("Ada Admin (admin)")
	b.click("Sign in to the help center")
	b.see("Signed in as Ada Admin")
	if loc := b.location(); !strings.HasPrefix(loc, custom+"/") {
		t.Fatalf("signed in at %s, want the custom domain %s", loc, custom)
	}
	// The subdomain address sends the signed-in visitor to the same place.
	b.open(app.HelpCenterURL("acme") + "/")
	b.see("Signed in as Ada Admin")
	if loc := b.location(); !strings.HasPrefix(loc, custom+"/") {
		t.Fatalf("the subdomain did not redirect to the custom domain: %s", loc)
	}
}
