package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"helpcenter/models"
)

// helpCenter loads the help center named by --subdomain.
func helpCenter(ctx context.Context, env Env, sub string) (*models.HelpCenter, error) {
	if sub == "" {
		return nil, usagef("--subdomain is required")
	}
	hc, err := env.Store.HelpCenterBySubdomain(ctx, strings.ToLower(sub))
	if errors.Is(err, models.ErrNotFound) {
		return nil, fmt.Errorf("no help center has the subdomain %q", sub)
	}
	return hc, err
}

// visibilitySet is `helpcenter visibility set --subdomain S public|private|password [--password-stdin]`.
func visibilitySet(ctx context.Context, env Env, args []string) error {
	fs := newFlags("visibility set")
	sub := fs.String("subdomain", "", "help center subdomain")
	pwStdin := fs.Bool("password-stdin", false, "read the shared site password from stdin")
	// The visibility may come before or after the flags.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return usagef("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != 1 {
		return usagef("give exactly one visibility: public, private or password")
	}
	vis := models.Visibility(positional[0])
	if !vis.Valid() {
		return usagef("unknown visibility %q: use public, private or password", positional[0])
	}
	hc, err := helpCenter(ctx, env, *sub)
	if err != nil {
		return err
	}
	var hash string
	if *pwStdin {
		if vis != models.VisibilityPassword {
			return usagef("--password-stdin goes with the password visibility only")
		}
		pw, err := readSecretLine(env.Stdin)
		if err != nil {
			return fmt.Errorf("read password from stdin: %w", err)
		}
		if models.ValidateSitePassword(pw) != nil {
			return usagef("the site password needs at least %d characters", models.MinSitePasswordLength)
		}
		if hash, err = env.Accounts.HashPassword(pw); err != nil {
			return err
		}
	} else if vis == models.VisibilityPassword && hc.SitePasswordHash == "" {
		return usagef("no site password is saved yet: pass one with --password-stdin")
	}
	if err := env.Store.SetVisibility(ctx, hc.ID, vis, hash); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s is now %s\n", hc.Subdomain, vis)
	return nil
}

// userBan is `helpcenter user ban|unban --subdomain S --email E`.
func userBan(banned bool) func(context.Context, Env, []string) error {
	return func(ctx context.Context, env Env, args []string) error {
		verb := map[bool]string{true: "ban", false: "unban"}[banned]
		fs := newFlags("user " + verb)
		sub := fs.String("subdomain", "", "help center subdomain")
		email := fs.String("email", "", "the user's email")
		if err := parse(fs, args); err != nil {
			return err
		}
		if *email == "" {
			return usagef("--email is required")
		}
		if _, err := models.ParseEmail(*email); err != nil {
			return usagef("--email: %v", err)
		}
		hc, err := helpCenter(ctx, env, *sub)
		if err != nil {
			return err
		}
		n, created, err := env.Store.SetUserBanned(ctx, hc.ID, *email, banned)
		if err != nil {
			return err
		}
		switch {
		case created:
			fmt.Fprintf(env.Stdout, "banned %s on %s before their first sign-in\n", *email, hc.Subdomain)
		case n == 0:
			fmt.Fprintf(env.Stdout, "no user %s on %s; nothing to unban\n", *email, hc.Subdomain)
		default:
			fmt.Fprintf(env.Stdout, "%sned %s on %s\n", verb, *email, hc.Subdomain)
		}
		return nil
	}
}
