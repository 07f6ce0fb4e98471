package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/store"
)

func TestHostResolution(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	app.Signup(t, "a@example.com", pw, "Alpha Docs", "alpha")
	app.Signup(t, "b@example.com", pw, "Beta Docs", "beta")
	ctx := context.Background()
	beta, _ := app.Store.HelpCenterBySubdomain(ctx, "beta")
	if err := app.Store.UpdateGeneral(ctx, beta.WorkspaceID, beta.ID, store.GeneralSettings{
		Name: "Beta Docs", CustomDomain: "help.beta.test", Visibility: models.VisibilityPublic,
	}); err != nil {
		t.Fatal(err)
	}
	beta, _ = app.Store.HelpCenterByID(ctx, beta.ID)
	if err := app.Store.MarkDomainVerified(ctx, beta.ID, "help.beta.test", beta.DomainToken); err != nil {
		t.Fatal(err)
	}
	p := app.Port
	tests := []struct {
		host, want string
		status     int
	}{
		{"alpha.localhost:" + p, "Alpha Docs", 200},
		{"ALPHA.LOCALHOST:" + p, "Alpha Docs", 200},
		{"alpha.localhost.:" + p, "Alpha Docs", 200},
		{"beta.localhost:" + p, "", 308}, // to the verified custom domain
		{"help.beta.test:" + p, "Beta Docs", 200},
		{"HELP.Beta.Test.:" + p, "Beta Docs", 200},
		{"x.alpha.localhost:" + p, "", 404},
		{"alpha.localhost..:" + p, "", 404},
		{"gamma.localhost:" + p, "", 404},
		{"evil.test:" + p, "", 404},
		{"alpha.localhost.evil.test:" + p, "", 404},
		{"localhost.:" + p, "Sign in", 200},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			c := app.Client(t)
			path := "/"
			if tt.want == "Sign in" {
				path = "/login"
			}
			req, _ := http.NewRequest("GET", "http://placeholder"+path, nil)
			req.Host = tt.host
			res := c.Do(req)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if tt.want != "" && !strings.Contains(res.Body, tt.want) {
				t.Errorf("body lacks %q", tt.want)
			}
			if tt.status == 404 && (strings.Contains(res.Body, "Alpha") || strings.Contains(res.Body, "Beta")) {
				t.Errorf("404 leaks a help center")
			}
			if tt.status == 308 && res.Header.Get("Location") != "http://help.beta.test:"+p+"/" {
				t.Errorf("redirected to %q", res.Header.Get("Location"))
			}
		})
	}
}

func TestForwardedHostOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	untrusted := testapp.New(t)
	untrusted.Signup(t, "a@example.com", pw, "Alpha Docs", "alpha")
	c := untrusted.Client(t)
	c.Header.Set("X-Forwarded-Host", "alpha.localhost:"+untrusted.Port)
	res := c.Get(untrusted.BaseURL + "/login")
	if res.StatusCode != 200 || !strings.Contains(res.Body, "Sign in") {
		t.Fatalf("an untrusted X-Forwarded-Host was believed: %d", res.StatusCode)
	}

	trusted := testapp.New(t, testapp.Options{Env: map[string]string{"HELPCENTER_TRUSTED_PROXIES": "127.0.0.0/8"}})
	trusted.Signup(t, "a@example.com", pw, "Alpha Docs", "alpha")
	c = trusted.Client(t)
	c.Header.Set("X-Forwarded-Host", "alpha.localhost")
	res = c.Get(trusted.BaseURL + "/")
	if !strings.Contains(res.Body, "Alpha Docs") {
		t.Fatalf("a trusted proxy's X-Forwarded-Host was ignored: %d", res.StatusCode)
	}
}

