package e2e

import (
	"strings"
	"testing"

	"helpcenter/internal/testapp"
)

// An admin signs up, lands in the console, signs out, is refused with a
// wrong password, and signs in again.
func TestAdminSignupSignOutSignIn(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	b := newBrowser(t)

	b.open(app.BaseURL + "/signup")
	b.fill("Work email", "owner@globex.test")
	b.fill("Password", "short")
	b.fill("Help center name", "Globex Support")
	b.fill("Subdomain", "globex")
	b.click("Create help center")
	b.see("Use at least 10 characters.")

	b.fill("Password", "a long enough password")
	b.click("Create help center")
	b.see("Settings")
	b.see("owner@globex.test")
	if !strings.HasSuffix(b.url(), "/settings/general") {
		t.Fatalf("after signup at %s", b.url())
	}

	b.click("Sign out")
	b.see("You are signed out.")

	b.fill("Email", "owner@globex.test")
	b.fill("Password", "the wrong password")
	b.click("Sign in")
	b.see("The email or password is incorrect.")

	b.fill("Email", "owner@globex.test")
	b.fill("Password", "a long enough password")
	b.click("Sign in")
	b.see("owner@globex.test")
	// Signing in lands on single sign-on, what admins come to configure.
	b.see("Single sign-on")
	if !strings.HasSuffix(b.url(), "/settings/security/sso") {
		t.Fatalf("after sign-in at %s", b.url())
	}
}
