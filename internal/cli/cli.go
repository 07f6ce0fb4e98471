// Package cli implements the admin commands of the helpcenter binary
// (SPEC section 2). Each command applies the same rules as the console.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"helpcenter/internal/accounts"
	"helpcenter/internal/config"
	"helpcenter/internal/domains"
	"helpcenter/models"
	"helpcenter/store"
)

// Env is what a command may use.
type Env struct {
	Store    *store.Store
	Accounts *accounts.Service
	Config   *config.Config
	Resolver domains.Resolver
	Now      func() time.Time
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer
	Getenv   func(string) string
}

// Usage lists the commands for `helpcenter help`.
const Usage = `  helpcenter workspace create --name N --subdomain S --admin-email E [--admin-password-env VAR]
                              (password from stdin unless --admin-password-env)
  helpcenter visibility set --subdomain S public|private|password [--password-stdin]
  helpcenter user ban|unban --subdomain S --email E
  helpcenter token mint --subdomain S --email E --name N [--key K] [--iss I] [--aud A]
                        [--role R] [--groups g1,g2] [--ttl SECONDS] [--alg HS256|ES256|RS256|EdDSA] [--kid K]
                              (the shared secret, or a PEM private key for the other algorithms, from stdin)
  helpcenter sso configure --subdomain S --login-url U (--generate-secret | --secret-stdin)
                           [--issuer I] [--audience A] [--ttl SECONDS] [--logout-url U]
                           [--allow-unsolicited]
                              (enables JWT SSO; run again, changes only the flags given;
                               --generate-secret prints the new secret alone on stdout)
  helpcenter token fingerprint          (a shared secret or PEM key on stdin: its fingerprint)
  helpcenter sso keys list --subdomain S
                              (every key, newest first: id, state, type, label, fingerprint, kid,
                               created, last used, sign-ins in 24 h; never a secret)
  helpcenter sso keys add --subdomain S (--generate-secret | --secret-stdin | --public-key-stdin |
                          --generate-key ES256|RS256|EdDSA | --jwks-url U) [--label L] [--kid K]
                          [--retire-secrets [--grace 0|1h|24h|7d]]
                              (a generated secret or PEM private key is printed alone on stdout,
                               once; a generated key's kid defaults to its fingerprint;
                               --public-key-stdin reads a PEM or JWK; --jwks-url is checked for
                               its form only (https, http for loopback names in development):
                               unlike the console, the CLI does not fetch it;
                               --retire-secrets ends the other live shared secrets after --grace,
                               at once by default: a rotation)
  helpcenter sso keys revoke --subdomain S (--id N | --fingerprint F)
                              (ends a live key at once)
  helpcenter admin invite --subdomain S --email E --role owner|admin|editor
                              (prints the invitation link; the mail goes out from the queue,
                               sent by a running server)
  helpcenter domain set --subdomain S --domain D   (prints the TXT record to publish)
  helpcenter domain verify --subdomain S           (exit 0 when the TXT record holds the token)
`

// command is one `helpcenter <group> <verb>`.
type command struct {
	run func(ctx context.Context, env Env, args []string) error
}

var commands = map[string]map[string]command{
	"workspace":  {"create": {workspaceCreate}},
	"visibility": {"set": {visibilitySet}},
	"user":       {"ban": {userBan(true)}, "unban": {userBan(false)}},
	"token":      {"mint": {tokenMint}, "fingerprint": {tokenFingerprint}},
	"sso":        {"configure": {ssoConfigure}, "keys": {ssoKeys}},
	"domain":     {"set": {domainSet}, "verify": {domainVerify}},
	"admin":      {"invite": {adminInvite}},
}

// Has reports whether name is a command group handled here.
func Has(name string) bool { _, ok := commands[name]; return ok }

// usageError is a mistake in how the command was called: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// Run executes `helpcenter <group> <verb> [flags]` and returns the exit code:
// 0 ok, 1 runtime error, 2 bad usage. Errors are one line on stderr.
func Run(ctx context.Context, env Env, group string, args []string) int {
	if len(args) == 0 {
		fmt.Fprintf(env.Stderr, "helpcenter %s: missing subcommand (see helpcenter help)\n", group)
		return 2
	}
	cmd, ok := commands[group][args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "helpcenter %s: unknown subcommand %q (see helpcenter help)\n", group, args[0])
		return 2
	}
	// What the CLI changes, the audit trail records as the CLI's doing.
	err := cmd.run(models.WithActor(ctx, "helpcenter CLI"), env, args[1:])
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(env.Stderr, "helpcenter %s %s: %s\n", group, args[0], oneLine(err.Error()))
		return 2
	default:
		fmt.Fprintf(env.Stderr, "helpcenter %s %s: %s\n", group, args[0], oneLine(err.Error()))
		return 1
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// newFlags is a flag set that reports errors to us instead of printing
// its multi-line usage.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses flags and refuses stray arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// readSecretLine reads a password or secret from stdin, trimming one
// trailing newline (and a CR before it) and nothing else.
func readSecretLine(r io.Reader) (string, error) {
	b, err := io.ReadAll(bufio.NewReader(io.LimitReader(r, 64<<10)))
	if err != nil {
		return "", err
	}
	s := string(b)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	return s, nil
}
