package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"helpcenter/internal/testapp"
	"helpcenter/models"
	"helpcenter/sso"
)

const (
	partnerOrigin = "https://app.partner.test"
	instanceA     = "0123456789abcdef0123456789abcdef"
	instanceB     = "fedcba9876543210fedcba9876543210"
)

// widgetSite is an SSO help center whose widget is allowed on
// partnerOrigin, with a viewer article, an editors-only one and a draft.
type widgetSite struct {
	*ssoSite
}

func newWidgetSite(t *testing.T, sub string, cfg ssoConfig) *widgetSite {
	t.Helper()
	return addWidgetSite(t, testapp.New(t), sub, cfg)
}

func addWidgetSite(t *testing.T, app *testapp.App, sub string, cfg ssoConfig) *widgetSite {
	t.Helper()
	w := &widgetSite{addSSOSite(t, app, sub, cfg)}
	ctx := context.Background()
	if err := app.Store.SetWidgetOrigins(ctx, w.hc.WorkspaceID, w.hc.ID, []string{partnerOrigin}); err != nil {
		t.Fatal(err)
	}
	guides := &models.Category{Name: "Guides"}
	staff := &models.Category{Name: "Staff"}
	for _, c := range []*models.Category{guides, staff} {
		if err := app.Store.CreateCategory(ctx, w.hc.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []*models.Article{
		{Title: "Getting started", Body: "Install the app and [read on](/articles/billing-basics).", CategoryID: &guides.ID, Status: models.StatusPublished, MinRole: models.RoleViewer},
		{Title: "Billing basics", Body: "How invoices work.", CategoryID: &guides.ID, Status: models.StatusPublished, MinRole: models.RoleViewer},
		{Title: "Editor handbook", Body: "How invoices are approved internally.", CategoryID: &staff.ID, Status: models.StatusPublished, MinRole: models.RoleEditor},
		{Title: "Unreleased invoices", Body: "Draft about invoices.", CategoryID: &guides.ID, Status: models.StatusDraft, MinRole: models.RoleViewer},
	} {
		if err := app.Store.CreateArticle(ctx, w.hc.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// widgetToken is a valid token with a fresh jti.
func (w *widgetSite) token(t *testing.T, edit func(map[string]any)) string {
	t.Helper()
	m := w.claims("w-" + strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", ""))
	if edit != nil {
		edit(m)
	}
	return w.mint(t, m)
}

// call is one widget API call; empty token, instance or origin leave that
// header out.
func (w *widgetSite) call(t *testing.T, method, path, token, instance, origin string) *testapp.Response {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	req, err := http.NewRequest(method, w.app.BaseURL+"/api/widget/v1/"+path+sep+"app_id="+url.QueryEscape(w.hc.PublicID), nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if instance != "" {
		req.Header.Set("X-Widget-Instance", instance)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return w.app.Client(t).Do(req)
}

func (w *widgetSite) get(t *testing.T, path, token string) *testapp.Response {
	t.Helper()
	return w.call(t, http.MethodGet, path, token, instanceA, partnerOrigin)
}

// jsonBody decodes a JSON answer into a map.
func jsonBody(t *testing.T, res *testapp.Response) map[string]any {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON\n%s", ct, res.Body)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(res.Body), &m); err != nil {
		t.Fatalf("body %q: %v", res.Body, err)
	}
	return m
}

// rejected checks the shape of a rejection of SPEC section 8 and its row.
func (w *widgetSite) rejected(t *testing.T, res *testapp.Response, reason sso.ReasonCode, before int) models.Event {
	t.Helper()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401\n%s", res.StatusCode, res.Body)
	}
	if got := res.Header.Get("WWW-Authenticate"); got != `Bearer error="invalid_token"` {
		t.Errorf("WWW-Authenticate %q", got)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	body := jsonBody(t, res)
	if len(body) != 2 || body["error"] != string(reason) || body["detail"] == "" {
		t.Fatalf("body %s, want exactly error %s and a detail", res.Body, reason)
	}
	evs := w.events(t)
	if len(evs) != before+1 {
		t.Fatalf("%d event rows for one rejection", len(evs)-before)
	}
	ev := evs[len(evs)-1]
	if ev.Event != models.EventWidgetRejected || ev.Reason != string(reason) || ev.Detail != body["detail"] || ev.IP == "" {
		t.Fatalf("event %+v", ev)
	}
	return ev
}

func TestWidgetRejectsEveryReason(t *testing.T) {
	t.Parallel()
	w := newWidgetSite(t, "acme", ssoConfig{Enabled: true, Issuer: "partner-app", Audience: "helpcenter"})
	aud := func(m map[string]any) { m["aud"] = "helpcenter" }
	with := func(edits ...func(map[string]any)) func(map[string]any) {
		return func(m map[string]any) {
			aud(m)
			for _, e := range edits {
				e(m)
			}
		}
	}
	now := w.app.Clock.Now().Unix()
	tests := []struct {
		name     string
		reason   sso.ReasonCode
		token    func() string
		instance string
	}{
		{"malformed", sso.ReasonMalformed, func() string { return "not.a.jwt" }, instanceA},
		{"signature", sso.ReasonInvalidSignature, func() string {
			tok, _ := sso.Mint("another-secret-another-secret-another-secret", w.claims("x1"))
			return tok
		}, instanceA},
		{"alg none", sso.ReasonInvalidSignature, func() string {
			return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJqdGkiOiJ4In0."
		}, instanceA},
		{"missing claim", sso.ReasonMissingRequiredClaim, func() string {
			return w.token(t, with(func(m map[string]any) { delete(m, "name") }))
		}, instanceA},
		{"invalid claim", sso.ReasonInvalidClaim, func() string {
			return w.token(t, with(func(m map[string]any) { m["role"] = "superuser" }))
		}, instanceA},
		{"expired", sso.ReasonExpired, func() string {
			return w.token(t, with(func(m map[string]any) { m["exp"] = now - 31 }))
		}, instanceA},
		{"iat in future", sso.ReasonIssuedInFuture, func() string {
			return w.token(t, with(func(m map[string]any) { m["iat"] = now + 31 }))
		}, instanceA},
		{"not yet valid", sso.ReasonNotYetValid, func() string {
			return w.token(t, with(func(m map[string]any) { m["nbf"] = now + 31 }))
		}, instanceA},
		{"too old", sso.ReasonTooOld, func() string {
			return w.token(t, with(func(m map[string]any) { m["iat"] = now - 301 }))
		}, instanceA},
		{"issuer", sso.ReasonIssuerMismatch, func() string {
			return w.token(t, with(func(m map[string]any) { m["iss"] = "evil" }))
		}, instanceA},
		{"audience", sso.ReasonAudienceMismatch, func() string { return w.token(t, nil) }, instanceA},
		{"banned", sso.ReasonUserBanned, func() string {
			if _, _, err := w.app.Store.SetUserBanned(context.Background(), w.hc.ID, "banned@example.com", true); err != nil {
				t.Fatal(err)
			}
			return w.token(t, with(func(m map[string]any) { m["email"] = "Banned@Example.com" }))
		}, instanceA},
		{"no instance", sso.ReasonMalformed, func() string { return w.token(t, aud) }, ""},
		{"short instance", sso.ReasonMalformed, func() string { return w.token(t, aud) }, "abc123"},
		{"long instance", sso.ReasonMalformed, func() string { return w.token(t, aud) }, strings.Repeat("a", 129)},
		{"instance charset", sso.ReasonMalformed, func() string { return w.token(t, aud) }, "0123456789abcdef/0123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.token()
			before := len(w.events(t))
			res := w.call(t, http.MethodGet, "articles", tok, tt.instance, partnerOrigin)
			ev := w.rejected(t, res, tt.reason, before)
			// Email and jti only from a token whose signature verified.
			signed := tt.reason != sso.ReasonMalformed || strings.Contains(tt.name, "instance")
			if tt.reason == sso.ReasonInvalidSignature {
				signed = false
			}
			if signed != (ev.JTI != "") || signed != (ev.Email != "") {
				t.Errorf("row names jti %q and email %q for %s", ev.JTI, ev.Email, tt.name)
			}
			if strings.Contains(tt.name, "instance") && !strings.Contains(ev.Detail, "X-Widget-Instance") {
				t.Errorf("detail %q does not name the header", ev.Detail)
			}
			if res.Header.Get("Access-Control-Allow-Origin") != partnerOrigin {
				t.Errorf("a rejection lacks the CORS header of an allowed origin")
			}
			if strings.Contains(w.app.Logs.String(), tok) {
				t.Error("the raw token reached the log")
			}
		})
	}
	t.Run("sso not configured", func(t *testing.T) {
		off := addWidgetSite(t, w.app, "initech", ssoConfig{Enabled: false})
		before := len(off.events(t))
		res := off.get(t, "articles", off.token(t, nil))
		if ev := off.rejected(t, res, sso.ReasonSSONotConfigured, before); ev.JTI != "" {
			t.Errorf("row names jti %q", ev.JTI)
		}
	})
	// An instance id that fails the rule consumed nothing: the widget's
	// next, well-formed call with that token works.
	tok := w.token(t, aud)
	w.call(t, http.MethodGet, "articles", tok, "", partnerOrigin)
	if res := w.get(t, "articles", tok); res.StatusCode != http.StatusOK {
		t.Fatalf("after a call without instance: %d %s", res.StatusCode, res.Body)
	}
}

func TestWidgetMissingToken(t *testing.T) {
	t.Parallel()
	w := newWidgetSite(t, "acme", ssoConfig{Enabled: true})
	for name, header := range map[string]string{"none": "", "empty bearer": "Bearer ", "basic": "Basic dXNlcjpwYXNz"} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, w.app.BaseURL+"/api/widget/v1/articles?app_id="+w.hc.PublicID, nil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			req.Header.Set("X-Widget-Instance", instanceA)
			req.Header.Set("Origin", partnerOrigin)
			res := w.app.Client(t).Do(req)
			if res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") != "Bearer" {
				t.Fatalf("%d, WWW-Authenticate %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
			}
			if body := jsonBody(t, res); body["error"] != "missing_token" || body["detail"] == "" {
				t.Errorf("body %s", res.Body)
			}
			if res.Header.Get("Access-Control-Allow-Origin") != partnerOrigin || res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v", res.Header)
			}
		})
	}
	if evs := w.events(t); len(evs) != 0 {
		t.Errorf("a call without a token wrote %d rows", len(evs))
	}
}

// corsHeaders lists the Access-Control-* headers of an answer.
func corsHeaders(res *testapp.Response) []string {
	var out []string
	for k := range res.Header {
		if strings.HasPrefix(k, "Access-Control-") {
			out = append(out, k)
		}
	}
	return out
}

func TestWidgetCORS(t *testing.T) {
	t.Parallel()
	w := newWidgetSite(t, "acme", ssoConfig{Enabled: true})
	other := addWidgetSite(t, w.app, "globex", ssoConfig{Enabled: true})
	if err := w.app.Store.SetWidgetOrigins(context.Background(), other.hc.WorkspaceID, other.hc.ID, []string{"https://globex.example"}); err != nil {
		t.Fatal(err)
	}
	tok := w.token(t, nil)

	res := w.call(t, http.MethodGet, "articles", tok, instanceA, partnerOrigin)
	if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != partnerOrigin {
		t.Fatalf("allowed origin: %d, ACAO %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
	}
	if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Origin") || res.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("Vary %v, credentials %q", res.Header.Values("Vary"), res.Header.Get("Access-Control-Allow-Credentials"))
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}

	if len(w.events(t)) != 0 {
		t.Errorf("a successful call wrote a row")
	}

	// Any other origin, or an origin allowed only for another help center,
	// or a near miss of the allowed one, gets no CORS header at all — on
	// successes and rejections alike.
	for _, origin := range []string{"https://evil.test", "https://globex.example", "http://app.partner.test", "https://app.partner.test:8443", "https://APP.partner.test", "null"} {
		for _, token := range []string{tok, "garbage", ""} {
			res := w.call(t, http.MethodGet, "articles", token, instanceA, origin)
			if h := corsHeaders(res); len(h) != 0 {
				t.Errorf("origin %s (token %.8q): CORS headers %v", origin, token, h)
			}
		}
	}

	// Preflight from an allowed origin.
	req, _ := http.NewRequest(http.MethodOptions, w.app.BaseURL+"/api/widget/v1/articles/getting-started?app_id="+w.hc.PublicID, nil)
	req.Header.Set("Origin", partnerOrigin)
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization,x-widget-instance")
	res = w.app.Client(t).Do(req)
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("preflight: %d %s", res.StatusCode, res.Body)
	}
	want := map[string]string{
		"Access-Control-Allow-Origin":  partnerOrigin,
		"Access-Control-Allow-Methods": "GET, POST",
		"Access-Control-Allow-Headers": "Authorization, X-Widget-Instance",
		"Access-Control-Max-Age":       "600",
	}
	for k, v := range want {
		if res.Header.Get(k) != v {
			t.Errorf("preflight %s = %q, want %q", k, res.Header.Get(k), v)
		}
	}
	if res.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("preflight allows credentials")
	}
	// Preflight from anyone else: no CORS header, so the browser stops.
	req.Header.Set("Origin", "https://evil.test")
	if res := w.app.Client(t).Do(req); len(corsHeaders(res)) != 0 {
		t.Errorf("preflight from another origin: %v", corsHeaders(res))
	}

	// An unknown app_id is a JSON 404, with no CORS header for anyone.
	req, _ = http.NewRequest(http.MethodGet, w.app.BaseURL+"/api/widget/v1/articles?app_id=hc_nobody", nil)
	req.Header.Set("Origin", partnerOrigin)
	req.Header.Set("Authorization", "Bearer "+tok)
	res = w.app.Client(t).Do(req)
	if res.StatusCode != http.StatusNotFound || jsonBody(t, res)["error"] != "unknown_app_id" || len(corsHeaders(res)) != 0 {
		t.Errorf("unknown app_id: %d %s %v", res.StatusCode, res.Body, corsHeaders(res))
	}
	// An unknown endpoint answers JSON too.
	res = w.call(t, http.MethodGet, "nothing-here", tok, instanceA, partnerOrigin)
	if res.StatusCode != http.StatusNotFound || jsonBody(t, res)["error"] != "not_found" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("unknown endpoint: %d %s", res.StatusCode, res.Body)
	}
}