// An admin of workspace A reaches nothing of workspace B, whatever host or
// ids the request carries.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	a := app.Signup(t, "a@example.com", pw, "Alpha Docs", "alpha")
	app.Signup(t, "b@example.com", pw, "Beta Docs", "beta")
	ctx := context.Background()

	// Console pages only show A's own help center.
	res := a.Get(app.BaseURL + "/settings/general")
	if strings.Contains(res.Body, "Beta Docs") {
		t.Fatal("A's settings show B's help center")
	}
	// Console routes do not exist on B's host, with A's cookie or without.
	for _, path := range []string{"/settings/general", "/login", "/signup"} {
		res := a.Get(app.HelpCenterURL("beta") + path)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s on B's host: %d", path, res.StatusCode)
		}
	}
	// Ids smuggled into the form are ignored: the tenant comes from the session.
	res = a.Submit(app.BaseURL+"/settings/general", app.BaseURL+"/settings/general", url.Values{
		"name": {"Hijacked"}, "visibility": {"public"}, "help_center_id": {"2"}, "workspace_id": {"2"}, "id": {"2"},
	})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	beta, _ := app.Store.HelpCenterBySubdomain(ctx, "beta")
	if beta.Name != "Beta Docs" {
		t.Fatalf("B's help center renamed by A: %q", beta.Name)
	}
	alpha, _ := app.Store.HelpCenterBySubdomain(ctx, "alpha")
	if alpha.Name != "Hijacked" {
		t.Fatalf("A's own save did not land: %q", alpha.Name)
	}
	// The store refuses a cross-tenant update outright.
	err := app.Store.UpdateGeneral(ctx, alpha.WorkspaceID, beta.ID, store.GeneralSettings{Name: "X", Visibility: models.VisibilityPublic})
	if err != models.ErrNotFound {
		t.Fatalf("cross-tenant store update: %v", err)
	}
}

