package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
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

// ssoKeysList prints every key of the help center, newest first.
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
		state := string(k.State(now))
		if k.State(now) == models.KeyRetiring {
			state = "retiring until " + k.RetiresAt.UTC().Format(time.RFC3339)
		}
		typ := k.Alg
		if k.Kind == models.KeyJWKS {
			typ = "JWKS " + k.JWKSURL
		}
		last := "never"
		if k.LastUsedAt != nil {
			last = k.LastUsedAt.UTC().Format(time.RFC3339)
		}
		kid := k.KID
		if kid == "" {
			kid = "-"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", k.ID, state, typ, k.Label, k.Fingerprint, kid,
			k.CreatedAt.UTC().Format(time.RFC3339), last, k.Verified24h)
	}
	return w.Flush()
}

// ssoKeysAdd adds one live key; a generated secret or private key is
// printed alone on stdout, the only time it is shown.
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
	id, err := sso.ValidateKID(*kid)
	if err != nil {
		return usagef("--kid: %v", err)
	}
	hc, err := helpCenter(ctx, env, *sub)
	if err != nil {
		return err
	}
	k := store.NewKey{KID: id, Grace: window, Actor: "cli"}
	if *retire {
		k.Retire = store.RetireSecrets
	}
	var printed string
	fallback := ""
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
		g, err := sso.GenerateKeyPair(*generateKey)
		if err != nil {
			return usagef("--generate-key: choose ES256, RS256 or EdDSA")
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
	saved, err := env.Store.AddKey(ctx, hc.WorkspaceID, hc.ID, k)
	var conflict *models.ConflictError
	if errors.As(err, &conflict) {
		if conflict.Field == "kid" {
			return fmt.Errorf("a live key already has the kid %q: choose another, or revoke that key first", k.KID)
		}
		return fmt.Errorf("this key is already live, or the help center has its %d live keys: revoke one first", store.MaxLiveKeys)
	}
	if err != nil {
		return err
	}
	if printed != "" {
		fmt.Fprintln(env.Stdout, printed)
	}
	fmt.Fprintf(env.Stderr, "added key %d, %s, fingerprint %s\n", saved.ID, saved.Label, saved.Fingerprint)
	return nil
}

// ssoKeysRevoke ends a live key at once.
func ssoKeysRevoke(ctx context.Context, env Env, args []string) error {
	fs := newFlags("sso keys revoke")
	sub := fs.String("subdomain", "", "help center subdomain")
	id := fs.Int64("id", 0, "the key's id (sso keys list)")
	fingerprint := fs.String("fingerprint", "", "the key's fingerprint")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*id == 0) == (*fingerprint == "") {
		return usagef("give --id or --fingerprint")
	}
	hc, err := helpCenter(ctx, env, *sub)
	if err != nil {
		return err
	}
	keyID := *id
	if *fingerprint != "" {
		live, err := env.Store.LiveKeys(ctx, hc.ID, env.Now())
		if err != nil {
			return err
		}
		for _, k := range live {
			if k.Fingerprint == strings.ToLower(strings.TrimSpace(*fingerprint)) {
				keyID = k.ID
			}
		}
		if keyID == 0 {
			return fmt.Errorf("no live key of %s has the fingerprint %s", hc.Subdomain, *fingerprint)
		}
	}
	err = env.Store.RevokeKey(ctx, hc.WorkspaceID, hc.ID, keyID, "cli")
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("%s has no live key %s", hc.Subdomain, strconv.FormatInt(keyID, 10))
	}
	return err
}

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
