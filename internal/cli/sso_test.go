package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/accounts"
	"helpcenter/internal/markdown"
	"helpcenter/internal/secrets"
	"helpcenter/models"
	"helpcenter/store"
)

// cliEnv is a real SQLite store with one workspace, help center "acme".
func cliEnv(t *testing.T) Env {
	t.Helper()
	keys, err := secrets.Derive("test-master-key-0123456789abcdefghijklmnop")
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(keys.AtRest)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) }
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hc.db"), store.Options{Sealer: box, PlainText: markdown.Text, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	acc := &accounts.Service{Store: st, Now: now}
	if _, _, errs, err := acc.Signup(context.Background(), accounts.SignupInput{
		Email: "owner@acme.test", Password: "a long enough password", Name: "Acme", Subdomain: "acme",
	}); err != nil || errs.Any() {
		t.Fatalf("signup: %v %v", err, errs)
	}
	return Env{Store: st, Accounts: acc, Now: now}
}

type result struct {
	code           int
	stdout, stderr string
}

func runSSO(t *testing.T, env Env, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	env.Stdin, env.Stdout, env.Stderr = strings.NewReader(stdin), &out, &errOut
	code := Run(context.Background(), env, "sso", append([]string{"configure"}, args...))
	return result{code, out.String(), errOut.String()}
}

