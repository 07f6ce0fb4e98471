package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"helpcenter/handlers/session"
)

// A signed front-channel logout (/logout?jwt=<token with "logout": true>)
// ends every session of the token's user, in every browser.
func TestFrontChannelLogout(t *testing.T) {
	t.Parallel()
	s := newSSOSite(t, "acme", ssoConfig{Issuer: "partner-app", LoginURL: partnerLogin, Enabled: true})
	laptop := s.signInVisitor(t, map[string]any{"external_id": "u-7"})
	phone := s.signInVisitor(t, map[string]any{"external_id": "u-7"})
	bystander := s.signInVisitor(t, map[string]any{"external_id": "u-8", "email": "bob@example.com", "name": "Bob"})

	logoutURL := func(claims map[string]any) string {
		cl := s.claims("logout-" + strings.Repeat("x", 8))
		for k, v := range claims {
			cl[k] = v
		}
		return s.base + "/logout?jwt=" + url.QueryEscape(s.mint(t, cl))
	}

	// A token without the claim, or with a bad signature, ends nothing.
	if res := s.app.Client(t).Get(logoutURL(map[string]any{"external_id": "u-7"})); res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Body, `&#34;logout&#34;: true`) {
		t.Errorf("a token without logout: %d %s", res.StatusCode, textOf(res.Body))
	}
	forged := logoutURL(map[string]any{"external_id": "u-7", "logout": true})
	forged = forged[:len(forged)-4] + "AAAA"
	if res := s.app.Client(t).Get(forged); res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "jwt_invalid_signature") {
		t.Errorf("a forged logout token: %d", res.StatusCode)
	}
	s.app.Clock.Advance(session.SyncEvery)
	if res := laptop.Get(s.base + "/"); res.StatusCode != http.StatusOK {
		t.Fatalf("a refused logout token signed the user out: %d", res.StatusCode)
	}

	// The partner's own page sends some browser to the signed logout.
	res := s.app.Client(t).Get(logoutURL(map[string]any{"external_id": "u-7", "logout": true}))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d %s", res.StatusCode, textOf(res.Body))
	}
	s.app.Clock.Advance(session.SyncEvery)
	if laptop.Get(s.base+"/").StatusCode == http.StatusOK || phone.Get(s.base+"/").StatusCode == http.StatusOK {
		t.Error("a session of the logged-out user still works")
	}
	if res := bystander.Get(s.base + "/"); res.StatusCode != http.StatusOK {
		t.Errorf("another user was signed out: %d", res.StatusCode)
	}
}
