package cli

import (
	"context"
	"strings"
	"testing"
)

func TestAdminInvite(t *testing.T) {
	env := keysEnv(t)
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"invite", "--subdomain", "acme", "--role", "editor"}, 2, "--email is required"},
		{[]string{"invite", "--subdomain", "acme", "--email", "x@acme.test"}, 2, "--role is required"},
		{[]string{"invite", "--subdomain", "acme", "--email", "x@acme.test", "--role", "boss"}, 2, `--role "boss": use owner, admin or editor`},
		{[]string{"invite", "--subdomain", "acme", "--email", "not-an-email", "--role", "editor"}, 2, "--email"},
		{[]string{"invite", "--subdomain", "nope", "--email", "x@acme.test", "--role", "editor"}, 1, `no help center has the subdomain "nope"`},
		{[]string{"invite", "--subdomain", "ACME", "--email", "Owner@acme.test", "--role", "admin"}, 1, "owner@acme.test already belongs to an admin"},
	} {
		r := runCLI(env, "admin", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.err)
		}
	}
	r := runCLI(env, "admin", "invite", "--subdomain", "Acme", "--email", "New@Acme.test", "--role", "Editor")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "http://localhost:8080/invitations/") || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("invite: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	token := strings.TrimSpace(strings.TrimPrefix(r.stdout, "http://localhost:8080/invitations/"))
	inv, _, err := env.Store.PendingInvitation(context.Background(), token, env.Now())
	if err != nil || inv.Email != "new@acme.test" || inv.Role != "editor" {
		t.Fatalf("the printed link opens %+v (%v)", inv, err)
	}
	queue, _ := env.Store.MailQueue(context.Background(), 1)
	if len(queue) != 1 || !strings.EqualFold(queue[0].ToAddr, "new@acme.test") || !strings.Contains(queue[0].TextBody, r.stdout[:len(r.stdout)-1]) {
		t.Errorf("the invitation mail is not queued with the link: %+v", queue)
	}
}
