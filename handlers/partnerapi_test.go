package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"helpcenter/handlers/partnerapi"
	"helpcenter/handlers/session"
	"helpcenter/internal/testapp"
	"helpcenter/store"
)

var revealedAPIKey = regexp.MustCompile(`id="new-api-key" type="text" readonly value="(hcapi_[A-Z0-9]+)"`)

// createAPIKey creates a key on Settings → API keys and returns it, read
// from the one-time reveal.
func createAPIKey(t *testing.T, app *testapp.App, admin *testapp.Client, label string, scopes ...string) string {
	t.Helper()
	res := admin.Submit(app.BaseURL+"/settings/api-keys", app.BaseURL+"/settings/api-keys", url.Values{"label": {label}, "scopes": scopes})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create API key: %d %s", res.StatusCode, textOf(res.Body))
	}
	page := admin.Get(app.BaseURL + "/settings/api-keys")
	m := revealedAPIKey.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("the new key is not shown: %s", textOf(page.Body))
	}
	if again := admin.Get(app.BaseURL + "/settings/api-keys"); strings.Contains(again.Body, m[1]) {
		t.Fatal("the key is shown a second time")
	}
	return m[1]
}

type apiAnswer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func call(t *testing.T, app *testapp.App, key, method, path, body string) apiAnswer {
	t.Helper()
	req, _ := http.NewRequest(method, app.BaseURL+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res := app.Client(t).Do(req)
	a := apiAnswer{status: res.StatusCode, header: res.Header, raw: res.Body}
	if res.Body != "" {
		if err := json.Unmarshal([]byte(res.Body), &a.body); err != nil {
			t.Fatalf("%s %s: not JSON: %q", method, path, res.Body)
		}
	}
	return a
}

func TestPartnerAPIScopesAndErrors(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	admin := consoleLogin(t, s)
	writer := createAPIKey(t, s.app, admin, "Provisioning", "users:write")
	all := createAPIKey(t, s.app, admin, "Everything", "users:read", "users:write", "sessions:revoke", "logs:read")

	for _, tc := range []struct {
		name, key, method, path, body string
		status                        int
		code                          string
	}{
		{"no key", "", "GET", "/api/v1/events", "", 401, "unauthorized"},
		{"unknown key", "hcapi_NOPE", "GET", "/api/v1/events", "", 401, "unauthorized"},
		{"users:read missing", writer, "GET", "/api/v1/users/u-1", "", 403, "insufficient_scope"},
		{"logs:read missing", writer, "GET", "/api/v1/events", "", 403, "insufficient_scope"},
		{"sessions:revoke missing", writer, "POST", "/api/v1/users/revoke-sessions", `{"email":"a@acme.test"}`, 403, "insufficient_scope"},
		{"empty body", writer, "PUT", "/api/v1/users/u-1", "", 400, "invalid_request"},
		{"unknown field", writer, "PUT", "/api/v1/users/u-1", `{"email":"a@acme.test","nmae":"typo"}`, 400, "invalid_request"},
		{"bad email", writer, "PUT", "/api/v1/users/u-1", `{"email":"nope"}`, 422, "invalid_request"},
		{"bad role", writer, "PUT", "/api/v1/users/u-1", `{"email":"a@acme.test","role":"owner"}`, 422, "invalid_request"},
		{"delete nobody", writer, "DELETE", "/api/v1/users/nobody", "", 404, "not_found"},
		{"no such endpoint", all, "GET", "/api/v1/nothing", "", 404, "not_found"},
		{"both identifiers", all, "POST", "/api/v1/users/revoke-sessions", `{"email":"a@acme.test","external_id":"u-1"}`, 422, "invalid_request"},
		{"bad event", all, "GET", "/api/v1/events?event=nope", "", 400, "invalid_request"},
		{"bad cursor", all, "GET", "/api/v1/events?before=xyz", "", 400, "invalid_request"},
	} {
		a := call(t, s.app, tc.key, tc.method, tc.path, tc.body)
		if a.status != tc.status || a.body["error"] != tc.code || a.body["detail"] == "" {
			t.Errorf("%s: %d %v, want %d %s", tc.name, a.status, a.body, tc.status, tc.code)
		}
		if tc.status == 401 && !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: no WWW-Authenticate", tc.name)
		}
	}

	// OpenAPI is served without a key.
	doc := call(t, s.app, "", "GET", "/api/v1/openapi.json", "")
	if doc.status != 200 || doc.body["openapi"] != "3.1.0" {
		t.Errorf("openapi.json: %d", doc.status)
	}

	// A revoked key stops at once.
	page := admin.Get(s.app.BaseURL + "/settings/api-keys")
	m := regexp.MustCompile(`action="(/settings/api-keys/\d+/revoke)"`).FindAllStringSubmatch(page.Body, -1)
	if len(m) != 2 {
		t.Fatalf("%d revoke buttons", len(m))
	}
	// Newest first: the first button revokes "Everything".
	admin.Submit(s.app.BaseURL+"/settings/api-keys", s.app.BaseURL+m[0][1], nil)
	if a := call(t, s.app, all, "GET", "/api/v1/events", ""); a.status != 401 {
		t.Errorf("a revoked key: %d", a.status)
	}
	if !strings.Contains(textOf(admin.Get(s.app.BaseURL+"/settings/api-keys").Body), "Revoked") {
		t.Error("the list does not say Revoked")
	}
}

