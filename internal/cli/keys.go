package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"helpcenter/internal/safehttp"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
)

// The verification keys of SPEC section 9 from the command line: the
// Keys page's list, add and revoke, with the same rules.

// graces are --grace's values: the console's grace windows.
var graces = map[string]time.Duration{"0": 0, "1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour}

// ssoKeys is `helpcenter sso keys list|add|revoke`.
func ssoKeys(ctx context.Context, env Env, args []string) error {
	verbs := map[string]func(context.Context, Env, []string) error{"list": ssoKeysList, "add": ssoKeysAdd, "revoke": ssoKeysRevoke}
	if len(args) == 0 {
		return usagef("missing list, add or revoke")
	}
	run, ok := verbs[args[0]]
	if !ok {
		return usagef("unknown keys subcommand %q: list, add or revoke", args[0])
	}
	return run(ctx, env, args[1:])
}

// ssoKeysList prints every key of the help center, live and ended, newest
// first, in aligned columns. The store leaves secrets sealed in this
// listing, so none can reach the output.
func ssoKeysList(ctx context.Context, env Env, args []string) error {
	fs := newFlags("sso keys list")
	sub := fs.String("subdomain", "", "help center subdomain")
	if err := parse(fs, args); err != nil {
		return err
	}
	hc, err := helpCenter(ctx, env, *sub)
	if err != nil {
		return err
	}
	now := env.Now()
	keys, err := env.Store.Keys(ctx, hc.ID, now)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATE\tTYPE\tLABEL\tFINGERPRINT\tKID\tCREATED\tLAST USED\tSIGN-INS 24H")
	for _, k := range keys {
		last := "never"
		if k.LastUsedAt != nil {
			last = k.LastUsedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", k.ID, keyState(k, now), keyType(k), orDash(k.Label),
			k.Fingerprint, orDash(k.KID), k.CreatedAt.UTC().Format(time.RFC3339), last, k.Verified24h)
	}
	return w.Flush()
}

// keyState is the SPEC's name for the key's state at now, with the end of
// a grace window in RFC 3339 so a script can compare it.
func keyState(k models.VerificationKey, now time.Time) string {
	state := k.State(now)
	if state == models.KeyRetiring {
		return "retiring until " + k.RetiresAt.UTC().Format(time.RFC3339)
	}
	return string(state)
}

// keyType is a key's kind and algorithm; a JWKS URL's keys say their own
// algorithms, so its URL is shown instead.
func keyType(k models.VerificationKey) string {
	if k.Kind == models.KeyJWKS {
		return "jwks " + k.JWKSURL
	}
	return string(k.Kind) + " " + k.Alg
}

// orDash keeps an empty cell visible, so the columns still split on
// whitespace.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ssoKeysAdd adds one live key. A generated secret or private key is
// printed alone on stdout, the only time it is shown, so that
// `SECRET=$(helpcenter sso keys add …)` captures it; what was added goes
// to stderr for the same reason.
func ssoKeysAdd(ctx context.Context, env Env, args []string) error {
	fs := newFlags("sso keys add")
	sub := fs.String("subdomain", "", "help center subdomain")
	generateSecret := fs.Bool("generate-secret", false, "generate a shared secret and print it")
	secretStdin := fs.Bool("secret-stdin", false, "read a shared secret from stdin")
	publicStdin := fs.Bool("public-key-stdin", false, "read a PEM or JWK public key from stdin")
	generateKey := fs.String("generate-key", "", "generate an ES256, RS256 or EdDSA key pair and print the private key")
	jwksURL := fs.String("jwks-url", "", "a JWKS URL (https)")
	label := fs.String("label", "", "the key's label")
	kid := fs.String("kid", "", "the key id a token header names it by")
	retire := fs.Bool("retire-secrets", false, "end the other live shared secrets (after --grace)")
	grace := fs.String("grace", "0", "how long retired secrets keep verifying: 0, 1h, 24h or 7d")
	if err := parse(fs, args); err != nil {
		return err
	}
	n := 0
	for _, on := range []bool{*generateSecret, *secretStdin, *publicStdin, *generateKey != "", *jwksURL != ""} {
		if on {
			n++
		}
	}
	if n != 1 {
		return usagef("give exactly one of --generate-secret, --secret-stdin, --public-key-stdin, --generate-key ALG, --jwks-url U")
	}
	window, ok := graces[*grace]
	if !ok {
		return usagef("--grace must be 0, 1h, 24h or 7d")
	}
	if window > 0 && !*retire {
		return usagef("--grace needs --retire-secrets: it is how long the retired secrets keep verifying")
	}
	if *kid != "" && *jwksURL != "" {
		// The console asks no kid for a JWKS URL either: the keys it
		// serves are picked by their own kids.
		return usagef("--kid does not go with --jwks-url: the keys a JWKS serves carry their own kids")
	}
	id, err := sso.ValidateKID(*kid)
	if err != nil {
		return usagef("--kid: %v", err)
	}
	k := store.NewKey{KID: id, Grace: window, Actor: "cli"}
	if *retire {
		k.Retire = store.RetireSecrets
	}
	var printed, fallback string
	switch {
	case *generateSecret, *secretStdin:
		k.Kind, k.Alg, fallback = models.KeySecret, models.AlgHS256, "Shared secret"
		if *generateSecret {
			if k.Secret, err = sso.GenerateSecret(); err != nil {
				return err
			}
			printed = k.Secret
		} else {
			if k.Secret, err = readSecretLine(env.Stdin); err != nil {
				return fmt.Errorf("read the shared secret from stdin: %w", err)
			}
			if k.Secret == "" {
				return usagef("--secret-stdin read nothing: pipe the secret in (e.g. printf %%s \"$SECRET\" | helpcenter sso keys add …), or use --generate-secret")
			}
			if err := sso.ValidateSecret(k.Secret); err != nil {
				return usagef("the shared secret on stdin: %v", err)
			}
		}
		if *retire {
			k.Audit = "Secret regenerated"
		}
	case *publicStdin:
		b, err := io.ReadAll(io.LimitReader(env.Stdin, 64<<10))
		if err != nil {
			return fmt.Errorf("read the public key from stdin: %w", err)
		}
		pub, err := sso.ParsePublicKey(string(b))
		if err != nil {
			return usagef("the public key on stdin: %v", err)
		}
		k.Kind, k.Alg, k.PublicDER, fallback = models.KeyPublic, pub.Alg, pub.DER, pub.Alg+" key"
		if k.KID == "" {
			k.KID = pub.KID
		}
	case *generateKey != "":
		switch *generateKey {
		case models.AlgES256, models.AlgRS256, models.AlgEdDSA:
		default:
			return usagef("--generate-key: choose ES256, RS256 or EdDSA")
		}
		g, err := sso.GenerateKeyPair(*generateKey)
		if err != nil {
			return err
		}
		k.Kind, k.Alg, k.PublicDER, fallback = models.KeyPublic, g.Public.Alg, g.Public.DER, g.Public.Alg+" key"
		if k.KID == "" {
			// As the console does: a kid no other key has, which the
			// partner can recompute from the key.
			k.KID = g.Public.Fingerprint
		}
		printed = strings.TrimSuffix(g.PrivatePEM, "\n")
	case *jwksURL != "":
		// The console fetches the URL before saving it; the CLI, which may
		// run where the issuer cannot be reached, checks its form only.
		if err := safehttp.ValidateURL(*jwksURL, env.Config.Development()); err != nil {
			return usagef("--jwks-url: %v", err)
		}
		k.Kind, k.JWKSURL, fallback = models.KeyJWKS, *jwksURL, "JWKS"
	}
	if k.Label, err = sso.KeyLabel(*label, fallback); err != nil {
		return usagef("--label: %v", err)
	}
	hc, err := helpCenter(ctx, env, *sub)
	if err != nil {
		return err
	}
	saved, err := env.Store.AddKey(ctx, hc.WorkspaceID, hc.ID, k)
	var conflict *models.ConflictError
	if errors.As(err, &conflict) {
		return keyConflict(ctx, env, hc, conflict.Field, k)
	}
	if err != nil {
		return err
	}
	if printed != "" {
		fmt.Fprintln(env.Stdout, printed)
	}
	retired := ""
	switch {
	case *retire && window > 0:
		retired = "; the other live shared secrets verify until " + env.Now().Add(window).UTC().Format(time.RFC3339)
	case *retire:
		retired = "; the other live shared secrets are revoked"
	}
	fmt.Fprintf(env.Stderr, "added key %d (%s), fingerprint %s%s\n", saved.ID, saved.Label, saved.Fingerprint, retired)
	return nil
}

// keyConflict says why the store refused k (its conflict on field "key"
// or "kid"), naming the live key in the way, so the admin knows which one
// to revoke.
func keyConflict(ctx context.Context, env Env, hc *models.HelpCenter, field string, k store.NewKey) error {
	live, err := env.Store.LiveKeys(ctx, hc.ID, env.Now())
	if err != nil {
		return err
	}
	fingerprint := models.KeyFingerprint(k.Kind, k.Secret, k.PublicDER, k.JWKSURL)
	for _, l := range live {
		switch {
		case field == "kid" && l.KID == k.KID:
			return fmt.Errorf("live key %d (%s) already has the kid %q: choose another --kid, or revoke that key first", l.ID, l.Label, k.KID)
		case field == "key" && l.Fingerprint == fingerprint:
			return fmt.Errorf("this key is already live as key %d (%s, fingerprint %s)", l.ID, l.Label, l.Fingerprint)
		}
	}
	if field == "kid" {
		return fmt.Errorf("a live key already has the kid %q: choose another --kid, or revoke that key first", k.KID)
	}
	return fmt.Errorf("%s has its %d live keys, the most it may have: revoke one first (helpcenter sso keys revoke)", hc.Subdomain, store.MaxLiveKeys)
}

// ssoKeysRevoke ends a live key at once, grace window or not.
func ssoKeysRevoke(ctx context.Context, env Env, args []string) error {
	fs := newFlags("sso keys revoke")
	sub := fs.String("subdomain", "", "help center subdomain")
	id := fs.Int64("id", 0, "the key's id (sso keys list)")
	fingerprint := fs.String("fingerprint", "", "the key's fingerprint")
	if err := parse(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["id"] == set["fingerprint"] {
		return usagef("give --id or --fingerprint (see helpcenter sso keys list), not both")
	}
	fp := strings.ToLower(strings.TrimSpace(*fingerprint))
	if set["fingerprint"] && !isFingerprint(fp) {
		return usagef("--fingerprint is the 16 hex digits helpcenter sso keys list shows")
	}
	hc, err := helpCenter(ctx, env, *sub)
	if err != nil {
		return err
	}
	which := fmt.Sprintf("no live key %d", *id)
	if set["fingerprint"] {
		which = "no live key with the fingerprint " + fp
	}
	notFound := fmt.Errorf("%s has %s (see helpcenter sso keys list)", hc.Subdomain, which)
	// Only this help center's live keys are looked in: an id of another
	// tenant's key is as unknown here as one that never existed.
	live, err := env.Store.LiveKeys(ctx, hc.ID, env.Now())
	if err != nil {
		return err
	}
	var target *models.VerificationKey
	for i := range live {
		if (set["id"] && live[i].ID == *id) || (set["fingerprint"] && live[i].Fingerprint == fp) {
			target = &live[i]
		}
	}
	if target == nil {
		return notFound
	}
	err = env.Store.RevokeKey(ctx, hc.WorkspaceID, hc.ID, target.ID, "cli")
	if errors.Is(err, models.ErrNotFound) {
		// Revoked, or its grace window ended, since it was looked up.
		return notFound
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "revoked key %d (%s), fingerprint %s: tokens it signed are refused from now on\n", target.ID, target.Label, target.Fingerprint)
	return nil
}

// isFingerprint reports whether s has the form of a key fingerprint: 16
// hex digits.
func isFingerprint(s string) bool {
	_, err := hex.DecodeString(s)
	return len(s) == 16 && err == nil
}
