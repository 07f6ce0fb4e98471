package e2e

import (
	"context"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"helpcenter/internal/testapp"
)

// An admin signs in through the workspace's identity provider (a real
// OpenID Connect provider on loopback); configured for another client,
// the sign-in goes nowhere.
func TestSignInThroughTheIdentityProvider(t *testing.T) {
	t.Parallel()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatalf("start the OIDC provider: %v", err)
	}
	t.Cleanup(func() { idp.Shutdown() })
	app := testapp.New(t)
	b := newBrowser(t)
	b.signUp(app.BaseURL, "owner@acme.test", "Acme Help", "acme")
	b.see("owner@acme.test")
	b.click("Team")
	b.fill("Issuer URL", idp.Issuer())
	b.fill("Client ID", idp.ClientID)
	b.fill("Client secret", idp.ClientSecret)
	b.fill("Email domain", "acme.test")
	b.click("Save identity provider")
	b.see("Identity provider saved.")
	b.click("Sign out")

	idp.QueueUser(&mockoidc.MockUser{Subject: "1", Email: "owner@acme.test", EmailVerified: true})
	b.click("Sign in with your identity provider")
	b.fill("Work email", "owner@acme.test")
	b.click("Continue")
	b.see("Single sign-on")
	b.see("owner@acme.test")
	b.screenshot("signed-in")
	b.click("Sign out")

	// Tokens for another client: the audience check refuses them.
	ctx := context.Background()
	o, err := app.Store.WorkspaceOIDC(ctx, 1)
	if err != nil || o == nil {
		t.Fatal(err)
	}
	changed := *o
	changed.ClientID = "another-client"
	if err := app.Store.SaveWorkspaceOIDC(ctx, changed, idp.ClientSecret); err != nil {
		t.Fatal(err)
	}
	idp.QueueUser(&mockoidc.MockUser{Subject: "1", Email: "owner@acme.test", EmailVerified: true})
	b.click("Sign in with your identity provider")
	b.fill("Work email", "owner@acme.test")
	b.click("Continue")
	// The provider itself refuses a client it does not know; nobody is
	// signed in.
	b.see("invalid_client")
	b.open(app.BaseURL + "/settings/general")
	b.see("Sign in")
	b.notSee("Single sign-on")
}
