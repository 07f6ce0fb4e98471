package handlers_test

import (
	"net/http"
	"strings"
	"testing"
)

// The SSO overview shows the last hour's clock drift of verified tokens
// and warns, naming the cause, before the 30 s skew starts refusing them.
func TestClockDriftOnTheOverview(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Issuer: "partner-app", LoginURL: partnerLogin, Enabled: true})
	admin := consoleLogin(t, s)
	overview := func() string {
		res := admin.Get(s.app.BaseURL + ssoURL)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("overview: %d", res.StatusCode)
		}
		return textOf(res.Body)
	}
	if got := overview(); !strings.Contains(got, "No verified token in the last hour.") {
		t.Errorf("before any token: %s", got)
	}
	now := s.app.Clock.Now().Unix()
	s.signInVisitor(t, map[string]any{"iat": now - 1})
	if got := overview(); !strings.Contains(got, "Last hour, 1 token: median −1.0 s, worst −1.0 s") || strings.Contains(got, "fast:") {
		t.Errorf("a healthy token: %s", got)
	}
	// A signer 22 s fast still gets in, and the overview says why to act.
	s.signInVisitor(t, map[string]any{"iat": now + 22})
	s.signInVisitor(t, map[string]any{"iat": now + 21})
	got := overview()
	if !strings.Contains(got, "worst +22.0 s") || !strings.Contains(got, "Your app's server clock is about 22 s fast") {
		t.Errorf("a fast signer: %s", got)
	}
	// An unsigned token says nothing about the partner's clock.
	s.app.Client(t).Get(s.base + "/sso/jwt?jwt=not-a-token")
	if !strings.Contains(overview(), "Last hour, 3 tokens") {
		t.Error("a malformed token counted in the drift")
	}
}