func TestGeneralSettings(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	a := app.Signup(t, "a@example.com", pw, "Alpha Docs", "alpha")
	app.Signup(t, "b@example.com", pw, "Beta Docs", "beta")
	page := app.BaseURL + "/settings/general"
	b := app.Client(t)
	b.Submit(app.BaseURL+"/login", app.BaseURL+"/login", url.Values{"email": {"b@example.com"}, "password": {pw}})
	if res := b.Submit(page, page, url.Values{"name": {"Beta Docs"}, "custom_domain": {"docs.shared.test"}, "visibility": {"public"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("b save: %d", res.StatusCode)
	}
	beta, _ := app.Store.HelpCenterBySubdomain(context.Background(), "beta")
	if err := app.Store.MarkDomainVerified(context.Background(), beta.ID, beta.CustomDomain, beta.DomainToken); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, field, want string
		form              url.Values
	}{
		{"empty name", "name", "Enter a name", url.Values{"name": {""}, "visibility": {"public"}}},
		{"url as domain", "custom_domain", "host name like", url.Values{"name": {"A"}, "custom_domain": {"https://help.a.test/x"}, "visibility": {"public"}}},
		{"our own domain", "custom_domain", "not one of ours", url.Values{"name": {"A"}, "custom_domain": {"beta.localhost"}, "visibility": {"public"}}},
		{"taken domain", "custom_domain", "has verified this domain", url.Values{"name": {"A"}, "custom_domain": {"DOCS.shared.test"}, "visibility": {"public"}}},
		{"bad visibility", "visibility", "Choose Public", url.Values{"name": {"A"}, "visibility": {"secret"}}},
		{"password without password", "site_password", "Set a site password", url.Values{"name": {"A"}, "visibility": {"password"}}},
		{"short site password", "site_password", "at least 8", url.Values{"name": {"A"}, "visibility": {"password"}, "site_password": {"short"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.Submit(page, page, tt.form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", res.StatusCode)
			}
			if !strings.Contains(res.Body, tt.want) || !strings.Contains(res.Body, `id="`+tt.field+`-error"`) {
				t.Errorf("missing error %q for %s", tt.want, tt.field)
			}
			if v := tt.form.Get("custom_domain"); v != "" && !strings.Contains(res.Body, `value="`+v+`"`) {
				t.Errorf("input not kept")
			}
		})
	}

	res := a.Submit(page, page, url.Values{"name": {"Alpha Help"}, "custom_domain": {"Help.Alpha.test."}, "visibility": {"password"}, "site_password": {"open sesame"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid save: %d %s", res.StatusCode, res.Body)
	}
	hc, _ := app.Store.HelpCenterBySubdomain(context.Background(), "alpha")
	if hc.Name != "Alpha Help" || hc.CustomDomain != "help.alpha.test" || hc.Visibility != models.VisibilityPassword {
		t.Fatalf("saved %+v", hc)
	}
	if hc.SitePasswordHash == "" || strings.Contains(hc.SitePasswordHash, "open sesame") {
		t.Fatal("site password not hashed")
	}
	// Leaving the password blank keeps it.
	a.Submit(page, page, url.Values{"name": {"Alpha Help"}, "visibility": {"password"}})
	hc2, _ := app.Store.HelpCenterBySubdomain(context.Background(), "alpha")
	if hc2.SitePasswordHash != hc.SitePasswordHash {
		t.Fatal("blank site password replaced the saved one")
	}
	if res := a.Get(page + "?saved=1"); !strings.Contains(res.Body, "Settings saved.") || !strings.Contains(res.Body, "A site password is saved") {
		t.Fatal("saved page")
	}
}

func TestSecurityHeadersAndHealth(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	app.Signup(t, "a@example.com", pw, "Alpha Docs", "alpha")
	c := app.Client(t)
	for _, u := range []string{app.BaseURL + "/login", app.HelpCenterURL("alpha") + "/", "http://nowhere.test:" + app.Port + "/"} {
		res := c.Get(u)
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", u, csp, want)
			}
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or Referrer-Policy", u)
		}
	}
	// On every host: the console, a help center, an unknown name and the
	// bare address a load balancer probes.
	for _, host := range []string{"", "acme.localhost", "nobody.example", "127.0.0.1"} {
		req, _ := http.NewRequest(http.MethodGet, app.BaseURL+"/healthz", nil)
		if host != "" {
			req.Host = host + ":" + app.Port
		}
		res := c.Do(req)
		if res.StatusCode != 200 || strings.TrimSpace(res.Body) != `{"status":"ok"}` {
			t.Errorf("healthz on host %q: %d %s", host, res.StatusCode, res.Body)
		}
	}
}

func TestStaticAssetsAreVersionedAndCached(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Client(t)
	page := c.Get(app.BaseURL + "/login").Body
	i := strings.Index(page, "/static/vendor/htmx-")
	if i < 0 {
		t.Fatal("login page does not load htmx")
	}
	src := page[i : i+strings.Index(page[i:], `"`)]
	res := c.Get(app.BaseURL + src)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("htmx: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	if res := c.Get(app.BaseURL + "/static/app.css?v=stale"); res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("stale version cached: %q", res.Header.Get("Cache-Control"))
	}
	if res := c.Get(app.BaseURL + "/static/../main.go"); res.StatusCode != 404 {
		t.Fatalf("path traversal: %d", res.StatusCode)
	}
}

// Saving Private while single sign-on cannot sign anyone in asks first.
func TestPrivateWithoutSSOAsksFirst(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	c := app.Signup(t, "a@example.com", pw, "Alpha Docs", "alpha")
	page := app.BaseURL + "/settings/general"
	res := c.Submit(page, page, url.Values{"name": {"Alpha Docs"}, "visibility": {"private"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Nobody will be able to read your help center.") {
		t.Fatalf("no warning: %d", res.StatusCode)
	}
	if hc, _ := app.Store.HelpCenterBySubdomain(context.Background(), "alpha"); hc.Visibility != models.VisibilityPublic {
		t.Fatal("saved Private without asking")
	}
	res = c.Submit(page, page, url.Values{"name": {"Alpha Docs"}, "visibility": {"private"}, "confirm_private": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed: %d", res.StatusCode)
	}
	if hc, _ := app.Store.HelpCenterBySubdomain(context.Background(), "alpha"); hc.Visibility != models.VisibilityPrivate {
		t.Fatal("the confirmed save did not make it private")
	}
}