func TestWidgetInstanceBinding(t *testing.T) {
	t.Parallel()
	w := newWidgetSite(t, "acme", ssoConfig{Enabled: true})
	tok := w.token(t, nil) // exp in 120 s
	for i := 0; i < 3; i++ {
		if res := w.get(t, "articles", tok); res.StatusCode != http.StatusOK {
			t.Fatalf("use %d by the same instance: %d %s", i+1, res.StatusCode, res.Body)
		}
		w.app.Clock.Advance(30 * time.Second)
	}
	before := len(w.events(t))
	if before != 0 {
		t.Fatalf("successful calls wrote %d rows", before)
	}
	res := w.call(t, http.MethodGet, "articles", tok, instanceB, partnerOrigin)
	ev := w.rejected(t, res, sso.ReasonReplayed, before)
	if !strings.Contains(ev.Detail, "another widget instance") || ev.Email != "Jane@Example.com" {
		t.Errorf("row %+v", ev)
	}
	// Still fine for its own instance until exp (plus the skew), then expired.
	if res := w.get(t, "articles", tok); res.StatusCode != http.StatusOK {
		t.Fatalf("own instance after a replay attempt: %d", res.StatusCode)
	}
	w.app.Clock.Advance(61 * time.Second) // exp + 31 s
	before = len(w.events(t))
	w.rejected(t, w.get(t, "articles", tok), sso.ReasonExpired, before)
}

