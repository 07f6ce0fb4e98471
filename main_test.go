package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/accounts"
	"helpcenter/internal/config"
	"helpcenter/internal/secrets"
	"helpcenter/store"
)

// cliEnv is a fresh database and master key for one test.
func cliEnv(t *testing.T) map[string]string {
	return map[string]string{
		"HELPCENTER_DATABASE":   "sqlite:" + filepath.Join(t.TempDir(), "hc.db"),
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
	st, err := store.Open(context.Background(), cfg.Database, store.Options{Box: box, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	return st, &accounts.Service{Store: st, Now: time.Now}
}
