package cli

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"

	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
)

// ssoFlagOf names, for each field of the settings rules, the flag that
// sets it, so an error points at what to change on the command line.
var ssoFlagOf = map[string]string{
	sso.FieldLoginURL:  "--login-url",
	sso.FieldLogoutURL: "--logout-url",
	sso.FieldIssuer:    "--issuer",
	sso.FieldAudience:  "--audience",
	sso.FieldTokenTTL:  "--ttl",
	sso.FieldSecret:    "secret",
}

// ssoConfigure enables JWT SSO and applies the flags given, leaving every
// setting whose flag is absent as it is. With --generate-secret it prints
// the new secret, and only that, on stdout.
func ssoConfigure(ctx context.Context, env Env, args []string) error {
	fs := newFlags("sso configure")
	sub := fs.String("subdomain", "", "help center subdomain")
	loginURL := fs.String("login-url", "", "Login URL")
	generate := fs.Bool("generate-secret", false, "generate a new shared secret and print it")
	secretStdin := fs.Bool("secret-stdin", false, "read the shared secret from stdin")
	issuer := fs.String("issuer", "", "Issuer")
	audience := fs.String("audience", "", "Audience")
	ttl := fs.Int("ttl", models.DefaultTokenTTL, "Token TTL in seconds")
	logoutURL := fs.String("logout-url", "", "Logout URL")
	allowUnsolicited := fs.Bool("allow-unsolicited", false, "allow sign-in started from your app")
	if err := parse(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *sub == "" {
		return usagef("--subdomain is required")
	}
	if *generate && *secretStdin {
		return usagef("use either --generate-secret or --secret-stdin, not both")
	}
	hc, err := helpCenter(ctx, env, *sub)
	if err != nil {
		return err
	}
	live, err := env.Store.LiveKeys(ctx, hc.ID, env.Now())
	if err != nil {
		return err
	}
	if len(live) == 0 && !*generate && !*secretStdin {
		return usagef("no verification key is saved yet: pass --generate-secret or --secret-stdin (or add a key with helpcenter sso keys add)")
	}
	if hc.LoginURL == "" && !set["login-url"] {
		return usagef("no Login URL is saved yet: pass --login-url")
	}

	next := hc.SSOSettings()
	if set["login-url"] {
		next.LoginURL = *loginURL
	}
	if set["logout-url"] {
		next.LogoutURL = *logoutURL
	}
	if set["issuer"] {
		next.Issuer = *issuer
	}
	if set["audience"] {
		next.Audience = *audience
	}
	if set["ttl"] {
		next.TokenTTL = *ttl
	}
	if set["allow-unsolicited"] {
		next.AllowUnsolicited = *allowUnsolicited
	}
	next = sso.NormalizeSettings(next)

	var secret string
	switch {
	case *generate:
		if secret, err = sso.GenerateSecret(); err != nil {
			return err
		}
	case *secretStdin:
		if secret, err = readSecretLine(env.Stdin); err != nil {
			return fmt.Errorf("read the shared secret from stdin: %w", err)
		}
		if secret == "" {
			return usagef("--secret-stdin read nothing: pipe the secret in (e.g. printf %%s \"$SECRET\" | helpcenter sso configure …), or use --generate-secret")
		}
	}
	if errs := sso.ValidateSettings(next, secret, len(live) > 0); errs.Any() {
		var msgs []string
		for field, msg := range errs {
			msgs = append(msgs, ssoFlagOf[field]+": "+msg)
		}
		sort.Strings(msgs)
		return usagef("%s", strings.Join(msgs, "; "))
	}

	changes := sso.SettingsChanges(hc.SSOSettings(), next, secret != "")
	if !hc.SSOEnabled {
		changes = append([]string{"Single sign-on turned on"}, changes...)
	}
	err = env.Store.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{
		Settings: next, NewSecret: secret, Enable: true, Actor: "cli", Action: strings.Join(changes, "; "),
	})
	if err != nil {
		return err
	}
	if *generate {
		fmt.Fprintln(env.Stdout, secret)
	}
	return nil
}