func TestWidgetConcurrentInstances(t *testing.T) {
	t.Parallel()
	w := newWidgetSite(t, "acme", ssoConfig{Enabled: true})
	tok := w.token(t, nil)
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res := w.call(t, http.MethodGet, "articles", tok, strings.Repeat(string(rune('a'+i)), 32), partnerOrigin)
			mu.Lock()
			codes[res.StatusCode]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	if codes[http.StatusOK] != 1 || codes[http.StatusUnauthorized] != 19 {
		t.Fatalf("statuses %v: exactly one instance may win a jti", codes)
	}
}

func TestWidgetCrossSurfaceReplay(t *testing.T) {
	t.Parallel()
	w := newWidgetSite(t, "acme", ssoConfig{Enabled: true})

	// A token signed in through /sso/jwt is spent for the widget.
	c := w.app.Client(t)
	tok := w.mint(t, w.claims(w.startFlow(t, c, "/")))
	if res := w.submit(c, tok); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("redirect sign-in: %d", res.StatusCode)
	}
	before := len(w.events(t))
	ev := w.rejected(t, w.get(t, "articles", tok), sso.ReasonReplayed, before)
	if !strings.Contains(ev.Detail, "/sso/jwt") {
		t.Errorf("detail %q", ev.Detail)
	}

	// A token the widget used is spent for /sso/jwt, even from the browser
	// that holds the pending key.
	c2 := w.app.Client(t)
	tok = w.mint(t, w.claims(w.startFlow(t, c2, "/")))
	if res := w.get(t, "articles", tok); res.StatusCode != http.StatusOK {
		t.Fatalf("widget first: %d %s", res.StatusCode, res.Body)
	}
	res := w.submit(c2, tok)
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "jwt_replayed") || hasSessionCookie(res) {
		t.Fatalf("/sso/jwt after the widget: %d", res.StatusCode)
	}
	if ev := w.lastEvent(t); ev.Event != models.EventRedirectRejected || ev.Reason != "jwt_replayed" {
		t.Errorf("row %+v", ev)
	}
}

