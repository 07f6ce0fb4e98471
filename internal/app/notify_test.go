package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/accounts"
	"helpcenter/internal/config"
	"helpcenter/internal/testdb"
	"helpcenter/internal/testsmtp"
	"helpcenter/models"
)

// "Notify me when this ships" mails each admin who asked, once, when the
// provider's shipping flag is set.
func TestNotifyShippedMailsEachWisherOnce(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	o := options(t, testdb.DSN(t))
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"HELPCENTER_BASE_URL": "http://localhost:8080", "HELPCENTER_DATABASE": o.Config.Database,
			"HELPCENTER_SECRET_KEY": "test-master-key-0123456789abcdefghijklmnop", "HELPCENTER_SMTP_URL": smtp.URL}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	o.Config, o.SMTPRoots, o.PasswordCost = cfg, smtp.Roots, accounts.Cost{Time: 1, MemoryKiB: 64}
	a, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Store.Close()
	ctx := context.Background()
	admin, hc, errs, err := a.Accounts.Signup(ctx, accounts.SignupInput{Email: "owner@acme.test", Password: "a long enough password", Name: "Acme", Subdomain: "acme"})
	if err != nil || errs.Any() {
		t.Fatal(err, errs)
	}
	for _, p := range []string{models.ProviderOkta, models.ProviderSAML} {
		if err := a.Store.RecordProviderWish(ctx, admin.ID, hc.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := a.NotifyShipped(ctx, []string{models.ProviderOkta}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.mail.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	m := smtp.Await("owner@acme.test", 5*time.Second)
	if m.Subject != "Okta sign-in is here" || m.Link("/settings/security/sso") != "http://localhost:8080/settings/security/sso" {
		t.Errorf("mail: %q\n%s", m.Subject, m.Text)
	}
	if n := len(smtp.Messages()); n != 1 {
		t.Errorf("%d mails, want one: the wish for SAML has not shipped, and Okta is told once", n)
	}
	if !strings.Contains(m.HTML, "Okta") {
		t.Error("no HTML part")
	}
}
