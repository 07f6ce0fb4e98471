package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/testapp"
	"helpcenter/internal/testsmtp"
)

// A partner deploys a broken signer: the admins get an email naming the
// reason, with a link to the Logs view, once.
func TestBrokenSignerAlertsTheAdmins(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	s := newSSOSite(t, "acme", ssoConfig{Issuer: "partner-app", LoginURL: partnerLogin, Enabled: true}, testapp.Options{SMTP: smtp})
	admin := consoleLogin(t, s)
	page := s.app.BaseURL + "/settings/alerts"
	if res := admin.Submit(page, page, url.Values{"rejections": {"1"}, "threshold": {"zero"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="alert-threshold-error"`) {
		t.Fatalf("a bad threshold: %d", res.StatusCode)
	}
	if res := admin.Submit(page, page, url.Values{"rejections": {"1"}, "threshold": {"10"}, "reason_jump": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save alerts: %d", res.StatusCode)
	}
	if got := admin.Get(page).Body; !strings.Contains(got, `value="10"`) || !strings.Contains(got, "acme-owner@example.com") {
		t.Errorf("the page after saving: %s", textOf(got))
	}

	wrong := "a-different-secret-0123456789abcdefghijklmnopqrstuvwxyz"
	for range 12 {
		v := s.app.Client(t)
		key := s.startFlow(t, v, "/")
		s.secret, wrong = wrong, s.secret
		tok := s.mint(t, s.claims(key))
		s.secret, wrong = wrong, s.secret
		s.submit(v, tok)
	}
	m := smtp.Await("acme-owner@example.com", 10*time.Second)
	// The rules are checked while the rejections arrive: the alert fires
	// on the eleventh or the twelfth, and counts what it saw.
	n := regexp.MustCompile(`\] (1[12]) sign-ins rejected in 10 minutes`).FindStringSubmatch(m.Subject)
	if n == nil || !strings.Contains(m.Text, n[1]+" × jwt_invalid_signature — Invalid signature") ||
		m.Link("/settings/logs") != s.app.BaseURL+"/settings/logs?reason=jwt_invalid_signature" {
		t.Errorf("alert mail: %q\n%s", m.Subject, m.Text)
	}
	time.Sleep(300 * time.Millisecond) // a few more checks of the rules
	var alerts int
	for _, got := range smtp.Messages() {
		if strings.Contains(got.Subject, "rejected in 10 minutes") {
			alerts++
		}
	}
	if alerts != 1 {
		t.Errorf("%d alerts for one spike", alerts)
	}
}
