package sso

import (
	"net/http"
	"testing"
)

func TestReasons(t *testing.T) {
	want := []ReasonCode{
		"sso_not_configured", "jwt_malformed", "jwt_invalid_signature", "jwt_missing_required_claim",
		"jwt_invalid_claim", "jwt_expired", "jwt_iat_in_future", "jwt_not_yet_valid", "jwt_too_old",
		"jwt_issuer_mismatch", "jwt_audience_mismatch", "jwt_replayed", "jwt_unknown_key",
		"jwt_key_mismatch", "user_banned", "user_not_invited", "email_domain_not_allowed",
	}
	// SPEC section 4: these are ours, the rest HelpCenter.io's. A rejection
	// page is 401 but for user_banned (403) and sso_not_configured (503).
	extensions := map[int]bool{1: true, 4: true, 7: true, 12: true, 13: true, 15: true, 16: true}
	got := Reasons()
	if len(got) != len(want) {
		t.Fatalf("%d reasons, want %d", len(got), len(want))
	}
	for i, r := range got {
		if r.Code != want[i] || r.Check != i {
			t.Errorf("reason %d is %s (check %d), want %s", i, r.Code, r.Check, want[i])
		}
		if r.Extension != extensions[i] {
			t.Errorf("%s: Extension = %v", r.Code, r.Extension)
		}
		status := http.StatusUnauthorized
		switch r.Code {
		case ReasonUserBanned:
			status = http.StatusForbidden
		case ReasonSSONotConfigured:
			status = http.StatusServiceUnavailable
		}
		if r.HTTPStatus != status {
			t.Errorf("%s: HTTPStatus %d, want %d", r.Code, r.HTTPStatus, status)
		}
		if r.Title == "" || len(r.Explanation) < 80 {
			t.Errorf("%s: title %q, explanation %q", r.Code, r.Title, r.Explanation)
		}
		if l, ok := LookupReason(r.Code); !ok || l != r {
			t.Errorf("LookupReason(%s) = %+v, %v", r.Code, l, ok)
		}
	}
	if _, ok := LookupReason(""); ok {
		t.Error("the empty code is a reason")
	}
	got[0].Title = "changed"
	if Reasons()[0].Title == "changed" {
		t.Error("Reasons returns the list itself")
	}
}
