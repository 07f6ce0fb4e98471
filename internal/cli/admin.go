package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"helpcenter/internal/mail"
	"helpcenter/models"
	"helpcenter/store"
)

// adminInvite is `helpcenter admin invite --subdomain S --email E --role
// owner|admin|editor`: the invitation the console's Team page sends,
// its link printed as well as mailed (the mail is queued in the database
// and a running server sends it).
func adminInvite(ctx context.Context, env Env, args []string) error {
	fs := newFlags("admin invite")
	sub := fs.String("subdomain", "", "help center subdomain")
	email := fs.String("email", "", "the colleague's email")
	roleFlag := fs.String("role", "", "owner, admin or editor")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return usagef("--email is required")
	}
	addr, err := models.ParseEmail(*email)
	if err != nil {
		return usagef("--email: %v", err)
	}
	if *roleFlag == "" {
		return usagef("--role is required (owner, admin or editor)")
	}
	role, err := models.ParseAdminRole(*roleFlag)
	if err != nil {
		return usagef("--role %q: use owner, admin or editor", *roleFlag)
	}
	hc, err := helpCenter(ctx, env, *sub)
	if err != nil {
		return err
	}
	token := rand.Text()
	link := env.Config.ConsoleURL() + "/invitations/" + token
	const actor = "helpcenter CLI"
	_, err = env.Store.Invite(ctx, store.NewInvitation{
		WorkspaceID: hc.WorkspaceID, HelpCenterID: hc.ID, Email: addr, Role: role, Token: token, Actor: actor,
		Mail: mail.Invitation(addr, hc.Name, "An operator of "+hc.Name, role, link),
	})
	var conflict *models.ConflictError
	if errors.As(err, &conflict) {
		return fmt.Errorf("%s already belongs to an admin", models.EmailKey(addr))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, link)
	return nil
}
