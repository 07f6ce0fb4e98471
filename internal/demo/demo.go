// Package demo seeds the demo workspace that `make run` shows a newcomer.
// It runs only under HELPCENTER_DEMO and only on an empty database.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"helpcenter/internal/accounts"
	"helpcenter/internal/config"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
)

// The demo workspace's fixed names (SPEC section 2).
const (
	WorkspaceName = "Acme"
	Subdomain     = "acme"
	AdminEmail    = "admin@acme.test"
	// Issuer is what the demo partner app puts in iss, and what the demo
	// help center expects.
	Issuer = "acme-app"
	// PartnerPath is the built-in demo partner app, on the console host.
	PartnerPath = "/demo/partner/login"
)

// Result says what Seed created. AdminPassword is shown once and never
// stored in clear.
type Result struct {
	Created       bool
	AdminEmail    string
	AdminPassword string
	HelpCenterURL string
}

// Seed creates the demo workspace when the database has no workspace yet:
// Acme's private help center with JWT SSO on, its Login URL set to the
// built-in demo partner app.
func Seed(ctx context.Context, st *store.Store, acc *accounts.Service, cfg *config.Config) (Result, error) {
	n, err := st.CountWorkspaces(ctx)
	if err != nil || n > 0 {
		return Result{}, err
	}
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		return Result{}, err
	}
	password := base64.RawURLEncoding.EncodeToString(raw)
	_, hc, errs, err := acc.Signup(ctx, accounts.SignupInput{
		Email: AdminEmail, Password: password, Name: WorkspaceName, Subdomain: Subdomain,
	})
	if err != nil {
		return Result{}, err
	}
	if errs.Any() {
		return Result{}, fmt.Errorf("demo workspace refused: %v", errs)
	}
	secret, err := sso.GenerateSecret()
	if err != nil {
		return Result{}, err
	}
	if err := st.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{
		Settings:  models.SSOSettings{LoginURL: cfg.ConsoleURL() + PartnerPath, Issuer: Issuer, TokenTTL: models.DefaultTokenTTL},
		NewSecret: secret, Enable: true,
		Actor: "demo set-up", Action: "JWT SSO configured for the demo partner app",
	}); err != nil {
		return Result{}, err
	}
	if err := st.SetVisibility(ctx, hc.ID, models.VisibilityPrivate, ""); err != nil {
		return Result{}, err
	}
	if err := seedContent(ctx, st, hc.ID); err != nil {
		return Result{}, fmt.Errorf("demo articles: %w", err)
	}
	return Result{Created: true, AdminEmail: AdminEmail, AdminPassword: password, HelpCenterURL: cfg.HelpCenterURL(hc.Subdomain)}, nil
}
