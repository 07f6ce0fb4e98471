package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"helpcenter/sso"
)

// tokenFingerprint is `helpcenter token fingerprint`: it reads a shared
// secret, or a PEM key, on stdin and prints its fingerprint (SPEC section
// 9) — the same 16 hex digits the console and the event rows show — so a
// partner can find a mismatched secret without regenerating it.
func tokenFingerprint(_ context.Context, env Env, args []string) error {
	fs := newFlags("token fingerprint")
	if err := parse(fs, args); err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(env.Stdin, 64<<10))
	if err != nil {
		return fmt.Errorf("read the key from stdin: %w", err)
	}
	material := string(b)
	if !strings.Contains(material, "-----BEGIN ") {
		// One trailing newline is the shell's, not the secret's.
		material = strings.TrimSuffix(strings.TrimSuffix(material, "\n"), "\r")
	}
	if material == "" {
		return usagef("stdin is empty: pipe the shared secret or a PEM key in, e.g. printf %%s \"$SECRET\" | helpcenter token fingerprint")
	}
	fp, kind, err := sso.KeyFingerprint(material)
	if err != nil {
		return usagef("%s", err.Error())
	}
	fmt.Fprintf(env.Stdout, "%s  (%s)\n", fp, kind)
	return nil
}
