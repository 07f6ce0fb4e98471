package handlers_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/store"
)

func TestWidgetSettings(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	alice := app.Signup(t, "alice@example.com", pw, "Alpha", "alpha")
	bob := app.Signup(t, "bob@example.com", pw, "Beta", "beta")
	ctx := context.Background()
	alpha, _ := app.Store.HelpCenterBySubdomain(ctx, "alpha")
	beta, _ := app.Store.HelpCenterBySubdomain(ctx, "beta")
	page := app.BaseURL + "/settings/widget"

	res := alice.Get(page)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("page: %d", res.StatusCode)
	}
	for _, want := range []string{`<label for="origins">Allowed widget origins</label>`, ">Save</button>", `aria-current="page">Widget</a>`,
		"window.hcOptions", "app_id: &#39;" + alpha.PublicID + "&#39;", app.BaseURL + "/js/init.js", `data-copy="#widget-snippet"`,
		`data-testid="preview-unavailable"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(res.Body, beta.PublicID) {
		t.Error("alpha's page shows beta's app_id")
	}

	// Every bad line is named; the input is kept; nothing is saved.
	bad := "https://ok.example\nhttp://plain.example\nhttps://app.example/path\nftp://files.example\nhttps://*.example\nhttps://app.example?x=1"
	res = alice.Submit(page, page, url.Values{"origins": {bad}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad origins: %d", res.StatusCode)
	}
	fieldError(t, res.Body, "origins", "Line 2 (http://plain.example)")
	for _, want := range []string{"Line 3 (https://app.example/path)", "Line 4 (ftp://files.example)", "Line 5 (https://*.example)", "Line 6 (https://app.example?x=1)", "only for localhost"} {
		if !strings.Contains(res.Body, htmlEscape(want)) {
			t.Errorf("error lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "Line 1 ") {
		t.Error("a good line was reported")
	}
	if !strings.Contains(res.Body, htmlEscape(bad)+"</textarea>") {
		t.Error("the input was not kept")
	}
	if got, _ := app.Store.WidgetOrigins(ctx, alpha.ID); len(got) != 0 {
		t.Fatalf("saved %v despite errors", got)
	}

	// Good lines are normalised, de-duplicated and kept in order.
	res = alice.Submit(page, page, url.Values{"origins": {"  HTTPS://App.Example.COM:443/ \r\n\r\nhttp://localhost:3000\nhttps://app.example.com\nhttp://127.0.0.1:8081\nhttp://[::1]:9000\nhttps://staging.example.com:8443\nhttp://dev.localhost"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings/widget?saved=1" {
		t.Fatalf("save: %d %s", res.StatusCode, res.Body)
	}
	want := "https://app.example.com http://localhost:3000 http://127.0.0.1:8081 http://[::1]:9000 https://staging.example.com:8443 http://dev.localhost"
	if got, _ := app.Store.WidgetOrigins(ctx, alpha.ID); strings.Join(got, " ") != want {
		t.Fatalf("saved %v", got)
	}
	if res := alice.Get(page + "?saved=1"); !strings.Contains(res.Body, "https://app.example.com\nhttp://localhost:3000") || !strings.Contains(res.Body, "Allowed origins saved.") {
		t.Error("the page does not show the saved origins")
	}

	// Bob sees and changes only his own help center's origins.
	res = bob.Get(page)
	if strings.Contains(res.Body, "staging.example.com") || strings.Contains(res.Body, alpha.PublicID) || !strings.Contains(res.Body, beta.PublicID) {
		t.Error("beta's page shows alpha's settings")
	}
	if res := bob.Submit(page, page, url.Values{"origins": {"https://beta.example"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob save: %d", res.StatusCode)
	}
	if got, _ := app.Store.WidgetOrigins(ctx, alpha.ID); strings.Join(got, " ") != want {
		t.Errorf("bob's save changed alpha: %v", got)
	}
	if err := app.Store.SetWidgetOrigins(ctx, beta.WorkspaceID, alpha.ID, []string{"https://evil.example"}); err == nil {
		t.Error("the store let one workspace set another's origins")
	}

	// Clearing the textarea allows no origin again.
	if res := bob.Submit(page, page, url.Values{"origins": {"\n"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("clear: %d", res.StatusCode)
	}
	if got, _ := app.Store.WidgetOrigins(ctx, beta.ID); len(got) != 0 {
		t.Errorf("after clearing: %v", got)
	}

	// A POST without the CSRF token changes nothing; signed out, the page
	// sends to the sign-in page.
	if res := alice.PostForm(page, url.Values{"origins": {"https://x.example"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF: %d", res.StatusCode)
	}
	if res := app.Client(t).Get(page); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("signed out: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestWidgetPreview(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	admin := app.Signup(t, "owner@example.com", pw, "Example Help", "example")
	ctx := context.Background()
	hc, _ := app.Store.HelpCenterBySubdomain(ctx, "example")
	page := app.BaseURL + "/settings/widget"
	tokenURL := app.BaseURL + "/settings/widget/preview-token"

	previewToken := func(csrf string) *testapp.Response {
		req, _ := http.NewRequest(http.MethodPost, tokenURL, nil)
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		return admin.Do(req)
	}
	csrf := admin.CSRF(page)
	if res := previewToken(csrf); res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "sso_not_configured") {
		t.Fatalf("preview token without SSO: %d %s", res.StatusCode, res.Body)
	}

	if err := app.Store.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: models.SSOSettings{TokenTTL: 300, Issuer: "partner-app", Audience: "helpcenter"}, Enable: true, NewSecret: "example-shared-secret-0123456789abcdefghijklmnop"}); err != nil {
		t.Fatal(err)
	}
	res := admin.Get(page)
	if !strings.Contains(res.Body, `id="widget-preview"`) || !strings.Contains(res.Body, "preview@example") || strings.Contains(res.Body, "preview-unavailable") {
		t.Fatal("the page offers no preview with SSO configured")
	}
	if strings.Contains(res.Body, "eyJ") {
		t.Error("the page's HTML holds a token")
	}
	if res := previewToken(""); res.StatusCode != http.StatusForbidden {
		t.Errorf("preview token without CSRF: %d", res.StatusCode)
	}
	res = previewToken(csrf)
	var body struct{ JWT string }
	if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(res.Body), &body) != nil || body.JWT == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("preview token: %d %s", res.StatusCode, res.Body)
	}

	// The preview token passes the real checks (issuer, audience) and reads
	// as a viewer; nobody else's origin may use it cross-origin.
	req, _ := http.NewRequest(http.MethodGet, app.BaseURL+"/api/widget/v1/articles?app_id="+hc.PublicID, nil)
	req.Header.Set("Authorization", "Bearer "+body.JWT)
	req.Header.Set("X-Widget-Instance", instanceA)
	req.Header.Set("Origin", "https://evil.test")
	res = app.Client(t).Do(req)
	if res.StatusCode != http.StatusOK || len(corsHeaders(res)) != 0 {
		t.Fatalf("preview token on the API: %d %s", res.StatusCode, res.Body)
	}
	u, err := app.Store.UserByEmail(ctx, hc.ID, "preview@example")
	if err != nil || u.Role != "viewer" {
		t.Errorf("preview user %+v, %v", u, err)
	}
	if strings.Contains(app.Logs.String(), body.JWT) {
		t.Error("the preview token reached the log")
	}
}

func TestWidgetScript(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	req, _ := http.NewRequest(http.MethodGet, app.BaseURL+"/js/init.js", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Origin", "https://partner.example")
	res := app.Client(t).Do(req)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("init.js: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for k, v := range map[string]string{"Cross-Origin-Resource-Policy": "cross-origin", "Cache-Control": "no-store", "Content-Encoding": "gzip"} {
		if res.Header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, res.Header.Get(k), v)
		}
	}
	// The widget stays small: under 20 KB gzipped.
	if n := len(res.Body); n >= 20*1024 {
		t.Errorf("widget.js is %d bytes gzipped; keep it under 20 KB", n)
	} else {
		t.Logf("widget.js: %d bytes gzipped", n)
	}
	zr, err := gzip.NewReader(bytes.NewReader([]byte(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	for _, want := range []string{`attachShadow({ mode: "open" })`, `"X-Widget-Instance"`, "crypto.getRandomValues", "onAuthExpired", `role: "dialog"`, "adoptedStyleSheets"} {
		if !bytes.Contains(plain, []byte(want)) {
			t.Errorf("widget.js lacks %s", want)
		}
	}
	// Served on the console host only.
	if res := app.Client(t).Get(app.HelpCenterURL("nobody") + "/js/init.js"); res.StatusCode != http.StatusNotFound {
		t.Errorf("init.js on an unknown host: %d", res.StatusCode)
	}
}
