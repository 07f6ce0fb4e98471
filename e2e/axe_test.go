package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"helpcenter/internal/testapp"
	"helpcenter/models"
)

// axeScript is axe-core from the npm registry, installed once per run.
func axeScript(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "helpcenter-axe-core-4")
	path := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(path); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		run(t, dir, need(t, "npm", "apt-get install -y nodejs npm"), "install", "--no-audit", "--no-fund", "--silent", "axe-core@4")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

// checkAxe runs axe-core on the page and fails on any violation.
func (b *Browser) checkAxe(axe, page string) {
	b.t.Helper()
	if !eval[bool](b, `typeof axe === "object"`) {
		eval[bool](b, axe+";true")
	}
	raw := eval[string](b, `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise)
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		b.t.Fatalf("axe on %s: %v", page, err)
	}
	for _, v := range vs {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, strings.Join(n.Target, " "))
		}
		b.t.Errorf("%s: %s (%s) at %s", page, v.ID, v.Help, strings.Join(targets, "; "))
	}
}

// No page a person uses has an accessibility violation axe-core can see
// (issue 13), in light and dark mode.
func TestPagesPassAxe(t *testing.T) {
	t.Parallel()
	axe := axeScript(t)
	app := testapp.New(t)
	b := newBrowser(t)
	for _, path := range []string{"/signup", "/login", "/password/forgot", "/login/sso"} {
		b.open(app.BaseURL + path)
		b.checkAxe(axe, path)
	}
	b.signUp(app.BaseURL, "admin@acme.test", "Acme Help", "acme")
	b.see("admin@acme.test")
	for _, dark := range []bool{false, true} {
		b.darkMode(dark)
		for _, path := range []string{
			"/settings/security/sso", "/settings/security/sso/jwt", "/settings/security/sso/tester", "/settings/logs",
			"/settings/widget", "/settings/general", "/settings/account", "/articles", "/articles/new", "/categories",
			"/settings/team", "/settings/users", "/settings/api-keys", "/articles/preview-as", "/settings/alerts", "/settings/webhooks", "/settings/account/two-factor", "/settings/audit",
		} {
			b.open(app.BaseURL + path)
			b.checkAxe(axe, path)
		}
		b.open(app.HelpCenterURL("acme") + "/")
		b.checkAxe(axe, "help center home")
		b.open(app.HelpCenterURL("acme") + "/search?q=password")
		b.checkAxe(axe, "help center search")
	}
	// A visitor's rejection page (a private help center without SSO).
	hc, err := app.Store.HelpCenterBySubdomain(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Store.SetVisibility(context.Background(), hc.ID, models.VisibilityPrivate, ""); err != nil {
		t.Fatal(err)
	}
	app.Clock.Advance(2 * time.Second) // past the page cache
	b.open(app.HelpCenterURL("acme") + "/")
	b.see("We couldn't sign you in")
	b.checkAxe(axe, "rejection page")
}
