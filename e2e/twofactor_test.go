package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"helpcenter/internal/testapp"
)

// An admin sets up two-factor from the QR page's key, then signs in with
// a code from the app, and once with a recovery code.
func TestTwoFactorSignIn(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	b := newBrowser(t)
	b.signUp(app.BaseURL, "owner@acme.test", "Acme Help", "acme")
	b.see("owner@acme.test")
	b.click("owner@acme.test")
	b.see("Two-factor authentication is off.")
	b.click("Two-factor authentication")
	b.see("Set up two-factor")
	if !eval[bool](b, `(() => { const i = document.querySelector("img.qr"); return i.complete && i.naturalWidth > 0 })()`) {
		t.Error("the QR code does not load")
	}
	key := strings.TrimSpace(eval[string](b, `document.querySelector("[data-testid=totp-key]").textContent`))
	now := func() string {
		c, err := totp.GenerateCode(key, app.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	b.fill("Code", "123456")
	b.click("Turn on two-factor")
	b.see("That code is not right")
	b.fill("Code", now())
	b.click("Turn on two-factor")
	b.see("Your recovery codes")
	b.see("Two-factor is on")
	recovery := eval[string](b, `document.querySelector("[data-testid=recovery-codes] li").textContent`)
	b.screenshot("recovery-codes")

	b.click("Sign out")
	b.fill("Email", "owner@acme.test")
	b.fill("Password", "a long enough password")
	b.click("Sign in")
	b.see("Authentication code")
	app.Clock.Advance(30 * time.Second)
	b.fill("Authentication code", now())
	b.click("Verify")
	b.see("Single sign-on")

	b.click("Sign out")
	b.fill("Email", "owner@acme.test")
	b.fill("Password", "a long enough password")
	b.click("Sign in")
	b.fill("Authentication code", recovery)
	b.click("Verify")
	b.see("Single sign-on")
	b.open(app.BaseURL + "/settings/account/two-factor")
	b.see("Recovery codes left: 9.")
}
