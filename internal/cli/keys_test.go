package cli

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/config"
	"helpcenter/models"
	"helpcenter/sso"
)

func runWith(env Env, stdin, group string, args ...string) result {
	var out, errOut bytes.Buffer
	env.Stdin, env.Stdout, env.Stderr = strings.NewReader(stdin), &out, &errOut
	code := Run(context.Background(), env, group, args)
	return result{code, out.String(), errOut.String()}
}

func keysEnv(t *testing.T) Env {
	t.Helper()
	env := cliEnv(t)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	env.Config = cfg
	return env
}

func liveKeys(t *testing.T, env Env, at time.Time) []models.VerificationKey {
	t.Helper()
	hc, _ := acme(t, env)
	live, err := env.Store.LiveKeys(context.Background(), hc.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	return live
}

func TestSSOKeysAddListRevoke(t *testing.T) {
	env := keysEnv(t)
	now := env.Now()

	r := runWith(env, "", "sso", "keys", "add", "--subdomain", "acme", "--generate-secret", "--label", "First")
	first := strings.TrimSpace(r.stdout)
	if r.code != 0 || len(first) != 64 || !strings.Contains(r.stderr, "fingerprint "+sso.Fingerprint(first)) {
		t.Fatalf("add secret: %+v", r)
	}
	// The same secret again is refused; so is a kid another key has.
	if r := runWith(env, first+"\n", "sso", "keys", "add", "--subdomain", "acme", "--secret-stdin"); r.code != 1 || !strings.Contains(r.stderr, "already live") {
		t.Fatalf("duplicate secret: %+v", r)
	}
	r = runWith(env, "", "sso", "keys", "add", "--subdomain", "acme", "--generate-key", "EdDSA", "--label", "Ed")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("generate key: %+v", r)
	}
	privateKey := r.stdout
	// A rotation: the new secret retires the first for 24 hours.
	r = runWith(env, "", "sso", "keys", "add", "--subdomain", "acme", "--generate-secret", "--retire-secrets", "--grace", "24h")
	second := strings.TrimSpace(r.stdout)
	if r.code != 0 || len(second) != 64 {
		t.Fatalf("rotate: %+v", r)
	}
	if live := liveKeys(t, env, now.Add(24*time.Hour-time.Second)); len(live) != 3 {
		t.Fatalf("%d keys live inside the grace window, want 3", len(live))
	}
	if live := liveKeys(t, env, now.Add(24*time.Hour)); len(live) != 2 {
		t.Fatalf("%d keys live when it ends, want 2", len(live))
	}

	r = runWith(env, "", "sso", "keys", "list", "--subdomain", "acme")
	for _, want := range []string{"ID", "STATE", "FINGERPRINT", "retiring until 2026-03-03T09:30:00Z", "EdDSA", "Ed", sso.Fingerprint(second), "never"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, first) || strings.Contains(r.stdout, second) || strings.Contains(r.stdout, "PRIVATE") {
		t.Fatalf("list shows a secret:\n%s", r.stdout)
	}

	// Mint with the private key; the token verifies with the stored key.
	r = runWith(env, privateKey, "token", "mint", "--subdomain", "acme", "--email", "jane@acme.test", "--name", "Jane", "--alg", "EdDSA", "--groups", "beta,staff")
	if r.code != 0 {
		t.Fatalf("mint EdDSA: %+v", r)
	}
	keys, err := sso.KeysFrom(liveKeys(t, env, now), now)
	if err != nil {
		t.Fatal(err)
	}
	claims, rej := sso.Verify(strings.TrimSpace(r.stdout), sso.Settings{Enabled: true, Keys: keys}, now)
	if rej != nil || claims.Key.Alg != models.AlgEdDSA || strings.Join(claims.Groups, ",") != "beta,staff" {
		t.Fatalf("minted token: %+v %+v", claims, rej)
	}
	if r := runWith(env, privateKey, "token", "mint", "--subdomain", "acme", "--email", "jane@acme.test", "--name", "Jane", "--alg", "ES256"); r.code != 2 || !strings.Contains(r.stderr, "is an EdDSA key, not ES256") {
		t.Fatalf("mismatched --alg: %+v", r)
	}
	if r := runWith(env, privateKey, "token", "mint", "--subdomain", "acme", "--email", "jane@acme.test", "--name", "Jane"); r.code != 2 || !strings.Contains(r.stderr, "pass --alg") {
		t.Fatalf("a private key as a secret: %+v", r)
	}

	// Revoke by fingerprint and by id.
	if r := runWith(env, "", "sso", "keys", "revoke", "--subdomain", "acme", "--fingerprint", sso.Fingerprint(second)); r.code != 0 {
		t.Fatalf("revoke by fingerprint: %+v", r)
	}
	live := liveKeys(t, env, now)
	if r := runWith(env, "", "sso", "keys", "revoke", "--subdomain", "acme", "--id", itoa(live[0].ID)); r.code != 0 {
		t.Fatalf("revoke by id: %+v", r)
	}
	if r := runWith(env, "", "sso", "keys", "revoke", "--subdomain", "acme", "--id", itoa(live[0].ID)); r.code != 1 || !strings.Contains(r.stderr, "no live key") {
		t.Fatalf("revoke twice: %+v", r)
	}
}

func TestSSOKeysUsage(t *testing.T) {
	env := keysEnv(t)
	for _, tc := range []struct {
		args  []string
		stdin string
		code  int
		want  string
	}{
		{[]string{"add", "--subdomain", "acme"}, "", 2, "exactly one of"},
		{[]string{"add", "--subdomain", "acme", "--generate-secret", "--generate-key", "ES256"}, "", 2, "exactly one of"},
		{[]string{"add", "--subdomain", "acme", "--generate-key", "HS512"}, "", 2, "choose ES256, RS256 or EdDSA"},
		{[]string{"add", "--subdomain", "acme", "--generate-secret", "--grace", "24h"}, "", 2, "needs --retire-secrets"},
		{[]string{"add", "--subdomain", "acme", "--generate-secret", "--retire-secrets", "--grace", "2h"}, "", 2, "0, 1h, 24h or 7d"},
		{[]string{"add", "--subdomain", "acme", "--secret-stdin"}, "short\n", 2, "at least 32"},
		{[]string{"add", "--subdomain", "acme", "--public-key-stdin"}, "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n", 2, "private key"},
		{[]string{"add", "--subdomain", "acme", "--jwks-url", "http://issuer.example/jwks"}, "", 2, "https"},
		{[]string{"add", "--subdomain", "acme", "--generate-secret", "--kid", "has space"}, "", 2, "spaces"},
		{[]string{"add", "--subdomain", "nope", "--generate-secret"}, "", 1, "no help center"},
		{[]string{"revoke", "--subdomain", "acme"}, "", 2, "--id or --fingerprint"},
		{[]string{"rotate", "--subdomain", "acme"}, "", 2, "unknown keys subcommand"},
		{nil, "", 2, "missing list, add or revoke"},
	} {
		r := runWith(env, tc.stdin, "sso", append([]string{"keys"}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("sso keys %v: exit %d %q, want %d with %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	// A JWKS URL is stored after its form is checked.
	if r := runWith(env, "", "sso", "keys", "add", "--subdomain", "acme", "--jwks-url", "https://issuer.example/.well-known/jwks.json", "--label", "Issuer"); r.code != 0 {
		t.Fatalf("add JWKS URL: %+v", r)
	}
	if live := liveKeys(t, env, env.Now()); len(live) != 1 || live[0].Kind != models.KeyJWKS || live[0].Label != "Issuer" {
		t.Fatalf("keys %+v", live)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
