package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"helpcenter/internal/testapp"
	"helpcenter/internal/webhooks"
)

var revealedWebhookSecret = regexp.MustCompile(`id="webhook-secret" type="text" readonly value="(whsec_[^"]+)"`)

// An admin adds a webhook; every sign-in outcome it asked for is posted,
// signed with the secret shown once; the deliveries are listed with a
// Resend.
func TestWebhooksFromTheConsole(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	s := newSSOSite(t, "acme", ssoConfig{Issuer: "partner-app", LoginURL: partnerLogin, Enabled: true})
	admin := consoleLogin(t, s)
	page := s.app.BaseURL + "/settings/webhooks"

	for _, tc := range []struct{ url, events, field string }{
		{"", "sso.redirect_flow.rejected", "webhook-url-error"},
		{"ftp://example.com/x", "sso.redirect_flow.rejected", "webhook-url-error"},
		{"http://10.1.2.3/hook", "sso.redirect_flow.rejected", "webhook-url-error"},
		{receiver.URL + "/hook", "", "events-error"},
	} {
		res := admin.Submit(page, page, url.Values{"url": {tc.url}, "events": {tc.events}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="`+tc.field+`"`) {
			t.Errorf("add %q %q: %d", tc.url, tc.events, res.StatusCode)
		}
	}
	if res := admin.Submit(page, page, url.Values{"url": {receiver.URL + "/hook"}, "events": {"sso.redirect_flow.rejected", "sso.redirect_flow.succeeded"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d %s", res.StatusCode, textOf(res.Body))
	}
	m := revealedWebhookSecret.FindStringSubmatch(admin.Get(page).Body)
	if m == nil {
		t.Fatal("the signing secret is not shown")
	}
	secret := m[1]
	if strings.Contains(admin.Get(page).Body, secret) {
		t.Fatal("the secret is shown twice")
	}

	s.signInVisitor(t, nil)
	s.app.Client(t).Get(s.base + "/sso/jwt?jwt=not-a-token")
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries arrived", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	for i, r := range got {
		unix, err := strconv.ParseInt(r.Header.Get("Webhook-Timestamp"), 10, 64)
		if err != nil {
			t.Fatalf("webhook-timestamp %q", r.Header.Get("Webhook-Timestamp"))
		}
		want, _ := webhooks.Sign(secret, r.Header.Get("Webhook-Id"), unix, bodies[i])
		if r.Header.Get("Webhook-Signature") != want {
			t.Errorf("delivery %d: signature %q, want %q", i, r.Header.Get("Webhook-Signature"), want)
		}
	}
	all := string(bodies[0]) + string(bodies[1])
	mu.Unlock()
	if !strings.Contains(all, `"type":"sso.redirect_flow.succeeded"`) || !strings.Contains(all, `"reason":"jwt_malformed"`) {
		t.Errorf("payloads: %s", all)
	}
	ds, _ := s.app.Store.Deliveries(context.Background(), s.hc.ID, 10)
	for _, d := range ds {
		if d.RequestID == "" {
			t.Errorf("delivery %d does not carry the id of the request behind its event", d.ID)
		}
	}
	// The receiver has the posts; the worker records them a moment later.
	list := admin.Get(page)
	for deadline := time.Now().Add(10 * time.Second); strings.Count(list.Body, `data-delivery-status="delivered"`) != 2; list = admin.Get(page) {
		if time.Now().After(deadline) {
			t.Fatalf("the deliveries are not listed as delivered: %s", textOf(list.Body))
		}
		time.Sleep(50 * time.Millisecond)
	}
	resend := regexp.MustCompile(`action="(/settings/webhooks/deliveries/\d+/resend)"`).FindStringSubmatch(list.Body)
	if res := admin.Submit(page, s.app.BaseURL+resend[1], nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d", res.StatusCode)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Resend: %d deliveries", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The request behind a mail reaches the log line the mail job writes.
func TestRequestIDReachesTheMailLog(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	app.Signup(t, "owner@acme.test", pw, "Acme", "acme")
	res := app.Client(t).Submit(app.BaseURL+"/password/forgot", app.BaseURL+"/password/forgot", url.Values{"email": {"owner@acme.test"}})
	id := res.Header.Get("X-Request-Id")
	if id == "" {
		t.Fatal("no request id")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(app.Logs.String(), "request_id="+id) || !strings.Contains(app.Logs.String(), "Reset your helpcenter password") {
		if time.Now().After(deadline) {
			t.Fatalf("the mail's log line lacks request_id=%s:\n%s", id, app.Logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, line := range strings.Split(app.Logs.String(), "\n") {
		if strings.Contains(line, "msg=\"mail (HELPCENTER_SMTP_URL") && !strings.Contains(line, "request_id="+id) {
			t.Errorf("a mail line without the request id: %s", line)
		}
	}
}