func acme(t *testing.T, env Env) (*models.HelpCenter, string) {
	t.Helper()
	hc, err := env.Store.HelpCenterBySubdomain(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	live, err := env.Store.LiveKeys(context.Background(), hc.ID, env.Now())
	if err != nil {
		t.Fatal(err)
	}
	secret := ""
	if k := models.NewestSecret(live); k != nil {
		secret = k.Secret
	}
	return hc, secret
}

func TestSSOConfigureGenerateThenChangeOnlyWhatIsNamed(t *testing.T) {
	env := cliEnv(t)
	r := runSSO(t, env, "", "--subdomain", "acme", "--login-url", "https://app.acme.test/login", "--generate-secret", "--issuer", "acme-app")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	printed := strings.TrimSuffix(r.stdout, "\n")
	if strings.Contains(printed, "\n") || len(printed) != 64 {
		t.Fatalf("stdout is not the secret alone: %q", r.stdout)
	}
	if _, err := base64.StdEncoding.DecodeString(printed); err != nil {
		t.Fatalf("secret is not standard base64: %v", err)
	}
	hc, secret := acme(t, env)
	if !hc.SSOEnabled || secret != printed || hc.LoginURL != "https://app.acme.test/login" || hc.Issuer != "acme-app" || hc.TokenTTL != 300 {
		t.Fatalf("after configure: enabled=%v %+v", hc.SSOEnabled, hc.SSOSettings())
	}

	// Again, naming only some settings: no secret flag or Login URL needed,
	// and nothing else moves.
	r = runSSO(t, env, "", "--subdomain", "acme", "--ttl", "120", "--audience", "help", "--allow-unsolicited")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("second run: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	hc, secret2 := acme(t, env)
	if secret2 != printed || hc.LoginURL != "https://app.acme.test/login" || hc.Issuer != "acme-app" ||
		hc.TokenTTL != 120 || hc.Audience != "help" || !hc.AllowUnsolicited {
		t.Fatalf("second run changed too much or too little: %+v", hc.SSOSettings())
	}
	r = runSSO(t, env, "", "--subdomain", "acme", "--allow-unsolicited=false")
	if hc, _ := acme(t, env); r.code != 0 || hc.AllowUnsolicited || hc.TokenTTL != 120 {
		t.Fatalf("--allow-unsolicited=false: exit %d, %+v", r.code, hc.SSOSettings())
	}
	// The secret from stdin, one trailing newline trimmed.
	own := "partner-chosen-secret-of-plenty-length"
	if r := runSSO(t, env, own+"\n", "--subdomain", "acme", "--secret-stdin"); r.code != 0 || r.stdout != "" {
		t.Fatalf("--secret-stdin: exit %d %s", r.code, r.stderr)
	}
	if _, s := acme(t, env); s != own {
		t.Fatalf("secret from stdin not saved")
	}

	log, err := env.Store.AuditLog(context.Background(), hc.ID, 10)
	if err != nil || len(log) != 4 {
		t.Fatalf("audit: %v %d entries", err, len(log))
	}
	for _, e := range log {
		if e.Actor != "cli" || strings.Contains(e.Action, printed) || strings.Contains(e.Action, own) {
			t.Fatalf("audit entry %+v", e)
		}
	}
	if !strings.HasPrefix(log[len(log)-1].Action, "Single sign-on turned on; Login URL set to") {
		t.Fatalf("first entry: %q", log[len(log)-1].Action)
	}
}

func TestSSOConfigureRefusals(t *testing.T) {
	env := cliEnv(t)
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"no secret the first time", "", []string{"--subdomain", "acme", "--login-url", "https://a.test/l"}, 2, "--generate-secret or --secret-stdin"},
		{"no login URL the first time", "", []string{"--subdomain", "acme", "--generate-secret"}, 2, "--login-url"},
		{"both secret flags", "", []string{"--subdomain", "acme", "--login-url", "https://a.test/l", "--generate-secret", "--secret-stdin"}, 2, "not both"},
		{"no subdomain", "", []string{"--generate-secret"}, 2, "--subdomain"},
		{"unknown help center", "", []string{"--subdomain", "nope", "--generate-secret", "--login-url", "https://a.test/l"}, 1, "no help center"},
		{"http login URL", "", []string{"--subdomain", "acme", "--login-url", "http://a.test/l", "--generate-secret"}, 2, "--login-url: Use an https:// URL"},
		{"login URL with userinfo", "", []string{"--subdomain", "acme", "--login-url", "https://u@a.test/l", "--generate-secret"}, 2, "--login-url"},
		{"bad logout URL", "", []string{"--subdomain", "acme", "--login-url", "https://a.test/l", "--generate-secret", "--logout-url", "ftp://a.test"}, 2, "--logout-url"},
		{"TTL too short", "", []string{"--subdomain", "acme", "--login-url", "https://a.test/l", "--generate-secret", "--ttl", "10"}, 2, "--ttl: Use a Token TTL between 30 and 3600"},
		{"TTL not a number", "", []string{"--subdomain", "acme", "--ttl", "soon"}, 2, "for flag -ttl"},
		{"short secret on stdin", "too-short\n", []string{"--subdomain", "acme", "--login-url", "https://a.test/l", "--secret-stdin"}, 2, "at least 32 characters"},
		{"stray argument", "", []string{"--subdomain", "acme", "extra"}, 2, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runSSO(t, env, tc.stdin, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
			if strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
				t.Fatalf("want one line on stderr and nothing on stdout: %q / %q", r.stderr, r.stdout)
			}
			if hc, secret := acme(t, env); hc.SSOEnabled || secret != "" {
				t.Fatal("a refused command changed the help center")
			}
		})
	}
}

func TestSSOConfigureSubdomainIsCaseInsensitive(t *testing.T) {
	env := cliEnv(t)
	r := runSSO(t, env, "", "--subdomain", "ACME", "--login-url", "https://app.acme.test/login", "--generate-secret")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("--subdomain ACME: exit %d: %s", r.code, r.stderr)
	}
	if hc, _ := acme(t, env); hc.LoginURL != "https://app.acme.test/login" {
		t.Errorf("login URL %q", hc.LoginURL)
	}
}

func TestSSOConfigureEmptySecretStdinIsAnError(t *testing.T) {
	env := cliEnv(t)
	r := runSSO(t, env, "", "--subdomain", "acme", "--login-url", "https://app.acme.test/login", "--secret-stdin")
	if r.code != 2 || !strings.Contains(r.stderr, "--secret-stdin read nothing") {
		t.Fatalf("exit %d, stderr %q; want 2 and a line saying stdin was empty", r.code, r.stderr)
	}
	if hc, secret := acme(t, env); secret != "" || hc.LoginURL != "" {
		t.Errorf("an empty stdin changed the help center: %+v", hc)
	}
}