// slugs lists the slugs of a list or search answer.
func slugs(t *testing.T, res *testapp.Response, key string) []string {
	t.Helper()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d %s", res.StatusCode, res.Body)
	}
	var out []string
	for _, item := range jsonBody(t, res)[key].([]any) {
		out = append(out, item.(map[string]any)["slug"].(string))
	}
	return out
}

func TestWidgetHonoursRoles(t *testing.T) {
	t.Parallel()
	w := newWidgetSite(t, "acme", ssoConfig{Enabled: true})
	viewer := w.token(t, nil)

	got := strings.Join(slugs(t, w.get(t, "articles", viewer), "articles"), " ")
	if got != "billing-basics getting-started" {
		t.Errorf("viewer's list: %s", got)
	}
	list := jsonBody(t, w.get(t, "articles", viewer))
	if hc := list["help_center"].(map[string]any); hc["name"] != "Acme Docs" {
		t.Errorf("help center %v", hc)
	}
	if cats := list["categories"].([]any); len(cats) != 1 || cats[0].(map[string]any)["slug"] != "guides" {
		t.Errorf("a viewer sees categories %v", cats)
	}
	if got := slugs(t, w.get(t, "articles?category=guides", viewer), "articles"); len(got) != 2 {
		t.Errorf("category guides: %v", got)
	}
	if got := slugs(t, w.get(t, "articles?category=staff", viewer), "articles"); len(got) != 0 {
		t.Errorf("category staff for a viewer: %v", got)
	}
	if res := w.get(t, "articles?category=nope", viewer); res.StatusCode != http.StatusNotFound || jsonBody(t, res)["error"] != "not_found" {
		t.Errorf("unknown category: %d", res.StatusCode)
	}
	if got := slugs(t, w.get(t, "search?q=invoices", viewer), "results"); strings.Join(got, " ") != "billing-basics" {
		t.Errorf("viewer's search: %v", got)
	}
	search := jsonBody(t, w.get(t, "search?q=invoices", viewer))
	snippet, _ := json.Marshal(search["results"].([]any)[0].(map[string]any)["snippet"])
	if !strings.Contains(string(snippet), `{"hit":true,"text":"invoices"}`) {
		t.Errorf("snippet %s", snippet)
	}
	if got := slugs(t, w.get(t, "search?q=", viewer), "results"); len(got) != 0 {
		t.Errorf("empty query: %v", got)
	}
	res := w.get(t, "articles/getting-started", viewer)
	art := jsonBody(t, res)
	if res.StatusCode != http.StatusOK || art["title"] != "Getting started" || !strings.Contains(art["html"].(string), `href="/articles/billing-basics"`) {
		t.Fatalf("article: %d %s", res.StatusCode, res.Body)
	}
	if art["url"] != w.base+"/articles/getting-started" || art["category"].(map[string]any)["name"] != "Guides" {
		t.Errorf("article %v", art)
	}
	for _, slug := range []string{"editor-handbook", "unreleased-invoices", "no-such-article"} {
		res := w.get(t, "articles/"+slug, viewer)
		if res.StatusCode != http.StatusNotFound || jsonBody(t, res)["error"] != "not_found" || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("viewer, %s: %d %s", slug, res.StatusCode, res.Body)
		}
	}

	// An editor reads the editors' article; a draft stays absent for everyone.
	editor := w.token(t, func(m map[string]any) { m["role"], m["email"] = "editor", "ed@example.com" })
	if got := strings.Join(slugs(t, w.get(t, "articles", editor), "articles"), " "); got != "billing-basics editor-handbook getting-started" {
		t.Errorf("editor's list: %s", got)
	}
	if res := w.get(t, "articles/editor-handbook", editor); res.StatusCode != http.StatusOK {
		t.Errorf("editor, editor-handbook: %d", res.StatusCode)
	}
	admin := w.token(t, func(m map[string]any) { m["role"], m["email"] = "admin", "boss@example.com" })
	if res := w.get(t, "articles/unreleased-invoices", admin); res.StatusCode != http.StatusNotFound {
		t.Errorf("admin, draft: %d", res.StatusCode)
	}
	// Provisioning as for /sso/jwt: the users exist with the token's role.
	u, err := w.app.Store.UserByEmail(context.Background(), w.hc.ID, "ed@example.com")
	if err != nil || u.Role != models.RoleEditor || u.Name != "Jane Doe" {
		t.Errorf("provisioned %+v, %v", u, err)
	}
}

