package e2e

import (
	"context"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"helpcenter/internal/testapp"
	"helpcenter/models"
)

// Every console page works at 375 px wide without sideways scrolling
// (SPEC section 7).
func TestConsoleAtPhoneWidth(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	b := newBrowser(t)
	b.signUp(app.BaseURL, "admin@acme.test", "Acme Help", "acme")
	b.see("admin@acme.test")
	// A Logs table with long rows: on a phone it is stacked, not scrolled.
	hc, err := app.Store.HelpCenterBySubdomain(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	ev := models.Event{CreatedAt: app.Clock.Now(), Event: models.EventRedirectRejected, Reason: "jwt_expired",
		Detail: "exp is 45 s in the past (allowed skew 30 s)", Email: "a.very.long.address.of.someone@example-company.test",
		JTI: "k-0123456789abcdefghijklmnopqrstuvwxyz", IP: "2001:db8:1:2:3:4:5:6", UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"}
	if _, err := app.Store.InsertEvents(context.Background(), hc.ID, slices.Values([]models.Event{ev, ev, ev})); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.EmulateViewport(375, 800))
	for _, path := range []string{
		"/settings/security/sso", "/settings/security/sso/jwt", "/settings/security/sso/tester", "/settings/logs",
		"/settings/widget", "/settings/general", "/settings/account", "/articles", "/articles/new", "/categories",
		"/settings/team", "/settings/users", "/settings/api-keys", "/articles/preview-as", "/settings/alerts", "/settings/webhooks", "/settings/account/two-factor", "/settings/audit",
	} {
		b.open(app.BaseURL + path)
		b.see("Acme Help")
		if w := eval[int](b, `document.documentElement.scrollWidth`); w > 375 {
			b.screenshot("phone" + sanitize(path))
			t.Errorf("%s is %d px wide at a 375 px viewport", path, w)
		}
	}
	b.open(app.BaseURL + "/settings/security/sso/jwt")
	b.screenshot("phone-jwt")
	b.open(app.BaseURL + "/settings/logs")
	b.screenshot("phone-logs")
	if d := eval[string](b, `getComputedStyle(document.querySelector("table.events tbody tr")).display`); d != "block" {
		t.Errorf("the Logs rows are not stacked on a phone (display %s)", d)
	}
}

func sanitize(path string) string {
	out := []rune{}
	for _, r := range path {
		if r == '/' {
			r = '-'
		}
		out = append(out, r)
	}
	return string(out)
}
