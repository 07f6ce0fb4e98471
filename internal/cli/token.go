package cli

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"strings"

	"helpcenter/models"
	"helpcenter/sso"
)

// tokenMint is `helpcenter token mint --subdomain S --email E --name N
// [--key K] [--iss I] [--aud A] [--role R] [--groups g1,g2] [--ttl SECONDS]
// [--alg HS256|ES256|RS256|EdDSA] [--kid K]`, the secret (or, for the
// other algorithms, a PEM private key) on stdin: it signs a token exactly
// as a partner app should, so partners can compare theirs with a
// known-good one.
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
	groups := fs.String("groups", "", "comma-separated groups")
	alg := fs.String("alg", models.AlgHS256, "HS256, ES256, RS256 or EdDSA")
	kid := fs.String("kid", "", "the key id to put in the header")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch *alg {
	case models.AlgHS256, models.AlgES256, models.AlgRS256, models.AlgEdDSA:
	default:
		return usagef("--alg must be HS256, ES256, RS256 or EdDSA")
	}
	// The Keys page's rule: a kid no key may have would only ever mint a
	// token that picks no key.
	headerKID, err := sso.ValidateKID(*kid)
	if err != nil {
		return usagef("--kid: %v", err)
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
	signer, err := readSigningKey(env.Stdin, *alg, headerKID)
	if err != nil {
		return err
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
	if *groups != "" {
		claims["groups"] = strings.Split(*groups, ",")
	}
	tok, err := signer.Sign(claims)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, tok)
	return nil
}

// readSigningKey reads what token mint signs with: for HS256 the shared
// secret (one line), for the other algorithms a PEM private key of that
// algorithm.
func readSigningKey(stdin io.Reader, alg, kid string) (*sso.SigningKey, error) {
	if alg == models.AlgHS256 {
		secret, err := readSecretLine(stdin)
		if err != nil {
			return nil, fmt.Errorf("read the shared secret from stdin: %w", err)
		}
		// A PEM block is never a shared secret: a private key means another
		// --alg was meant, and HMAC over a public key's text is the
		// algorithm-confusion forgery no partner should be shown working.
		if block, _ := pem.Decode([]byte(secret)); block != nil {
			if strings.Contains(block.Type, "PRIVATE KEY") {
				return nil, usagef("stdin holds a private key: pass --alg ES256, RS256 or EdDSA to sign with it")
			}
			return nil, usagef("stdin holds a PEM %s block, not a shared secret: HS256 signs with the secret itself", block.Type)
		}
		if len(secret) < sso.MinSecretLength {
			return nil, usagef("the shared secret on stdin has %d characters; it needs at least %d", len(secret), sso.MinSecretLength)
		}
		k, err := sso.ParseSigningKey(secret, kid)
		if err != nil {
			return nil, usagef("the shared secret on stdin: %v", err)
		}
		return k, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("read the private key from stdin: %w", err)
	}
	if !strings.Contains(string(b), "PRIVATE KEY-----") {
		return nil, usagef("--alg %s signs with a PEM private key on stdin", alg)
	}
	k, err := sso.ParseSigningKey(string(b), kid)
	if err != nil {
		return nil, usagef("the private key on stdin: %v", err)
	}
	if k.Alg != alg {
		return nil, usagef("the private key on stdin is an %s key, not %s", k.Alg, alg)
	}
	return k, nil
}
