package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/golang-jwt/jwt/v5"

	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/store"
	"helpcenter/store/storetest"
)

// widgetPartner is the partner's own app on another origin
// (http://127.0.0.1:<port>, while the help center's console is
// http://localhost:<port>): its pages embed the widget with a token it
// signs with golang-jwt, knowing nothing of helpcenter's code, and its
// /token endpoint hands the page a fresh token for onAuthExpired.
type widgetPartner struct {
	*httptest.Server
	minted atomic.Int32
}

var widgetPartnerPage = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Acme Dashboard</title>
<style>
body { margin: 0; font: 15px/1.5 Georgia, serif; background: #eef1f5; color: #222; }
header { background: #14213d; color: #fff; padding: 16px 32px; font-size: 20px; }
main { padding: 32px; max-width: 760px; }
.card { background: #fff; border-radius: 6px; padding: 24px; margin-bottom: 16px; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
{{if .Hostile}}
/* A hostile stylesheet: it must not break the widget. */
* { all: unset !important; }
button { display: none !important; }
div, span, input, ul, li { font-size: 40px !important; color: red !important; visibility: visible; }
{{end}}
</style>
<script>
window.hcOptions = {
  app_id: {{.AppID}},
  jwt: {{.Token}}{{if .Refresh}},
  onAuthExpired: async () => {
    window.refreshes = (window.refreshes || 0) + 1;{{if .FailRefresh}}
    throw new Error("the partner's session ended");{{end}}
    const res = await fetch("/token");
    return (await res.json()).jwt;
  }{{end}}
};
</script>
<script src="{{.Base}}/js/init.js" async></script>
</head><body>
<header>Acme Dashboard</header>
<main><div class="card"><h1>Welcome back, Vera</h1><p>Your projects, invoices and team live here.</p></div>
<div class="card"><p>Need a hand? The Help button opens our help center right here.</p></div></main>
</body></html>`))

func newWidgetPartner(t *testing.T, app *testapp.App, secret, appID string) *widgetPartner {
	p := &widgetPartner{}
	// The partner signs with the app's clock, so the test can move time
	// for both sides at once.
	sign := func(ttl time.Duration) string {
		now := app.Clock.Now()
		n := p.minted.Add(1)
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"jti": fmt.Sprintf("widget-%d-%d", now.UnixNano(), n), "iss": "partner-app",
			"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
			"email": "vera@acme.test", "name": "Vera Viewer", "role": "viewer",
		}).SignedString([]byte(secret))
		if err != nil {
			t.Error(err)
		}
		return tok
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		ttl := 4 * time.Minute
		switch {
		case q.Has("short"):
			ttl = 5 * time.Second // within the widget's 10 s renewal margin
		case q.Has("half"):
			ttl = 30 * time.Second // outside it: used as it is
		case q.Has("expired"):
			ttl = -time.Minute
		}
		widgetPartnerPage.Execute(w, map[string]any{
			"AppID": appID, "Token": sign(ttl), "Base": template.URL(app.BaseURL),
			"Refresh": !q.Has("norefresh"), "Hostile": q.Has("hostile"), "FailRefresh": q.Has("failrefresh"),
		})
	})
	mux.HandleFunc("GET /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"jwt": sign(4 * time.Minute)})
	})
	p.Server = httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(p.Close)
	return p
}

// The widget's nodes live in its shadow root.
const widgetRoot = `document.querySelector("helpcenter-widget").shadowRoot`

// widgetText is the visible text of the open panel.
func (b *Browser) widgetText() string {
	b.t.Helper()
	return eval[string](b, `(() => { const h = document.querySelector("helpcenter-widget"); const p = h && h.shadowRoot.querySelector(".panel"); return p && !p.hidden ? p.innerText : ""; })()`)
}

// widgetSee waits until the panel shows want.
func (b *Browser) widgetSee(want string) {
	b.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(b.widgetText(), want) {
		if time.Now().After(deadline) {
			b.t.Fatalf("the widget does not show %q; it shows:\n%s", want, b.widgetText())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// widgetArticle waits until the panel shows the article titled title.
func (b *Browser) widgetArticle(title string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf(`%s.querySelector("article h1").textContent === %q`, widgetRoot, title))
}

// widgetClick clicks, with the mouse, the widget's button whose text
// starts with text (or the launcher, for "Help").
func (b *Browser) widgetClick(text string) {
	b.t.Helper()
	path := fmt.Sprintf(`[...%s.querySelectorAll("button")].find(b => b.textContent.trim().startsWith(%q) && b.getClientRects().length)`, widgetRoot, text)
	b.waitFor(path + ` !== undefined`)
	b.do(chromedp.Click(chromedp.JSPath(path), chromedp.NodeVisible))
}

// waitFor waits until the JavaScript condition holds.
func (b *Browser) waitFor(cond string) {
	b.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !eval[bool](b, `(() => { try { return !!(`+cond+`); } catch (e) { return false; } })()`) {
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out waiting for %s", cond)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *Browser) keys(keys string) { b.t.Helper(); b.do(chromedp.KeyEvent(keys)) }

// focus moves the keyboard focus to the element the selector names.
func (b *Browser) focus(sel string) { b.t.Helper(); b.do(chromedp.Focus(sel, chromedp.NodeVisible)) }

func (b *Browser) darkMode(on bool) {
	b.t.Helper()
	v := "light"
	if on {
		v = "dark"
	}
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}}})
		return err
	}))
}

// The widget on a partner's page of another origin: the admin allows the
// origin, the page embeds the widget with a token of its own; a viewer
// searches, reads, never sees the editors' article; an expiring token is
// renewed through onAuthExpired; no renewal means "Please reload"; the
// keyboard works; a hostile stylesheet changes nothing.
func TestWidgetOnPartnerPage(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	b := newBrowser(t)
	app.Clock.Set(time.Now())

	b.signUp(app.BaseURL, "owner@acme.test", "Acme Help", "acme")
	b.see("owner@acme.test")

	ctx := context.Background()
	hc, _ := app.Store.HelpCenterBySubdomain(ctx, "acme")
	secret := "e2e-widget-secret-0123456789abcdefghijklmnop"
	if err := app.Store.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: models.SSOSettings{Issuer: "partner-app", TokenTTL: 300}, Enable: true, NewSecret: secret}); err != nil {
		t.Fatal(err)
	}
	guides := &models.Category{Name: "Billing"}
	if err := app.Store.CreateCategory(ctx, hc.ID, guides); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*models.Article{
		{Title: "Pay an invoice", Body: "Open **Billing → Invoices**, choose the invoice and click *Pay now*.\n\nCards and bank transfers are accepted. See also [Download receipts](/articles/download-receipts).", CategoryID: &guides.ID, MinRole: models.RoleViewer},
		{Title: "Download receipts", Body: "Every paid invoice has a receipt under **Billing → History**.", CategoryID: &guides.ID, MinRole: models.RoleViewer},
		{Title: "Invite your team", Body: "Add colleagues from **Settings → Team**.", MinRole: models.RoleViewer},
		{Title: "Refund invoices (editors)", Body: "How editors refund an invoice.", CategoryID: &guides.ID, MinRole: models.RoleEditor},
	} {
		a.Status = models.StatusPublished
		if err := app.Store.CreateArticle(ctx, hc.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	partner := newWidgetPartner(t, app, secret, hc.PublicID)

	// The admin allows the partner's origin and finds the snippet.
	b.open(app.BaseURL + "/settings/widget")
	b.fill("Allowed widget origins", partner.URL)
	b.click("Save")
	b.see("Allowed origins saved.")
	b.see("app_id: '" + hc.PublicID + "'")
	b.see(app.BaseURL + "/js/init.js")

	// The console's own preview runs under the console's strict CSP.
	b.see("The preview is live on this page")
	b.widgetClick("Help")
	b.widgetSee("Pay an invoice")
	b.screenshot("console-preview")

	// The partner's page, on another origin.
	b.open(partner.URL + "/")
	b.waitFor(widgetRoot)
	if name := eval[string](b, widgetRoot+`.querySelector(".launcher").textContent.trim()`); !strings.Contains(name, "Help") {
		t.Fatalf("launcher's name %q", name)
	}
	if n := eval[int](b, `document.styleSheets.length + document.adoptedStyleSheets.length`); n != 1 {
		t.Errorf("the host page has %d style sheets; the widget must add none", n)
	}
	b.widgetClick("Help")
	b.waitFor(widgetRoot + `.querySelector("[role=dialog]").getAttribute("aria-modal") === "true"`)
	b.widgetSee("Acme Help")
	b.widgetSee("Pay an invoice")
	b.widgetSee("Invite your team")
	if txt := b.widgetText(); strings.Contains(txt, "Refund invoices") {
		t.Fatal("a viewer sees the editors' article")
	}
	if eval[string](b, widgetRoot+`.activeElement.id`) != "hc-q" {
		t.Error("opening the panel does not focus the search box")
	}
	b.screenshot("open")

	// Search, as typed.
	b.keys("invoice")
	b.widgetSee("2 results")
	b.widgetSee("Download receipts")
	if txt := b.widgetText(); strings.Contains(txt, "Refund invoices") || strings.Contains(txt, "Invite your team") {
		t.Fatalf("search shows:\n%s", txt)
	}
	b.screenshot("search")

	b.widgetClick("Pay an invoice")
	b.widgetArticle("Pay an invoice")
	b.widgetSee("Cards and bank transfers are accepted.")
	if eval[string](b, widgetRoot+`.querySelector(".content strong").textContent`) != "Billing → Invoices" {
		t.Error("the article's Markdown is not rendered")
	}
	b.screenshot("article")
	b.darkMode(true)
	b.screenshot("article-dark")
	b.darkMode(false)
	b.do(chromedp.Click(chromedp.JSPath(widgetRoot+`.querySelector(".back")`), chromedp.NodeVisible))
	b.widgetSee("Download receipts")
	if eval[int](b, "window.refreshes || 0") != 0 {
		t.Error("onAuthExpired ran for a fresh token")
	}

	// The server's clock passes the token's exp while the page still
	// thinks it fresh: the call gets jwt_expired, the widget awaits
	// onAuthExpired and retries once with the new token.
	app.Clock.Advance(10 * time.Minute)
	b.widgetClick("Download receipts")
	b.widgetArticle("Download receipts")
	if got := eval[int](b, "window.refreshes || 0"); got != 1 {
		t.Errorf("onAuthExpired ran %d times, want 1", got)
	}
	// A link to another article stays inside the widget.
	b.do(chromedp.Click(chromedp.JSPath(widgetRoot+`.querySelector(".back")`), chromedp.NodeVisible))
	b.widgetClick("Pay an invoice")
	b.widgetArticle("Pay an invoice")
	b.do(chromedp.Click(chromedp.JSPath(widgetRoot+`.querySelector('.content a')`), chromedp.NodeVisible))
	b.widgetArticle("Download receipts")
	if !strings.HasPrefix(b.url(), partner.URL) {
		t.Errorf("an article link left the page: %s", b.url())
	}

	// Keyboard: Tab stays inside the dialog; Escape closes it and returns
	// focus to the Help button.
	for i := 0; i < 12; i++ {
		b.keys(kb.Tab)
		if !eval[bool](b, widgetRoot+`.querySelector(".panel").contains(`+widgetRoot+`.activeElement)`) {
			t.Fatalf("Tab %d left the dialog", i+1)
		}
	}
	b.keys(kb.Escape)
	b.waitFor(widgetRoot + `.querySelector(".panel").hidden`)
	if !eval[bool](b, widgetRoot+`.activeElement === `+widgetRoot+`.querySelector(".launcher")`) {
		t.Error("Escape did not return focus to the Help button")
	}

	// A token with 30 s left is used as it is (SPEC section 8: the widget
	// renews within 10 s of exp, so a snippet's short token works on the
	// first try).
	app.Clock.Set(time.Now())
	b.open(partner.URL + "/?half=1")
	b.widgetClick("Help")
	b.widgetSee("Pay an invoice")
	if got := eval[int](b, "window.refreshes || 0"); got != 0 {
		t.Errorf("30 s before exp: onAuthExpired ran %d times, want 0", got)
	}

	// A token within 10 s of exp is renewed before the first call (the
	// clocks of server, partner and browser agree again).
	b.open(partner.URL + "/?short=1")
	b.widgetClick("Help")
	b.widgetSee("Pay an invoice")
	if got := eval[int](b, "window.refreshes || 0"); got != 1 {
		t.Errorf("near exp: onAuthExpired ran %d times, want 1", got)
	}

	// Without onAuthExpired an expired token ends in one plain message,
	// after one call: no loop.
	before := rejections(t, app, hc.ID)
	b.open(partner.URL + "/?expired=1&norefresh=1")
	b.widgetClick("Help")
	// The widget has given up once it says so: without onAuthExpired it
	// must not have called again.
	b.widgetSee("Please reload to continue")
	if got := rejections(t, app, hc.ID) - before; got != 1 {
		t.Errorf("%d rejected calls for an expired token without onAuthExpired, want 1", got)
	}
	b.screenshot("reload")

	// An onAuthExpired that fails is said plainly, and why is warned in
	// the console for the integrator.
	b.open(partner.URL + "/?expired=1&failrefresh=1")
	b.widgetClick("Help")
	b.widgetSee("Could not renew your sign-in")

	// The same page on an origin the admin did not allow (localhost is
	// not 127.0.0.1 to a browser) says so and names where to fix it,
	// instead of a network error.
	b.open(strings.Replace(partner.URL, "127.0.0.1", "localhost", 1) + "/")
	b.widgetClick("Help")
	b.widgetSee("This page can't show the help center")
	b.widgetSee("Settings → Widget")
	b.screenshot("origin-not-allowed")

	// A hostile stylesheet on the host page cannot hide or restyle it.
	b.open(partner.URL + "/?hostile=1")
	b.widgetClick("Help")
	b.widgetSee("Pay an invoice")
	for js, want := range map[string]string{
		`getComputedStyle(` + widgetRoot + `.querySelector(".panel")).display`:    "flex",
		`getComputedStyle(` + widgetRoot + `.querySelector(".launcher")).display`: "flex", // fixed: blockified
		`getComputedStyle(` + widgetRoot + `.querySelector(".item")).fontSize`:    "15px",
		`getComputedStyle(` + widgetRoot + `.querySelector("input")).display`:     "inline-block",
	} {
		if got := eval[string](b, js); got != want {
			t.Errorf("%s = %q, want %q", js, got, want)
		}
	}
	if w := eval[float64](b, widgetRoot+`.querySelector(".panel").getBoundingClientRect().width`); w < 300 {
		t.Errorf("panel is %v px wide on the hostile page", w)
	}
	b.screenshot("hostile-page")
}

// rejections counts the help center's widget_jwt.rejected rows.
func rejections(t *testing.T, app *testapp.App, helpCenterID int64) int {
	t.Helper()
	evs := storetest.Events(t, app.Config.Database, helpCenterID)
	n := 0
	for _, e := range evs {
		if e.Event == models.EventWidgetRejected {
			n++
		}
	}
	return n
}
