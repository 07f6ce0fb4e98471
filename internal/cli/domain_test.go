package cli

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"helpcenter/internal/config"
	"helpcenter/internal/domains"
	"helpcenter/internal/testdns"
	"helpcenter/sso"
)

func runCLI(env Env, group string, args ...string) result {
	var out, errOut bytes.Buffer
	env.Stdin, env.Stdout, env.Stderr = strings.NewReader(""), &out, &errOut
	code := Run(context.Background(), env, group, args)
	return result{code, out.String(), errOut.String()}
}

func TestDomainSetAndVerify(t *testing.T) {
	env := cliEnv(t)
	dns := testdns.Start(t)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	env.Config, env.Resolver = cfg, domains.NewResolver(dns.Addr)

	if r := runCLI(env, "domain", "set", "--subdomain", "acme", "--domain", "https://x/y"); r.code != 2 {
		t.Fatalf("a URL as domain: exit %d %s", r.code, r.stderr)
	}
	r := runCLI(env, "domain", "set", "--subdomain", "ACME", "--domain", "Help.Acme.test")
	m := regexp.MustCompile(`_helpcenter\.help\.acme\.test TXT "([^"]+)"`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("domain set: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(env, "domain", "verify", "--subdomain", "acme"); r.code != 1 || !strings.Contains(r.stderr, "no TXT record") {
		t.Fatalf("verify before publishing: exit %d %q", r.code, r.stderr)
	}
	dns.SetTXT("_helpcenter.help.acme.test", m[1])
	if r := runCLI(env, "domain", "verify", "--subdomain", "acme"); r.code != 0 || !strings.Contains(r.stdout, "verified help.acme.test") {
		t.Fatalf("verify: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if hc, _ := acme(t, env); hc.CanonicalDomain() != "help.acme.test" {
		t.Fatalf("canonical domain %q", hc.CanonicalDomain())
	}
}

func TestTokenFingerprint(t *testing.T) {
	env := cliEnv(t)
	secret := "acme-secret-0123456789abcdefghijklmnop"
	var out, errOut bytes.Buffer
	env.Stdin, env.Stdout, env.Stderr = strings.NewReader(secret+"\n"), &out, &errOut
	if code := Run(context.Background(), env, "token", []string{"fingerprint"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if want := sso.Fingerprint(secret) + "  (shared secret)\n"; out.String() != want {
		t.Fatalf("printed %q, want %q", out.String(), want)
	}
	if r := runCLI(env, "token", "fingerprint"); r.code != 2 || !strings.Contains(r.stderr, "stdin is empty") {
		t.Fatalf("empty stdin: exit %d %q", r.code, r.stderr)
	}
}
