// Package adminsso signs admins in through their workspace's OpenID
// Connect provider (SPEC section 13) with coreos/go-oidc and
// golang.org/x/oauth2: the authorization code flow with state, nonce and
// PKCE (S256), the ID token verified against the provider's keys, its
// audience (our client id), issuer, expiry and nonce, and a verified email.
package adminsso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Provider is a workspace's provider as the flow needs it.
type Provider struct {
	Issuer, ClientID, ClientSecret string
	// RedirectURL is our callback, registered at the provider.
	RedirectURL string
}

// Presets are the issuers of the providers the console names; the
// bracketed part is the workspace's own.
var Presets = []struct{ Name, Issuer string }{
	{"Google Workspace", "https://accounts.google.com"},
	{"Okta", "https://<your-org>.okta.com"},
	{"Microsoft Entra ID", "https://login.microsoftonline.com/<tenant-id>/v2.0"},
}

// Flow runs the exchange with HTTP (the SSRF-checked client).
type Flow struct{ HTTP *http.Client }

// Started is a flow under way: what the browser keeps (sealed) between
// the redirect to the provider and the callback.
type Started struct {
	URL                    string
	State, Nonce, Verifier string
}

func (f Flow) ctx(ctx context.Context) context.Context { return oidc.ClientContext(ctx, f.HTTP) }

func (f Flow) config(ctx context.Context, p Provider) (*oidc.Provider, *oauth2.Config, error) {
	op, err := oidc.NewProvider(f.ctx(ctx), p.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("the identity provider's discovery document could not be read: %w", err)
	}
	return op, &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: p.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, nil
}

// Start makes the provider's authorization URL with a fresh state, nonce
// and PKCE verifier.
func (f Flow) Start(ctx context.Context, p Provider) (Started, error) {
	_, cfg, err := f.config(ctx, p)
	if err != nil {
		return Started{}, err
	}
	s := Started{State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier()}
	s.URL = cfg.AuthCodeURL(s.State, oidc.Nonce(s.Nonce), oauth2.S256ChallengeOption(s.Verifier))
	return s, nil
}

// ErrRefused is a callback whose answer cannot be trusted; the text says
// why, for the person signing in.
type ErrRefused struct{ Why string }

func (e *ErrRefused) Error() string { return e.Why }

// Finish checks the callback's state against the flow's, exchanges the
// code (with the PKCE verifier), verifies the ID token and returns its
// verified email, lower-cased.
func (f Flow) Finish(ctx context.Context, p Provider, s Started, state, code string) (string, error) {
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(s.State)) != 1 {
		return "", &ErrRefused{"This sign-in was not started here, or was started again in another tab: start again."}
	}
	op, cfg, err := f.config(ctx, p)
	if err != nil {
		return "", err
	}
	tok, err := cfg.Exchange(f.ctx(ctx), code, oauth2.VerifierOption(s.Verifier))
	if err != nil {
		return "", &ErrRefused{"The identity provider refused the sign-in code: " + err.Error()}
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return "", &ErrRefused{"The identity provider sent no ID token."}
	}
	idt, err := op.Verifier(&oidc.Config{ClientID: p.ClientID}).Verify(f.ctx(ctx), raw)
	if err != nil {
		return "", &ErrRefused{"The identity provider's ID token does not verify: " + err.Error()}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(s.Nonce)) != 1 {
		return "", &ErrRefused{"The ID token's nonce is not this sign-in's: start again."}
	}
	var claims struct {
		Email    string `json:"email"`
		Verified *bool  `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", err
	}
	if claims.Email == "" {
		return "", &ErrRefused{"The identity provider sent no email address (ask for the email scope)."}
	}
	if claims.Verified != nil && !*claims.Verified {
		return "", &ErrRefused{"The identity provider has not verified " + claims.Email + "."}
	}
	return strings.ToLower(claims.Email), nil
}

// IsRefused reports whether err is a refusal to show (not a server error).
func IsRefused(err error) bool {
	var r *ErrRefused
	return errors.As(err, &r)
}
