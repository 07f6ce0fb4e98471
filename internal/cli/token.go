package cli

import (
	"context"
	"fmt"

	"helpcenter/models"
	"helpcenter/sso"
)

// tokenMint is `helpcenter token mint --subdomain S --email E --name N
// [--key K] [--iss I] [--aud A] [--role R] [--ttl SECONDS]`, the secret on
// stdin: it signs a token exactly as a partner app should, so partners can
// compare theirs with a known-good one.
func tokenMint(ctx context.Context, env Env, args []string) error {
	fs := newFlags("token mint")
	sub := fs.String("subdomain", "", "help center subdomain")
	email := fs.String("email", "", "the user's email")
	name := fs.String("name", "", "the user's name")
	key := fs.String("key", "", "the pending key from the redirect (jti); random when absent")
	iss := fs.String("iss", "", "issuer (default: the help center's configured Issuer)")
	aud := fs.String("aud", "", "audience (default: the help center's configured Audience)")
	role := fs.String("role", "", "viewer, editor or admin")
	ttl := fs.Int("ttl", 120, "seconds until exp")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *email == "":
		return usagef("--email is required")
	case *name == "":
		return usagef("--name is required")
	case *ttl < 1 || *ttl > 3600:
		return usagef("--ttl must be between 1 and 3600 seconds")
	}
	if _, err := models.ParseEmail(*email); err != nil {
		return usagef("--email: %v", err)
	}
	if *role != "" {
		if _, ok := sso.ParseRole(*role); !ok {
			return usagef("--role must be viewer, editor or admin")
		}
	}
	hc, err := helpCenter(ctx, env, *sub)
	if err != nil {
		return err
	}
	secret, err := readSecretLine(env.Stdin)
	if err != nil {
		return fmt.Errorf("read the shared secret from stdin: %w", err)
	}
	if len(secret) < sso.MinSecretLength {
		return usagef("the shared secret on stdin has %d characters; it needs at least %d", len(secret), sso.MinSecretLength)
	}
	jti := *key
	if jti == "" {
		if jti, err = sso.NewBrowserID(); err != nil {
			return err
		}
	}
	issuer := *iss
	if issuer == "" {
		issuer = hc.Issuer
	}
	if issuer == "" {
		issuer = "helpcenter-cli"
	}
	now := env.Now().Unix()
	claims := map[string]any{"jti": jti, "iss": issuer, "iat": now, "exp": now + int64(*ttl), "email": *email, "name": *name}
	if a := *aud; a != "" {
		claims["aud"] = a
	} else if hc.Audience != "" {
		claims["aud"] = hc.Audience
	}
	if *role != "" {
		claims["role"] = *role
	}
	tok, err := sso.Mint(secret, claims)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, tok)
	return nil
}
