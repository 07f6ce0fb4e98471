package cli

import (
	"context"
	"errors"
	"fmt"

	"helpcenter/internal/domains"
	"helpcenter/models"
	"helpcenter/store"
)

// domainSet is `helpcenter domain set --subdomain S --domain D`: it saves
// the custom domain (unverified) and prints the TXT record to publish.
// --domain "" removes the custom domain.
func domainSet(ctx context.Context, env Env, args []string) error {
	fs := newFlags("domain set")
	sub := fs.String("subdomain", "", "help center subdomain")
	domain := fs.String("domain", "", "the custom domain, e.g. help.example.com")
	if err := parse(fs, args); err != nil {
		return err
	}
	hc, err := helpCenter(ctx, env, *sub)
	if err != nil {
		return err
	}
	d := ""
	if *domain != "" {
		if d, err = models.ParseCustomDomain(*domain, env.Config.BaseHost()); err != nil {
			return usagef("--domain: %s", err.Error())
		}
	}
	err = env.Store.UpdateGeneral(ctx, hc.WorkspaceID, hc.ID, store.GeneralSettings{Name: hc.Name, CustomDomain: d, Visibility: hc.Visibility})
	var conflict *models.ConflictError
	if errors.As(err, &conflict) {
		return fmt.Errorf("another help center has verified %s", d)
	}
	if err != nil {
		return err
	}
	if d == "" {
		fmt.Fprintf(env.Stdout, "removed the custom domain of %s\n", hc.Subdomain)
		return nil
	}
	if hc, err = env.Store.HelpCenterByID(ctx, hc.ID); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "publish this TXT record, then run helpcenter domain verify --subdomain %s:\n%s TXT %q\n",
		hc.Subdomain, hc.DomainRecord(), hc.DomainToken)
	return nil
}

// domainVerify is `helpcenter domain verify --subdomain S`: exit 0 when the
// TXT record holds the token (the domain is then the canonical host), 1
// with the reason otherwise.
func domainVerify(ctx context.Context, env Env, args []string) error {
	fs := newFlags("domain verify")
	sub := fs.String("subdomain", "", "help center subdomain")
	if err := parse(fs, args); err != nil {
		return err
	}
	hc, err := helpCenter(ctx, env, *sub)
	if err != nil {
		return err
	}
	if err := domains.Verify(ctx, env.Resolver, env.Store, hc); err != nil {
		var conflict *models.ConflictError
		if errors.As(err, &conflict) {
			return fmt.Errorf("another help center verified %s first", hc.CustomDomain)
		}
		return err
	}
	fmt.Fprintf(env.Stdout, "verified %s: %s now answers on it\n", hc.CustomDomain, hc.Subdomain)
	return nil
}
