package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/accounts"
	"helpcenter/internal/config"
	"helpcenter/internal/markdown"
	"helpcenter/internal/secrets"
	"helpcenter/internal/testdb"
	"helpcenter/sso"
	"helpcenter/store"
)

// cliEnv is a fresh database and master key for one test.
func cliEnv(t *testing.T) map[string]string {
	return map[string]string{
		"HELPCENTER_DATABASE":   testdb.DSN(t),
		"HELPCENTER_SECRET_KEY": "cli-test-master-key-0123456789abcdefgh",
		"ADMIN_PW":              "from the environment",
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(env map[string]string, stdin string, args ...string) result {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return result{code, out.String(), errb.String()}
}

func TestCLI(t *testing.T) {
	env := cliEnv(t)
	tests := []struct {
		name       string
		stdin      string
		args       []string
		code       int
		out, err   string
		oneLineErr bool
	}{
		{name: "help", args: []string{"help"}, code: 0, out: "workspace create"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, err: `unknown command "frobnicate"`, oneLineErr: true},
		{name: "migrate", args: []string{"migrate"}, code: 0, out: "schema version"},
		{name: "migrate stray arg", args: []string{"migrate", "now"}, code: 2, oneLineErr: true},
		{name: "create", stdin: "a long password\n", args: []string{"workspace", "create", "--name", "Globex", "--subdomain", "globex", "--admin-email", "Owner@Globex.test"},
			code: 0, out: "http://globex.localhost:8080"},
		{name: "missing flag", stdin: "a long password\n", args: []string{"workspace", "create", "--name", "X", "--admin-email", "x@x.test"},
			code: 2, err: "--subdomain is required", oneLineErr: true},
		{name: "unknown flag", args: []string{"workspace", "create", "--colour", "red"}, code: 2, err: "flag provided but not defined", oneLineErr: true},
		{name: "reserved subdomain", stdin: "a long password\n", args: []string{"workspace", "create", "--name", "X", "--subdomain", "admin", "--admin-email", "x@x.test"},
			code: 2, err: "reserved", oneLineErr: true},
		{name: "short password", stdin: "short\n", args: []string{"workspace", "create", "--name", "X", "--subdomain", "xxx", "--admin-email", "x@x.test"},
			code: 2, err: "at least 10", oneLineErr: true},
		{name: "taken subdomain", stdin: "a long password\n", args: []string{"workspace", "create", "--name", "X", "--subdomain", "globex", "--admin-email", "y@x.test"},
			code: 1, err: "taken", oneLineErr: true},
		{name: "email of another workspace", stdin: "a long password\n", args: []string{"workspace", "create", "--name", "X", "--subdomain", "other", "--admin-email", "owner@globex.test"},
			code: 1, err: "already exists", oneLineErr: true},
		{name: "password from env", args: []string{"workspace", "create", "--name", "Initech", "--subdomain", "initech", "--admin-email", "a@initech.test", "--admin-password-env", "ADMIN_PW"},
			code: 0, out: "initech"},
		{name: "empty password env", args: []string{"workspace", "create", "--name", "I", "--subdomain", "iii", "--admin-email", "b@initech.test", "--admin-password-env", "NOPE"},
			code: 2, err: "NOPE", oneLineErr: true},
		{name: "missing subcommand", args: []string{"workspace"}, code: 2, oneLineErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(env, tt.stdin, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.out) {
				t.Errorf("stdout %q lacks %q", r.stdout, tt.out)
			}
			if !strings.Contains(r.stderr, tt.err) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.err)
			}
			if tt.oneLineErr && strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("error is not one line: %q", r.stderr)
			}
		})
	}
}

// One trailing newline is trimmed from a password on stdin, nothing else.
func TestWorkspaceCreatePasswordFromStdin(t *testing.T) {
	env := cliEnv(t)
	if r := runCLI(env, "  spaced password  \r\n", "workspace", "create", "--name", "S", "--subdomain", "spaced", "--admin-email", "s@s.test"); r.code != 0 {
		t.Fatalf("create: %+v", r)
	}
	// The password kept its spaces: signing in with them must work.
	// (Checked through the accounts service the server uses.)
	st, acc := openForTest(t, env)
	defer st.Close()
	if _, err := acc.Login(t.Context(), "s@s.test", "  spaced password  ", "127.0.0.1"); err != nil {
		t.Fatalf("login with the stdin password: %v", err)
	}
}

func TestBadConfigurationExitsOne(t *testing.T) {
	r := runCLI(map[string]string{"HELPCENTER_BASE_URL": "nope", "HELPCENTER_SECRET_KEY": "x"}, "", "migrate")
	if r.code != 1 || !strings.Contains(r.stderr, "HELPCENTER_BASE_URL") || !strings.Contains(r.stderr, "HELPCENTER_SECRET_KEY") {
		t.Fatalf("%+v", r)
	}
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("configuration errors are not one line: %q", r.stderr)
	}
}