func TestWidgetTenantIsolation(t *testing.T) {
	t.Parallel()
	a := newWidgetSite(t, "acme", ssoConfig{Enabled: true})
	b := addWidgetSite(t, a.app, "globex", ssoConfig{Enabled: true})
	// A token signed with acme's secret is no token for globex, even with
	// acme's articles' slugs.
	tok := a.token(t, nil)
	before := len(b.events(t))
	b.rejected(t, b.get(t, "articles/getting-started", tok), sso.ReasonInvalidSignature, before)
	if n := len(a.events(t)); n != 0 {
		t.Errorf("acme got %d rows for globex's rejection", n)
	}
	// The same jti is independent per help center.
	m := a.claims("shared-jti-1")
	if res := a.get(t, "articles", a.mint(t, m)); res.StatusCode != http.StatusOK {
		t.Fatalf("acme: %d", res.StatusCode)
	}
	if res := b.call(t, http.MethodGet, "articles", b.mint(t, m), instanceB, partnerOrigin); res.StatusCode != http.StatusOK {
		t.Fatalf("globex, same jti: %d %s", res.StatusCode, res.Body)
	}
}

// The widget's per-address limit counts rejected calls only: a widget
// with a good token is never refused, however busy (SPEC section 3).
func TestWidgetRateLimit(t *testing.T) {
	t.Parallel()
	w := newWidgetSite(t, "acme", ssoConfig{Enabled: true})
	tok := w.token(t, nil)
	for i := 0; i < 150; i++ {
		if res := w.get(t, "search?q=billing", tok); res.StatusCode != http.StatusOK {
			t.Fatalf("good call %d: %d", i+1, res.StatusCode)
		}
	}
	bad := w.token(t, func(m map[string]any) { m["exp"] = w.app.Clock.Now().Add(-time.Hour).Unix() })
	for i := 0; i < 120; i++ {
		if res := w.get(t, "search?q=billing", bad); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("rejected call %d: %d", i+1, res.StatusCode)
		}
	}
	for i := 0; i < 2; i++ {
		res := w.get(t, "search?q=billing", bad)
		if res.StatusCode != http.StatusTooManyRequests || jsonBody(t, res)["error"] != "rate_limited" || res.Header.Get("Retry-After") == "" {
			t.Fatalf("rejected call past the limit: %d %s", res.StatusCode, res.Body)
		}
		if res.Header.Get("Access-Control-Allow-Origin") != partnerOrigin || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("429 headers %v", res.Header)
		}
	}
	// Two refusals in one minute are one rate_limited row counting two.
	var limited []models.Event
	for _, e := range w.events(t) {
		if e.Reason == string(sso.ReasonRateLimited) {
			limited = append(limited, e)
		}
	}
	if len(limited) != 1 || limited[0].Count != 2 || limited[0].Event != models.EventWidgetRejected || limited[0].IP == "" {
		t.Fatalf("rate_limited rows: %+v", limited)
	}
	if res := w.get(t, "search?q=billing", tok); res.StatusCode != http.StatusOK {
		t.Fatalf("a good token past the limit: %d", res.StatusCode)
	}
	w.app.Clock.Advance(61 * time.Second)
	if res := w.get(t, "search?q=billing", bad); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after the window: %d", res.StatusCode)
	}
}

