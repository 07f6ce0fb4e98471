package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"helpcenter/internal/accounts"
	"helpcenter/models"
)

func workspaceCreate(ctx context.Context, env Env, args []string) error {
	fs := newFlags("workspace create")
	name := fs.String("name", "", "workspace and help center name")
	sub := fs.String("subdomain", "", "help center subdomain")
	email := fs.String("admin-email", "", "owner admin's email")
	pwEnv := fs.String("admin-password-env", "", "environment variable holding the admin password")
	if err := parse(fs, args); err != nil {
		return err
	}
	for flagName, v := range map[string]string{"--name": *name, "--subdomain": *sub, "--admin-email": *email} {
		if v == "" {
			return usagef("%s is required", flagName)
		}
	}
	var password string
	if *pwEnv != "" {
		password = env.Getenv(*pwEnv)
		if password == "" {
			return usagef("environment variable %s is empty or not set", *pwEnv)
		}
	} else {
		pw, err := readSecretLine(env.Stdin)
		if err != nil {
			return fmt.Errorf("read password from stdin: %w", err)
		}
		password = pw
	}
	_, hc, errs, err := env.Accounts.Signup(ctx, accounts.SignupInput{Email: *email, Password: password, Name: *name, Subdomain: *sub})
	if err != nil {
		return err
	}
	if errs.Any() {
		flagOf := map[string]string{"email": "--admin-email", "password": "password", "name": "--name", "subdomain": "--subdomain"}
		var msgs []string
		for field, msg := range errs {
			msgs = append(msgs, flagOf[field]+": "+msg)
		}
		sort.Strings(msgs)
		msg := strings.Join(msgs, "; ")
		if _, taken := errs["subdomain"]; taken && strings.Contains(errs["subdomain"], "taken") {
			return fmt.Errorf("%s", msg)
		}
		if _, taken := errs["email"]; taken && strings.Contains(errs["email"], "already exists") {
			return fmt.Errorf("%s", msg)
		}
		return usagef("%s", msg)
	}
	fmt.Fprintf(env.Stdout, "created workspace %q: help center %s, admin %s\n", *name, env.Config.HelpCenterURL(hc.Subdomain), models.EmailKey(*email))
	return nil
}
