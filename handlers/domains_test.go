package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"helpcenter/internal/testapp"
	"helpcenter/internal/testdns"
)

// A custom domain serves only once its TXT record is verified against a
// real DNS server (here one in-process on loopback, HELPCENTER_DNS_SERVER);
// then it is the canonical host: the subdomain redirects there with 308,
// POST /sso/jwt included, and the console names it.
func TestCustomDomainVerificationAndCanonicalHost(t *testing.T) {
	t.Parallel()
	dns := testdns.Start(t)
	app := testapp.New(t, testapp.Options{Env: map[string]string{"HELPCENTER_DNS_SERVER": dns.Addr}})
	c := app.Signup(t, "owner@acme.test", pw, "Acme Docs", "acme")
	page := app.BaseURL + "/settings/general"
	if res := c.Submit(page, page, url.Values{"name": {"Acme Docs"}, "custom_domain": {"help.acme.test"}, "visibility": {"public"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	body := c.Get(page).Body
	token := regexp.MustCompile(`data-testid="domain-token">([^<]+)<`).FindStringSubmatch(body)
	if token == nil || !strings.Contains(body, "_helpcenter.help.acme.test") || !strings.Contains(body, "Not verified yet") {
		t.Fatalf("the page does not show the TXT record to publish:\n%s", body)
	}
	custom := func(path string) *testapp.Response {
		req, _ := http.NewRequest(http.MethodGet, app.BaseURL+path, nil)
		req.Host = "help.acme.test:" + app.Port
		return c.Do(req)
	}
	if res := custom("/"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an unverified domain served: %d", res.StatusCode)
	}

	verify := func() *testapp.Response { return c.Submit(page, app.BaseURL+"/settings/general/verify-domain", nil) }
	if res := verify(); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "There is no TXT record at _helpcenter.help.acme.test yet") {
		t.Fatalf("verify without a record: %d\n%s", res.StatusCode, res.Body)
	}
	dns.SetTXT("_helpcenter.help.acme.test", "helpcenter-verify-someone-else")
	if res := verify(); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "someone-else") {
		t.Fatalf("verify with another value: %d", res.StatusCode)
	}
	dns.SetTXT("_helpcenter.help.acme.test", token[1])
	if res := verify(); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify with the record: %d\n%s", res.StatusCode, res.Body)
	}
	if body := c.Get(page + "?verified=1").Body; !strings.Contains(body, "Domain verified.") || !strings.Contains(body, "Verified") {
		t.Fatal("the page does not say the domain is verified")
	}

	if res := custom("/"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Acme Docs") {
		t.Fatalf("the verified domain: %d", res.StatusCode)
	}
	sub := app.HelpCenterURL("acme")
	res := c.Get(sub + "/articles/x?ref=1")
	if want := "http://help.acme.test:" + app.Port + "/articles/x?ref=1"; res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != want {
		t.Fatalf("subdomain: %d → %q, want 308 → %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	res = c.PostForm(sub+"/sso/jwt", url.Values{"jwt": {"x"}})
	if res.StatusCode != http.StatusPermanentRedirect || !strings.HasPrefix(res.Header.Get("Location"), "http://help.acme.test:"+app.Port+"/sso/jwt") {
		t.Fatalf("POST /sso/jwt on the subdomain: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if body := c.Get(app.BaseURL + "/settings/security/sso").Body; !strings.Contains(body, "http://help.acme.test:"+app.Port+"/sso/jwt") {
		t.Error("the SSO page does not name the canonical host's endpoint")
	}
	hc, _ := app.Store.HelpCenterBySubdomain(context.Background(), "acme")
	if hc.CanonicalDomain() != "help.acme.test" {
		t.Fatalf("canonical domain %q", hc.CanonicalDomain())
	}
}