func TestPartnerAPIProvisionsAndDeprovisions(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Issuer: "partner-app", LoginURL: partnerLogin, Enabled: true})
	ctx := context.Background()
	admin := consoleLogin(t, s)
	key := createAPIKey(t, s.app, admin, "Backend", "users:read", "users:write", "sessions:revoke", "logs:read")

	// Invite only: only users created beforehand may sign in.
	settings := helpCenter(t, s.app, "acme").SSOSettings()
	settings.InviteOnly = true
	if err := s.app.Store.UpdateSSOSettings(ctx, s.hc.WorkspaceID, s.hc.ID, store.SSOUpdate{Settings: settings, Enable: true}); err != nil {
		t.Fatal(err)
	}
	s.app.Clock.Advance(2 * time.Second) // past the page cache
	v := s.app.Client(t)
	jti := s.startFlow(t, v, "/")
	s.submit(v, s.mint(t, s.claims(jti)))
	if ev := s.lastEvent(t); ev.Reason != "user_not_invited" {
		t.Fatalf("an unknown user in Invite only mode: %q", ev.Reason)
	}

	created := call(t, s.app, key, "PUT", "/api/v1/users/u-42", `{"email":"Jane@Example.com","name":"Jane","role":"editor","groups":["staff"]}`)
	if created.status != 201 || created.body["external_id"] != "u-42" || created.body["role"] != "editor" || created.body["first_sign_in_at"] != nil {
		t.Fatalf("create: %d %v", created.status, created.body)
	}
	updated := call(t, s.app, key, "PUT", "/api/v1/users/u-42", `{"email":"Jane@Example.com","name":"Jane Doe"}`)
	if updated.status != 200 || updated.body["name"] != "Jane Doe" || updated.body["role"] != "viewer" || updated.body["id"] != created.body["id"] {
		t.Fatalf("update: %d %v", updated.status, updated.body)
	}
	visitor := s.signInVisitor(t, map[string]any{"external_id": "u-42"})
	got := call(t, s.app, key, "GET", "/api/v1/users/u-42", "")
	if got.status != 200 || got.body["first_sign_in_at"] == nil {
		t.Fatalf("read: %d %v", got.status, got.body)
	}

	// The partner ends the session, then deletes the user.
	rev := call(t, s.app, key, "POST", "/api/v1/users/revoke-sessions", `{"external_id":"u-42"}`)
	if rev.status != 200 || rev.body["revoked"] != float64(1) {
		t.Fatalf("revoke: %d %v", rev.status, rev.body)
	}
	s.app.Clock.Advance(session.SyncEvery)
	if res := visitor.Get(s.base + "/"); res.StatusCode == http.StatusOK {
		t.Error("the visitor is still signed in after revoke-sessions")
	}
	if a := call(t, s.app, key, "POST", "/api/v1/users/revoke-sessions", `{"email":"nobody@example.com"}`); a.status != 404 {
		t.Errorf("revoke nobody: %d", a.status)
	}
	visitor = s.signInVisitor(t, map[string]any{"external_id": "u-42"})
	if a := call(t, s.app, key, "DELETE", "/api/v1/users/u-42", ""); a.status != 204 {
		t.Fatalf("delete: %d %s", a.status, a.raw)
	}
	s.app.Clock.Advance(session.SyncEvery)
	if res := visitor.Get(s.base + "/"); res.StatusCode == http.StatusOK {
		t.Error("a deleted user is still signed in")
	}
	if a := call(t, s.app, key, "GET", "/api/v1/users/u-42", ""); a.status != 404 {
		t.Errorf("read a deleted user: %d", a.status)
	}

	// The log pages by "next".
	ev := call(t, s.app, key, "GET", "/api/v1/events?event=all&limit=2", "")
	events, _ := ev.body["events"].([]any)
	if ev.status != 200 || len(events) != 2 || ev.body["next"] == nil {
		t.Fatalf("events: %d %v", ev.status, ev.body)
	}
	more := call(t, s.app, key, "GET", "/api/v1/events?event=all&limit=100&before="+url.QueryEscape(ev.body["next"].(string)), "")
	rest, _ := more.body["events"].([]any)
	if len(rest) < 1 || more.body["next"] != nil {
		t.Errorf("second page: %v", more.body)
	}
	rejected := call(t, s.app, key, "GET", "/api/v1/events?reason=user_not_invited", "")
	if rows, _ := rejected.body["events"].([]any); len(rows) != 1 || rows[0].(map[string]any)["email"] != "Jane@Example.com" {
		t.Errorf("events by reason: %v", rejected.body)
	}

	// Every call is audited under the key.
	entries, _ := s.app.Store.AuditLog(ctx, s.hc.ID, 100)
	var byKey int
	for _, e := range entries {
		if strings.HasPrefix(e.Actor, "API key hcapi_") && strings.HasSuffix(e.Actor, "(Backend)") {
			byKey++
		}
	}
	if byKey < 7 {
		t.Errorf("%d audit entries by the key, want one per call", byKey)
	}
}

func TestPartnerAPIRateLimitPerKey(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Enabled: true})
	admin := consoleLogin(t, s)
	busy := createAPIKey(t, s.app, admin, "Busy", "users:write")
	calm := createAPIKey(t, s.app, admin, "Calm", "users:write")
	for i := range partnerapi.RatePerKey {
		if a := call(t, s.app, busy, "DELETE", "/api/v1/users/nobody", ""); a.status != 404 {
			t.Fatalf("call %d: %d", i, a.status)
		}
	}
	over := call(t, s.app, busy, "DELETE", "/api/v1/users/nobody", "")
	if over.status != 429 || over.body["error"] != "rate_limited" || over.header.Get("Retry-After") == "" {
		t.Fatalf("past the limit: %d %v", over.status, over.body)
	}
	if a := call(t, s.app, calm, "DELETE", "/api/v1/users/nobody", ""); a.status != 404 {
		t.Errorf("another key is limited too: %d", a.status)
	}
	s.app.Clock.Advance(partnerapi.RateWindow)
	if a := call(t, s.app, busy, "DELETE", "/api/v1/users/nobody", ""); a.status != 404 {
		t.Errorf("after the window: %d", a.status)
	}

}
