package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"

	"helpcenter/internal/testapp"
	"helpcenter/models"
)

// An admin makes the help center private, switches SSO on, asks to hear
// about SAML, configures JWT with a generated secret (through a validation
// error), regenerates it, tests a token made with the old secret, and
// reads the logs: filtered by reason and exported as CSV.
func TestAdminConfiguresSSO(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	b := newBrowser(t)

	b.signUp(app.BaseURL, "admin@acme.test", "Acme Help", "acme")
	b.check("Private")
	b.click("Save")
	// Private before single sign-on works would lock everyone out: the
	// console says so before it saves.
	b.see("Nobody will be able to read your help center.")
	b.screenshot("confirm-private")
	b.click("Save Private anyway")
	b.see("Settings saved.")

	// The switch saves itself through htmx.
	b.click("Security → SSO")
	b.see("Off: nobody can sign in with SSO")
	b.check("Single sign-on")
	b.see("On, but no shared secret is saved yet")
	if hc, _ := app.Store.HelpCenterBySubdomain(context.Background(), "acme"); !hc.SSOEnabled {
		t.Fatal("the switch did not save")
	}

	// Notify me, remembered on later visits.
	b.clickInPage("Notify me when this ships")
	b.see("We'll email you when it ships")
	b.open(app.BaseURL + "/settings/security/sso")
	b.see("We'll email you when it ships")
	b.see("Microsoft Entra ID")
	b.screenshot("sso-page")

	// JWT: generate, trip over a rule, keep the secret, apply.
	b.click("Configure")
	b.see("Connect your app")
	b.fill("Login URL", "http://app.acme.test/login")
	b.fill("Issuer", "acme-app")
	b.click("Generate")
	b.see("A new secret is in the Shared Secret field")
	generated := b.value("Shared Secret")
	if len(generated) != 64 {
		t.Fatalf("generated secret %q", generated)
	}
	b.click("Apply JWT Settings")
	b.see("plain http is accepted only for localhost")
	if b.value("Shared Secret") != generated || b.value("Login URL") != "http://app.acme.test/login" {
		t.Fatal("the form lost its input")
	}
	b.screenshot("jwt-error")
	b.fill("Login URL", "https://app.acme.test/login")
	b.click("Apply JWT Settings")
	b.see("JWT settings applied.")
	b.see("saved just now")
	b.see("by admin@acme.test, just now")
	if strings.Contains(eval[string](b, `document.documentElement.outerHTML`), generated) {
		t.Fatal("the saved secret is in the page")
	}
	b.screenshot("jwt-saved")

	// Regenerate through the in-page confirmation.
	oldToken := mintToken(t, generated, app.Clock.Now())
	// Regenerate is a real button: Space opens the confirmation, which
	// puts the focus on Cancel, the harmless choice.
	b.focus(`[data-testid="regenerate"]`)
	b.keys(" ")
	b.see("Generating a new secret immediately invalidates any token signed with the old one")
	if got := eval[string](b, `document.activeElement.textContent.trim()`); got != "Cancel" {
		t.Errorf("the confirmation focuses %q, want Cancel", got)
	}
	b.screenshot("regenerate-dialog")
	b.darkMode(true)
	b.screenshot("regenerate-dialog-dark")
	// The page follows the system's dark mode (SPEC section 7).
	if bg := eval[string](b, `getComputedStyle(document.body).backgroundColor`); bg != "rgb(17, 20, 24)" {
		t.Errorf("dark mode background %s", bg)
	}
	b.darkMode(false)
	b.click("Regenerate secret")
	b.see("this is the only time it is shown")
	fresh := b.value("Shared Secret")
	if len(fresh) != 64 || fresh == generated {
		t.Fatalf("regenerated secret %q", fresh)
	}
	b.screenshot("jwt-regenerated")
	b.open(app.BaseURL + "/settings/security/sso/jwt")
	b.see("Secret regenerated: new Shared secret")
	if html := eval[string](b, `document.documentElement.outerHTML`); strings.Contains(html, fresh) {
		t.Fatal("a later page holds the new secret")
	}

	// The tester names the failing check of a token signed with the old secret.
	b.click("Token tester")
	b.fill("Token", oldToken)
	b.click("Test token")
	b.see("Rejected: jwt_invalid_signature")
	b.see("unverified")
	b.screenshot("tester")

	// Logs: filter by reason, then export what the filter shows.
	now := app.Clock.Now()
	var evs []models.Event
	for i := range 30 {
		e := models.Event{CreatedAt: now.Add(-time.Duration(i) * time.Minute), Event: models.EventRedirectRejected,
			Reason: "jwt_expired", Detail: "exp is 45 s in the past", IP: "203.0.113.7", UserAgent: "Mozilla/5.0"}
		if i%3 == 0 {
			e.Reason, e.Detail, e.Email, e.JTI = "jwt_unknown_key", "jti names no pending key", "jane@example.com", "k-1"
		}
		if i%5 == 0 {
			e.Event, e.Reason, e.Detail = models.EventRedirectSucceeded, "", "signed in"
		}
		evs = append(evs, e)
	}
	hc, _ := app.Store.HelpCenterBySubdomain(context.Background(), "acme")
	if _, err := app.Store.InsertEvents(context.Background(), hc.ID, slices.Values(evs)); err != nil {
		t.Fatal(err)
	}
	b.click("Logs")
	b.see("Rejections by reason")
	b.screenshot("logs")
	b.choose("Reason", "jwt_unknown_key")
	b.click("Filter")
	if !strings.Contains(b.url(), "reason=jwt_unknown_key") {
		t.Fatalf("filter not in the URL: %s", b.url())
	}
	b.see("Unknown sign-in key")
	if table := eval[string](b, `document.querySelector("#log-table").innerText`); strings.Contains(table, "jwt_expired") {
		t.Fatal("the filtered table shows another reason")
	}
	if n := eval[int](b, `document.querySelectorAll("#log-table tbody tr").length`); n != 8 {
		t.Fatalf("%d rows for jwt_unknown_key, want 8", n)
	}
	b.screenshot("logs-filtered")
	csv := eval[string](b, `(async () => {
		const a = [...document.querySelectorAll("a")].find(a => a.textContent.trim() === "Export CSV");
		const r = await fetch(a.href, {credentials: "same-origin"});
		return r.headers.get("Content-Type") + "\n" + await r.text();
	})()`, chromedp.EvalAwaitPromise)
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if !strings.HasPrefix(lines[0], "text/csv") || lines[1] != "time,event,reason,detail,email,jti,ip,user_agent,key" || len(lines) != 2+8 {
		t.Fatalf("CSV export:\n%s", csv)
	}
	if !strings.Contains(lines[2], "Z,sso.redirect_flow.rejected,jwt_unknown_key,") {
		t.Fatalf("CSV row: %s", lines[2])
	}
}

func mintToken(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"jti": "key-1", "iss": "acme-app", "iat": now.Unix(), "exp": now.Unix() + 60,
		"email": "jane@example.com", "name": "Jane Doe",
	}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
