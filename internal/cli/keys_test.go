package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"helpcenter/internal/accounts"
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

// keysEnv is cliEnv with the configuration the key commands read; its
// base URL is the default http://localhost:8080, a development one.
func keysEnv(t *testing.T) Env {
	t.Helper()
	return withBaseURL(t, cliEnv(t), "")
}

func withBaseURL(t *testing.T, env Env, baseURL string) Env {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		if k == "HELPCENTER_BASE_URL" {
			return baseURL
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	env.Config = cfg
	return env
}

// addKey runs `sso keys add --subdomain acme args…` and fails the test
// unless it succeeds; it returns what was printed on stdout.
func addKey(t *testing.T, env Env, stdin string, args ...string) string {
	t.Helper()
	r := runWith(env, stdin, "sso", append([]string{"keys", "add", "--subdomain", "acme"}, args...)...)
	if r.code != 0 {
		t.Fatalf("sso keys add %v: %+v", args, r)
	}
	return r.stdout
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

// allKeys are acme's keys, live and ended, by id.
func allKeys(t *testing.T, env Env) map[int64]models.VerificationKey {
	t.Helper()
	hc, _ := acme(t, env)
	keys, err := env.Store.Keys(context.Background(), hc.ID, env.Now())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]models.VerificationKey{}
	for _, k := range keys {
		byID[k.ID] = k
	}
	return byID
}

func publicPEM(t *testing.T, der []byte) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func generated(t *testing.T, alg string) *sso.GeneratedKey {
	t.Helper()
	g, err := sso.GenerateKeyPair(alg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestSSOKeysAddEachKind(t *testing.T) {
	es := generated(t, models.AlgES256)
	ed := generated(t, models.AlgEdDSA)
	jwk, err := jose.JSONWebKey{Key: ed.Public.Public, KeyID: "jwk-1", Algorithm: models.AlgEdDSA, Use: "sig"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	own := "partner-chosen-secret-of-plenty-length"
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		check func(t *testing.T, k models.VerificationKey, stdout string)
	}{
		{"generated secret", "", []string{"--generate-secret"}, func(t *testing.T, k models.VerificationKey, stdout string) {
			// Alone on stdout, as sso configure prints it, and the one saved.
			if stdout != k.Secret+"\n" || len(k.Secret) != 64 {
				t.Fatalf("stdout %q, saved secret %q", stdout, k.Secret)
			}
			if k.Kind != models.KeySecret || k.Alg != models.AlgHS256 || k.Label != "Shared secret" || k.KID != "" || k.Fingerprint != sso.Fingerprint(k.Secret) {
				t.Fatalf("key %+v", k)
			}
		}},
		{"secret from stdin", own + "\n", []string{"--secret-stdin", "--label", "Billing app", "--kid", "billing-1"}, func(t *testing.T, k models.VerificationKey, stdout string) {
			if stdout != "" || k.Secret != own || k.Label != "Billing app" || k.KID != "billing-1" || k.Fingerprint != sso.Fingerprint(own) {
				t.Fatalf("stdout %q, key %+v", stdout, k)
			}
		}},
		{"PEM public key", publicPEM(t, es.Public.DER), []string{"--public-key-stdin", "--kid", "partner-es"}, func(t *testing.T, k models.VerificationKey, stdout string) {
			if stdout != "" || k.Kind != models.KeyPublic || k.Alg != models.AlgES256 || k.KID != "partner-es" || k.Label != "ES256 key" ||
				!bytes.Equal(k.PublicDER, es.Public.DER) || k.Fingerprint != es.Public.Fingerprint || k.Secret != "" {
				t.Fatalf("stdout %q, key %+v", stdout, k)
			}
		}},
		{"JWK public key keeps its kid", string(jwk), []string{"--public-key-stdin"}, func(t *testing.T, k models.VerificationKey, _ string) {
			if k.Alg != models.AlgEdDSA || k.KID != "jwk-1" || k.Label != "EdDSA key" || !bytes.Equal(k.PublicDER, ed.Public.DER) {
				t.Fatalf("key %+v", k)
			}
		}},
		{"JWK public key with --kid", string(jwk), []string{"--public-key-stdin", "--kid", "chosen", "--label", "Mobile"}, func(t *testing.T, k models.VerificationKey, _ string) {
			if k.KID != "chosen" || k.Label != "Mobile" {
				t.Fatalf("key %+v", k)
			}
		}},
		{"generated ES256 key", "", []string{"--generate-key", "ES256"}, privateKeyPrinted(models.AlgES256)},
		{"generated RS256 key", "", []string{"--generate-key", "RS256"}, privateKeyPrinted(models.AlgRS256)},
		{"generated EdDSA key", "", []string{"--generate-key", "EdDSA", "--label", "Ed"}, privateKeyPrinted(models.AlgEdDSA)},
		{"generated key with --kid", "", []string{"--generate-key", "ES256", "--kid", "mine"}, func(t *testing.T, k models.VerificationKey, _ string) {
			if k.KID != "mine" {
				t.Fatalf("kid %q", k.KID)
			}
		}},
		{"JWKS URL", "", []string{"--jwks-url", "https://issuer.example/.well-known/jwks.json", "--label", "Issuer"}, func(t *testing.T, k models.VerificationKey, stdout string) {
			if stdout != "" || k.Kind != models.KeyJWKS || k.Alg != "" || k.KID != "" || k.Label != "Issuer" ||
				k.JWKSURL != "https://issuer.example/.well-known/jwks.json" || k.Fingerprint != models.Fingerprint([]byte(k.JWKSURL)) {
				t.Fatalf("stdout %q, key %+v", stdout, k)
			}
		}},
		{"JWKS URL on loopback in development", "", []string{"--jwks-url", "http://localhost:9000/jwks.json"}, func(t *testing.T, k models.VerificationKey, _ string) {
			if k.JWKSURL != "http://localhost:9000/jwks.json" || k.Label != "JWKS" {
				t.Fatalf("key %+v", k)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := keysEnv(t)
			r := runWith(env, tc.stdin, "sso", append([]string{"keys", "add", "--subdomain", "acme"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			live := liveKeys(t, env, env.Now())
			if len(live) != 1 {
				t.Fatalf("%d live keys, want 1", len(live))
			}
			k := live[0]
			if want := "added key " + itoa(k.ID) + " (" + k.Label + "), fingerprint " + k.Fingerprint + "\n"; r.stderr != want {
				t.Errorf("stderr %q, want %q", r.stderr, want)
			}
			tc.check(t, k, r.stdout)
			hc, _ := acme(t, env)
			log, err := env.Store.AuditLog(context.Background(), hc.ID, 10)
			if err != nil || len(log) != 1 || log[0].Actor != "cli" || !strings.HasSuffix(log[0].Action, " added") {
				t.Fatalf("audit %v %+v", err, log)
			}
		})
	}
}

// privateKeyPrinted checks a generated key pair: its PEM private key alone
// on stdout, of alg, whose public half is the key saved, with the
// fingerprint as kid.
func privateKeyPrinted(alg string) func(t *testing.T, k models.VerificationKey, stdout string) {
	return func(t *testing.T, k models.VerificationKey, stdout string) {
		t.Helper()
		block, rest := pem.Decode([]byte(stdout))
		if block == nil || block.Type != "PRIVATE KEY" || len(rest) != 0 {
			t.Fatalf("stdout is not one PEM private key alone: %q", stdout)
		}
		signer, err := sso.ParseSigningKey(stdout, "")
		if err != nil || signer.Alg != alg {
			t.Fatalf("printed key: %v %+v", err, signer)
		}
		fp, _, err := sso.KeyFingerprint(stdout)
		if err != nil || fp != k.Fingerprint || k.KID != k.Fingerprint || k.Kind != models.KeyPublic || k.Alg != alg {
			t.Fatalf("printed key's fingerprint %s %v; key %+v", fp, err, k)
		}
		if k.Label != alg+" key" && k.Label != "Ed" {
			t.Fatalf("label %q", k.Label)
		}
	}
}

func TestSSOKeysAddConflicts(t *testing.T) {
	env := keysEnv(t)
	secret := strings.TrimSpace(addKey(t, env, "", "--generate-secret", "--label", "First", "--kid", "k1"))
	first := liveKeys(t, env, env.Now())[0]
	url := "https://issuer.example/jwks.json"
	addKey(t, env, "", "--jwks-url", url)
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"the same secret", secret + "\n", []string{"--secret-stdin"}, "this key is already live as key " + itoa(first.ID) + " (First, fingerprint " + first.Fingerprint + ")"},
		{"the same secret, retiring the others", secret + "\n", []string{"--secret-stdin", "--retire-secrets"}, "already live as key " + itoa(first.ID)},
		{"the same JWKS URL", "", []string{"--jwks-url", url}, "this key is already live as key"},
		{"a kid another key has", "", []string{"--generate-key", "EdDSA", "--kid", "k1"}, `live key ` + itoa(first.ID) + ` (First) already has the kid "k1"`},
		// Nothing is printed when nothing was saved: a secret shown but
		// not live would be deployed by the partner for nothing.
		{"a generated secret with a taken kid", "", []string{"--generate-secret", "--kid", "k1"}, `already has the kid "k1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runWith(env, tc.stdin, "sso", append([]string{"keys", "add", "--subdomain", "acme"}, tc.args...)...)
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 1 and %q", r.code, r.stdout, r.stderr, tc.want)
			}
			if live := liveKeys(t, env, env.Now()); len(live) != 2 || live[0].ID != first.ID {
				t.Fatalf("a refused add changed the keys: %+v", live)
			}
		})
	}

	// The most live keys a help center may have, then one more.
	for range 8 {
		addKey(t, env, "", "--generate-secret")
	}
	r := runWith(env, "", "sso", "keys", "add", "--subdomain", "acme", "--generate-key", "ES256")
	if r.code != 1 || !strings.Contains(r.stderr, "acme has its 10 live keys, the most it may have: revoke one first") || r.stdout != "" {
		t.Fatalf("an eleventh key: %+v", r)
	}
	// A rotation frees the places its retired secrets held.
	addKey(t, env, "", "--generate-secret", "--retire-secrets")
	if live := liveKeys(t, env, env.Now()); len(live) != 2 {
		t.Fatalf("%d live keys after the rotation, want the JWKS URL and the new secret", len(live))
	}
}

func TestSSOKeysRetireSecrets(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		window time.Duration
		audit  string
	}{
		{"a new secret, no grace", []string{"--generate-secret", "--retire-secrets"}, 0, "Secret regenerated: new Shared secret"},
		{"a new secret, --grace 0", []string{"--generate-secret", "--retire-secrets", "--grace", "0"}, 0, "Secret regenerated: new Shared secret"},
		{"a new secret, 1 hour", []string{"--generate-secret", "--retire-secrets", "--grace", "1h"}, time.Hour, "Secret regenerated: new Shared secret"},
		{"a secret from stdin, 24 hours", []string{"--secret-stdin", "--retire-secrets", "--grace", "24h"}, 24 * time.Hour, "Secret regenerated: new Shared secret"},
		{"a new secret, 7 days", []string{"--generate-secret", "--retire-secrets", "--grace", "7d"}, 7 * 24 * time.Hour, "Secret regenerated: new Shared secret"},
		// Moving from secrets to a key pair is a rotation too, but no
		// secret was regenerated.
		{"a key pair, 1 hour", []string{"--generate-key", "ES256", "--retire-secrets", "--grace", "1h"}, time.Hour, "ES256 public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := keysEnv(t)
			now := env.Now()
			addKey(t, env, "", "--generate-secret", "--label", "Old one")
			addKey(t, env, "", "--generate-secret", "--label", "Old two")
			addKey(t, env, publicPEM(t, generated(t, models.AlgEdDSA).Public.DER), "--public-key-stdin")
			old := liveKeys(t, env, now)

			r := runWith(env, "a-new-shared-secret-from-the-partner-app\n", "sso", append([]string{"keys", "add", "--subdomain", "acme"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("rotate: %+v", r)
			}
			wantNote := "; the other live shared secrets are revoked\n"
			if tc.window > 0 {
				wantNote = "; the other live shared secrets verify until " + now.Add(tc.window).Format(time.RFC3339) + "\n"
			}
			if !strings.HasSuffix(r.stderr, wantNote) {
				t.Errorf("stderr %q lacks %q", r.stderr, wantNote)
			}
			keys := allKeys(t, env)
			if len(keys) != 4 {
				t.Fatalf("%d keys, want 4", len(keys))
			}
			for _, o := range old {
				k := keys[o.ID]
				want := models.KeyActive
				if o.Kind == models.KeySecret {
					want = models.KeyRevoked
					if tc.window > 0 {
						want = models.KeyRetiring
						if k.RetiresAt == nil || !k.RetiresAt.Equal(now.Add(tc.window)) {
							t.Errorf("%s retires at %v, want %v", k.Label, k.RetiresAt, now.Add(tc.window))
						}
					}
				}
				if got := k.State(now); got != want {
					t.Errorf("%s is %s, want %s", k.Label, got, want)
				}
				// When the window ends, only the public key stays of the old ones.
				if got, wantLive := k.Live(now.Add(tc.window)), o.Kind != models.KeySecret; got != wantLive {
					t.Errorf("%s live at the end of the window: %v, want %v", k.Label, got, wantLive)
				}
			}
			if live := liveKeys(t, env, now.Add(tc.window)); len(live) != 2 {
				t.Errorf("%d keys live when the window ends, want the public key and the new one", len(live))
			}

			hc, _ := acme(t, env)
			log, err := env.Store.AuditLog(context.Background(), hc.ID, 1)
			if err != nil || len(log) != 1 || log[0].Actor != "cli" || !strings.HasPrefix(log[0].Action, tc.audit) ||
				!strings.Contains(log[0].Action, "Old one") || !strings.Contains(log[0].Action, "Old two") {
				t.Fatalf("audit %v %+v, want it to begin %q and name both old secrets", err, log, tc.audit)
			}
		})
	}
}

func TestSSOKeysList(t *testing.T) {
	env := keysEnv(t)
	ctx := context.Background()
	now := env.Now()
	secret1 := strings.TrimSpace(addKey(t, env, "", "--generate-secret", "--label", "First"))
	addKey(t, env, "", "--generate-key", "ES256", "--label", "Partner app")
	addKey(t, env, "", "--jwks-url", "https://issuer.example/.well-known/jwks.json")
	secret4 := "a-secret-revoked-before-the-rotation"
	addKey(t, env, secret4+"\n", "--secret-stdin", "--kid", "old")
	if r := runWith(env, "", "sso", "keys", "revoke", "--subdomain", "acme", "--id", "4"); r.code != 0 {
		t.Fatalf("revoke: %+v", r)
	}
	secret5 := strings.TrimSpace(addKey(t, env, "", "--generate-secret", "--retire-secrets", "--grace", "24h", "--label", "Second"))
	for range 3 {
		env.Store.NoteKeyUse(2, now.Add(-time.Hour))
	}
	env.Store.NoteKeyUse(1, now.Add(-30*time.Minute))
	if err := env.Store.FlushKeyUsage(ctx); err != nil {
		t.Fatal(err)
	}
	keys := allKeys(t, env)
	fp := func(id int64) string { return keys[id].Fingerprint }
	created := now.Format(time.RFC3339)

	r := runWith(env, "", "sso", "keys", "list", "--subdomain", "ACME")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("list: %+v", r)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	want := [][]string{
		{"ID", "STATE", "TYPE", "LABEL", "FINGERPRINT", "KID", "CREATED", "LAST USED", "SIGN-INS 24H"},
		{"5", "active", "secret HS256", "Second", fp(5), "-", created, "never", "0"},
		{"4", "revoked", "secret HS256", "Shared secret", fp(4), "old", created, "never", "0"},
		{"3", "active", "jwks https://issuer.example/.well-known/jwks.json", "JWKS", fp(3), "-", created, "never", "0"},
		{"2", "active", "public ES256", "Partner app", fp(2), fp(2), created, now.Add(-time.Hour).Format(time.RFC3339), "3"},
		{"1", "retiring until 2026-03-03T09:30:00Z", "secret HS256", "First", fp(1), "-", created, now.Add(-30 * time.Minute).Format(time.RFC3339), "1"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), r.stdout)
	}
	// Cells are at least two spaces apart; a cell holds single spaces.
	gap := regexp.MustCompile(`  +`)
	for i, line := range lines {
		if got := gap.Split(strings.TrimRight(line, " "), -1); strings.Join(got, "|") != strings.Join(want[i], "|") {
			t.Errorf("line %d:\n got %q\nwant %q", i, got, want[i])
		}
		// Aligned: every row's fingerprint and created time start under
		// their headings.
		if i > 0 && (strings.Index(line, want[i][4]) != strings.Index(lines[0], "FINGERPRINT") || strings.Index(line, created) != strings.Index(lines[0], "CREATED")) {
			t.Errorf("line %d is not aligned with the header:\n%s\n%s", i, lines[0], line)
		}
	}
	if fp(1) != sso.Fingerprint(secret1) || fp(4) != sso.Fingerprint(secret4) {
		t.Error("the fingerprints listed are not those of the secrets")
	}
	for _, s := range []string{secret1, secret4, secret5, "PRIVATE"} {
		if strings.Contains(r.stdout, s) {
			t.Fatalf("the list shows a secret:\n%s", r.stdout)
		}
	}

	// A day later the grace window has ended: the first secret is revoked.
	later := env
	later.Now = func() time.Time { return now.Add(24 * time.Hour) }
	r = runWith(later, "", "sso", "keys", "list", "--subdomain", "acme")
	last := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || strings.Join(gap.Split(last[len(last)-1], -1)[:2], "|") != "1|revoked" {
		t.Fatalf("list a day later:\n%s", r.stdout)
	}

	// Another help center's keys are not listed; with none, the header alone.
	if _, _, errs, err := env.Accounts.Signup(ctx, accounts.SignupInput{Email: "owner@globex.test", Password: "a long enough password", Name: "Globex", Subdomain: "globex"}); err != nil || errs.Any() {
		t.Fatalf("signup: %v %v", err, errs)
	}
	if r := runWith(env, "", "sso", "keys", "list", "--subdomain", "globex"); r.code != 0 || r.stdout != "ID  STATE  TYPE  LABEL  FINGERPRINT  KID  CREATED  LAST USED  SIGN-INS 24H\n" {
		t.Fatalf("globex list: %+v", r)
	}
}

func TestSSOKeysRevoke(t *testing.T) {
	env := keysEnv(t)
	ctx := context.Background()
	addKey(t, env, "", "--generate-secret", "--label", "By id")
	addKey(t, env, "", "--generate-key", "EdDSA", "--label", "By fingerprint")
	addKey(t, env, "", "--generate-secret", "--label", "Stays")
	keys := allKeys(t, env)
	// Globex's key: acme's revoke must not reach it by its id.
	if _, _, errs, err := env.Accounts.Signup(ctx, accounts.SignupInput{Email: "owner@globex.test", Password: "a long enough password", Name: "Globex", Subdomain: "globex"}); err != nil || errs.Any() {
		t.Fatalf("signup: %v %v", err, errs)
	}
	if r := runWith(env, "", "sso", "keys", "add", "--subdomain", "globex", "--generate-secret"); r.code != 0 {
		t.Fatalf("globex key: %+v", r)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"by id", []string{"--id", "1"}, 0, "revoked key 1 (By id), fingerprint " + keys[1].Fingerprint},
		{"by id again", []string{"--id", "1"}, 1, "acme has no live key 1 (see helpcenter sso keys list)"},
		{"by fingerprint, upper case", []string{"--fingerprint", strings.ToUpper(keys[2].Fingerprint)}, 0, "revoked key 2 (By fingerprint)"},
		{"by fingerprint again", []string{"--fingerprint", keys[2].Fingerprint}, 1, "acme has no live key with the fingerprint " + keys[2].Fingerprint},
		{"an unknown id", []string{"--id", "99"}, 1, "acme has no live key 99"},
		{"another help center's key", []string{"--id", "4"}, 1, "acme has no live key 4"},
		{"an unknown fingerprint", []string{"--fingerprint", "0123456789abcdef"}, 1, "no live key with the fingerprint 0123456789abcdef"},
		{"not a fingerprint", []string{"--fingerprint", "By fingerprint"}, 2, "--fingerprint is the 16 hex digits"},
		{"neither", nil, 2, "give --id or --fingerprint"},
		{"both", []string{"--id", "3", "--fingerprint", keys[3].Fingerprint}, 2, "not both"},
		{"an id that is no number", []string{"--id", "three"}, 2, "invalid value"},
		{"an unknown help center", []string{"--subdomain", "nope", "--id", "3"}, 1, `no help center has the subdomain "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"keys", "revoke", "--subdomain", "acme"}, tc.args...)
			r := runWith(env, "", "sso", args...)
			out := r.stderr
			if tc.code == 0 {
				out = r.stdout
			}
			if r.code != tc.code || !strings.Contains(out, tc.want) || strings.Count(r.stdout+r.stderr, "\n") != 1 {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d and %q", r.code, r.stdout, r.stderr, tc.code, tc.want)
			}
		})
	}
	if live := liveKeys(t, env, env.Now()); len(live) != 1 || live[0].Label != "Stays" {
		t.Fatalf("live after the revokes: %+v", live)
	}
	globex, err := env.Store.HelpCenterBySubdomain(ctx, "globex")
	if err != nil {
		t.Fatal(err)
	}
	if live, err := env.Store.LiveKeys(ctx, globex.ID, env.Now()); err != nil || len(live) != 1 {
		t.Fatalf("globex's key: %v %d live", err, len(live))
	}
	hc, _ := acme(t, env)
	log, err := env.Store.AuditLog(ctx, hc.ID, 1)
	if err != nil || len(log) != 1 || log[0].Actor != "cli" || !strings.HasSuffix(log[0].Action, " revoked") {
		t.Fatalf("audit %v %+v", err, log)
	}
}

func TestSSOKeysAddRefusals(t *testing.T) {
	env := keysEnv(t)
	private := generated(t, models.AlgES256).PrivatePEM
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{"no source", []string{"add", "--subdomain", "acme"}, "", 2, "exactly one of"},
		{"two sources", []string{"add", "--subdomain", "acme", "--generate-secret", "--generate-key", "ES256"}, "", 2, "exactly one of"},
		{"an algorithm with no key pair", []string{"add", "--subdomain", "acme", "--generate-key", "HS512"}, "", 2, "choose ES256, RS256 or EdDSA"},
		{"grace without retiring", []string{"add", "--subdomain", "acme", "--generate-secret", "--grace", "24h"}, "", 2, "needs --retire-secrets"},
		{"a grace the console has not", []string{"add", "--subdomain", "acme", "--generate-secret", "--retire-secrets", "--grace", "2h"}, "", 2, "0, 1h, 24h or 7d"},
		{"a short secret", []string{"add", "--subdomain", "acme", "--secret-stdin"}, "short\n", 2, "at least 32"},
		{"an empty stdin", []string{"add", "--subdomain", "acme", "--secret-stdin"}, "", 2, "--secret-stdin read nothing"},
		{"a private key as public", []string{"add", "--subdomain", "acme", "--public-key-stdin"}, private, 2, "This is a private key"},
		{"a P-384 public key", []string{"add", "--subdomain", "acme", "--public-key-stdin"}, p384PublicPEM(t), 2, "ES256 needs a P-256 key"},
		{"no public key", []string{"add", "--subdomain", "acme", "--public-key-stdin"}, "", 2, "Paste a public key"},
		{"an http JWKS URL", []string{"add", "--subdomain", "acme", "--jwks-url", "http://issuer.example/jwks"}, "", 2, "--jwks-url: Use an https:// URL"},
		{"a relative JWKS URL", []string{"add", "--subdomain", "acme", "--jwks-url", "/jwks.json"}, "", 2, "--jwks-url: Enter a full URL"},
		{"a JWKS URL with a password", []string{"add", "--subdomain", "acme", "--jwks-url", "https://u:p@issuer.example/jwks"}, "", 2, "user name and password"},
		{"a kid for a JWKS URL", []string{"add", "--subdomain", "acme", "--jwks-url", "https://issuer.example/jwks", "--kid", "k"}, "", 2, "--kid does not go with --jwks-url"},
		{"a kid with a space", []string{"add", "--subdomain", "acme", "--generate-secret", "--kid", "has space"}, "", 2, "--kid: A Key ID cannot contain spaces"},
		{"a long label", []string{"add", "--subdomain", "acme", "--generate-secret", "--label", strings.Repeat("x", 65)}, "", 2, "--label: Use a label of at most 64"},
		{"a label with a tab", []string{"add", "--subdomain", "acme", "--generate-secret", "--label", "a\tb"}, "", 2, "control characters"},
		{"a stray argument", []string{"add", "--subdomain", "acme", "--generate-secret", "now"}, "", 2, "unexpected argument"},
		{"no subdomain", []string{"add", "--generate-secret"}, "", 2, "--subdomain is required"},
		{"an unknown help center", []string{"add", "--subdomain", "nope", "--generate-secret"}, "", 1, "no help center"},
		{"list: no subdomain", []string{"list"}, "", 2, "--subdomain is required"},
		{"list: an unknown help center", []string{"list", "--subdomain", "nope"}, "", 1, "no help center"},
		{"an unknown verb", []string{"rotate", "--subdomain", "acme"}, "", 2, "unknown keys subcommand"},
		{"no verb", nil, "", 2, "missing list, add or revoke"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runWith(env, tc.stdin, "sso", append([]string{"keys"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d and %q on one line", r.code, r.stdout, r.stderr, tc.code, tc.want)
			}
		})
	}
	if live := liveKeys(t, env, env.Now()); len(live) != 0 {
		t.Fatalf("a refused add saved a key: %+v", live)
	}

	// Off a development base URL, a loopback JWKS URL is refused as the
	// console refuses it.
	prod := withBaseURL(t, env, "https://help.example.com")
	if r := runWith(prod, "", "sso", "keys", "add", "--subdomain", "acme", "--jwks-url", "http://localhost:9000/jwks.json"); r.code != 2 || !strings.Contains(r.stderr, "--jwks-url:") {
		t.Fatalf("a loopback JWKS URL in production: %+v", r)
	}
}

func p384PublicPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return publicPEM(t, der)
}

func p384PrivatePEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// mintFlags are token mint's flags for acme's test user, then more.
func mintFlags(more ...string) []string {
	return append([]string{"mint", "--subdomain", "acme", "--email", "jane@acme.test", "--name", "Jane"}, more...)
}

func TestTokenMintEachAlgorithm(t *testing.T) {
	env := keysEnv(t)
	now := env.Now()
	// The help center's issuer and audience, which mint puts in the token
	// when --iss and --aud are not given.
	if r := runSSO(t, env, "", "--subdomain", "acme", "--login-url", "https://app.acme.test/login", "--generate-secret",
		"--issuer", "acme-app", "--audience", "acme-help"); r.code != 0 {
		t.Fatalf("configure: %+v", r)
	}
	signing := map[string]string{models.AlgHS256: strings.TrimSpace(addKey(t, env, "", "--generate-secret", "--kid", "hs-1")) + "\n"}
	for _, alg := range []string{models.AlgES256, models.AlgRS256, models.AlgEdDSA} {
		signing[alg] = addKey(t, env, "", "--generate-key", alg)
	}
	live := liveKeys(t, env, now)
	keys, err := sso.KeysFrom(live, now)
	if err != nil {
		t.Fatal(err)
	}
	settings := sso.Settings{Enabled: true, Keys: keys, Issuer: "acme-app", Audience: "acme-help"}
	kidOf := map[string]string{}
	for _, k := range live {
		if k.KID != "" {
			kidOf[k.Alg] = k.KID
		}
	}

	for _, tc := range []struct {
		name string
		alg  string
		args []string
	}{
		{"HS256 by default", models.AlgHS256, []string{"--kid", "hs-1"}},
		{"HS256 named", models.AlgHS256, []string{"--alg", "HS256", "--kid", "hs-1"}},
		{"ES256", models.AlgES256, []string{"--alg", "ES256", "--kid", kidOf[models.AlgES256]}},
		{"RS256", models.AlgRS256, []string{"--alg", "RS256", "--kid", kidOf[models.AlgRS256]}},
		{"EdDSA", models.AlgEdDSA, []string{"--alg", "EdDSA", "--kid", kidOf[models.AlgEdDSA], "--groups", "beta,staff"}},
		// Without a kid every live key of the algorithm is tried.
		{"ES256 without a kid", models.AlgES256, []string{"--alg", "ES256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runWith(env, signing[tc.alg], "token", mintFlags(tc.args...)...)
			if r.code != 0 || r.stderr != "" || strings.Count(r.stdout, "\n") != 1 {
				t.Fatalf("mint: %+v", r)
			}
			token := strings.TrimSpace(r.stdout)
			claims, rej := sso.Verify(token, settings, now)
			if rej != nil {
				t.Fatalf("Verify refused the minted token: %+v", rej)
			}
			if claims.Key.Alg != tc.alg || claims.Key.KID != kidOf[tc.alg] || claims.Issuer != "acme-app" ||
				strings.Join(claims.Audience, ",") != "acme-help" || claims.Email != "jane@acme.test" {
				t.Fatalf("claims %+v, key %+v", claims, claims.Key)
			}
			// The kid is in the header exactly when --kid was given.
			sig, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.HS256, jose.ES256, jose.RS256, jose.EdDSA})
			if err != nil {
				t.Fatal(err)
			}
			wantKID := ""
			for i, a := range tc.args {
				if a == "--kid" {
					wantKID = tc.args[i+1]
				}
			}
			if got := sig.Signatures[0].Header.KeyID; got != wantKID || sig.Signatures[0].Header.Algorithm != tc.alg {
				t.Fatalf("header kid %q alg %q, want %q %s", got, sig.Signatures[0].Header.Algorithm, wantKID, tc.alg)
			}
			if tc.alg == models.AlgEdDSA && strings.Join(claims.Groups, ",") != "beta,staff" {
				t.Fatalf("groups %v", claims.Groups)
			}
		})
	}
	// A token minted with a key the help center does not have is refused:
	// the checks above are not passing every token.
	r := runWith(env, generated(t, models.AlgES256).PrivatePEM, "token", mintFlags("--alg", "ES256")...)
	if _, rej := sso.Verify(strings.TrimSpace(r.stdout), settings, now); r.code != 0 || rej == nil {
		t.Fatalf("a token of an unknown key: %+v, rejection %+v", r, rej)
	}
}

func TestTokenMintRefusals(t *testing.T) {
	env := keysEnv(t)
	secret := "acme-secret-0123456789abcdefghijklmnop"
	ed := generated(t, models.AlgEdDSA)
	rs := generated(t, models.AlgRS256)
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"an EdDSA key as ES256", ed.PrivatePEM, []string{"--alg", "ES256"}, "the private key on stdin is an EdDSA key, not ES256"},
		{"an RS256 key as EdDSA", rs.PrivatePEM, []string{"--alg", "EdDSA"}, "is an RS256 key, not EdDSA"},
		{"a P-384 key as ES256", p384PrivatePEM(t), []string{"--alg", "ES256"}, "ES256 needs a P-256 key"},
		{"a private key as the secret", ed.PrivatePEM, nil, "stdin holds a private key: pass --alg ES256, RS256 or EdDSA"},
		{"a public key as the secret", publicPEM(t, ed.Public.DER), nil, "stdin holds a PEM PUBLIC KEY block, not a shared secret"},
		{"a secret for ES256", secret + "\n", []string{"--alg", "ES256"}, "--alg ES256 signs with a PEM private key on stdin"},
		{"a public key for RS256", publicPEM(t, rs.Public.DER), []string{"--alg", "RS256"}, "signs with a PEM private key"},
		{"a broken private key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", []string{"--alg", "EdDSA"}, "the private key on stdin: the PEM private key does not parse"},
		{"an unknown algorithm", secret, []string{"--alg", "HS512"}, "--alg must be HS256, ES256, RS256 or EdDSA"},
		{"none", secret, []string{"--alg", "none"}, "--alg must be"},
		{"a kid with a space", secret, []string{"--kid", "a b"}, "--kid: A Key ID cannot contain spaces"},
		{"a short secret", "short\n", nil, "at least 32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runWith(env, tc.stdin, "token", mintFlags(tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 2 and %q on one line", r.code, r.stdout, r.stderr, tc.want)
			}
		})
	}
	if r := runWith(env, secret, "token", "mint", "--subdomain", "nope", "--email", "j@x.test", "--name", "J"); r.code != 1 || !strings.Contains(r.stderr, "no help center") {
		t.Fatalf("an unknown help center: %+v", r)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