// A page whose origin is not allowed gets no CORS header, leaves an
// origin_not_allowed row (one per address and minute), and can learn from
// origin.js why the widget cannot work there (SPEC section 8).
func TestWidgetOnAnOriginNotAllowed(t *testing.T) {
	t.Parallel()
	w := newWidgetSite(t, "acme", ssoConfig{Enabled: true})
	tok := w.token(t, nil)
	for range 3 {
		res := w.call(t, http.MethodOptions, "articles", "", instanceA, "https://evil.test")
		if res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatal("a CORS header for an origin not allowed")
		}
	}
	if res := w.call(t, http.MethodGet, "articles", tok, instanceA, "https://evil.test"); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("a CORS header for an origin not allowed")
	}
	var rows []models.Event
	for _, e := range w.events(t) {
		if e.Reason == string(sso.ReasonOriginNotAllowed) {
			rows = append(rows, e)
		}
	}
	if len(rows) != 1 || rows[0].Count != 4 || rows[0].Event != models.EventWidgetRejected || !strings.Contains(rows[0].Detail, `"https://evil.test"`) {
		t.Fatalf("origin_not_allowed rows: %+v", rows)
	}
	check := func(origin string) string {
		res := w.app.Client(t).Get(w.app.BaseURL + "/api/widget/v1/origin.js?app_id=" + url.QueryEscape(w.hc.PublicID) + "&origin=" + url.QueryEscape(origin))
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
			t.Fatalf("origin.js: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		return strings.TrimSpace(res.Body)
	}
	if got := check("https://evil.test"); got != "window.__hcOriginAllowed&&window.__hcOriginAllowed(false);" {
		t.Errorf("not allowed: %s", got)
	}
	if got := check(partnerOrigin); got != "window.__hcOriginAllowed&&window.__hcOriginAllowed(true);" {
		t.Errorf("allowed: %s", got)
	}
}