// openForTest opens the database a CLI test wrote, with the same keys.
func openForTest(t *testing.T, env map[string]string) (*store.Store, *accounts.Service) {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := secrets.Derive(cfg.SecretKey)
	box, _ := secrets.NewBox(keys.AtRest)
	st, err := store.Open(context.Background(), cfg.Database, store.Options{Sealer: box, PlainText: markdown.Text, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	return st, &accounts.Service{Store: st, Now: time.Now}
}

func TestVisibilityBanAndMintCommands(t *testing.T) {
	env := cliEnv(t)
	if r := runCLI(env, "a long password\n", "workspace", "create", "--name", "Acme", "--subdomain", "acme", "--admin-email", "a@acme.test"); r.code != 0 {
		t.Fatalf("create: %+v", r)
	}
	secret := "cli-shared-secret-0123456789abcdefghijklmnop"
	tests := []struct {
		name     string
		stdin    string
		args     []string
		code     int
		out, err string
	}{
		{"private", "", []string{"visibility", "set", "--subdomain", "acme", "private"}, 0, "acme is now private", ""},
		{"flags after the value", "", []string{"visibility", "set", "public", "--subdomain", "acme"}, 0, "acme is now public", ""},
		{"password without one saved", "", []string{"visibility", "set", "--subdomain", "acme", "password"}, 2, "", "--password-stdin"},
		{"short site password", "short\n", []string{"visibility", "set", "--subdomain", "acme", "password", "--password-stdin"}, 2, "", "at least 8"},
		{"password", "open sesame\n", []string{"visibility", "set", "--subdomain", "acme", "password", "--password-stdin"}, 0, "acme is now password", ""},
		{"bad visibility", "", []string{"visibility", "set", "--subdomain", "acme", "secret"}, 2, "", "unknown visibility"},
		{"unknown subdomain", "", []string{"visibility", "set", "--subdomain", "nope", "public"}, 1, "", `no help center has the subdomain "nope"`},
		{"ban before first sign-in", "", []string{"user", "ban", "--subdomain", "acme", "--email", "Eve@Example.com"}, 0, "before their first sign-in", ""},
		{"ban again", "", []string{"user", "ban", "--subdomain", "acme", "--email", "eve@example.com"}, 0, "banned eve@example.com", ""},
		{"unban", "", []string{"user", "unban", "--subdomain", "acme", "--email", "EVE@example.com"}, 0, "unbanned", ""},
		{"unban nobody", "", []string{"user", "unban", "--subdomain", "acme", "--email", "nobody@example.com"}, 0, "nothing to unban", ""},
		{"ban bad email", "", []string{"user", "ban", "--subdomain", "acme", "--email", "nope"}, 2, "", "--email"},
		{"mint short secret", "short\n", []string{"token", "mint", "--subdomain", "acme", "--email", "j@x.test", "--name", "J"}, 2, "", "at least 32"},
		{"mint bad role", secret, []string{"token", "mint", "--subdomain", "acme", "--email", "j@x.test", "--name", "J", "--role", "root"}, 2, "", "--role"},
		{"mint without name", secret, []string{"token", "mint", "--subdomain", "acme", "--email", "j@x.test"}, 2, "", "--name is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(env, tt.stdin, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.out) || !strings.Contains(r.stderr, tt.err) {
				t.Fatalf("got %+v", r)
			}
		})
	}
	st, _ := openForTest(t, env)
	defer st.Close()
	hc, _ := st.HelpCenterBySubdomain(context.Background(), "acme")
	if hc.Visibility != "password" || hc.SitePasswordHash == "" {
		t.Fatalf("visibility %q", hc.Visibility)
	}
	u, err := st.UserByEmail(context.Background(), hc.ID, "eve@example.com")
	if err != nil || u.Banned {
		t.Fatalf("eve: %+v %v", u, err)
	}

	// The secret from stdin is used as it is, but for one trailing newline.
	spaced := "  " + secret + "  "
	r := runCLI(env, spaced+"\n", "token", "mint", "--subdomain", "acme", "--email", "j@x.test", "--name", "J")
	if _, rej := sso.Verify(strings.TrimSpace(r.stdout), sso.Settings{Enabled: true, Keys: []sso.Key{sso.SharedSecret(spaced)}}, time.Now()); r.code != 0 || rej != nil {
		t.Fatalf("mint with a spaced secret: %+v %+v", r, rej)
	}
	r = runCLI(env, secret+"\n", "token", "mint", "--subdomain", "acme", "--email", "jane@example.com", "--name", "Jane", "--key", "k-123", "--iss", "app", "--aud", "hc", "--role", "editor", "--ttl", "60")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("mint: %+v", r)
	}
	claims, rej := sso.Verify(strings.TrimSpace(r.stdout), sso.Settings{Enabled: true, Keys: []sso.Key{sso.SharedSecret(secret)}, Issuer: "app", Audience: "hc"}, time.Now())
	if rej != nil || claims.JTI != "k-123" || claims.Role != "editor" || claims.Email != "jane@example.com" || float64(claims.ExpiresAt-claims.IssuedAt) != 60 {
		t.Fatalf("minted token: %+v %+v", claims, rej)
	}
}
