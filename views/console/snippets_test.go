package console

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

func TestSnippets(t *testing.T) {
	const endpoint = "https://acme.example.com/sso/jwt"
	for _, s := range Snippets(endpoint, `it's "acme" $HOME #{x}`, "help-center", SnippetKey{}) {
		t.Run(s.Language, func(t *testing.T) {
			for _, want := range []string{SecretEnvVar, "jti", "key", "iat", "exp", "now + 300", "email", "name", "aud", "help-center", "acme.example.com/sso/jwt", "?jwt="} {
				if !strings.Contains(s.Code, want) {
					t.Errorf("lacks %q", want)
				}
			}
			if strings.Contains(s.Code, "{{") {
				t.Error("a placeholder is left")
			}
		})
	}
	for _, s := range Snippets(endpoint, "", "", SnippetKey{}) {
		if strings.Contains(s.Code, "aud") || !strings.Contains(s.Code, placeholderIssuer) {
			t.Errorf("%s: an aud without an Audience, or no iss", s.Language)
		}
	}
	// The issuer stays one literal in every language, whatever it holds.
	byID := map[string]string{}
	for _, s := range Snippets(endpoint, `it's "acme" $HOME #{x}`, "", SnippetKey{}) {
		byID[s.ID] = s.Code
	}
	for id, want := range map[string]string{
		"node": `"it's \"acme\" $HOME #{x}"`, "express": `"it's \"acme\" $HOME #{x}"`, "python": `"it's \"acme\" $HOME #{x}"`, "go": `"it's \"acme\" $HOME #{x}"`,
		"php": `'it\'s "acme" $HOME #{x}'`, "ruby": `'it\'s "acme" $HOME #{x}'`,
	} {
		if !strings.Contains(byID[id], want) {
			t.Errorf("%s does not quote the issuer as %s", id, want)
		}
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "main.go", byID["go"], 0); err != nil {
		t.Errorf("the Go snippet does not parse: %v", err)
	}
}

// The public-key snippets sign with the private key in its variable, name
// the algorithm and the kid, and never mention the shared secret.
func TestPublicKeySnippets(t *testing.T) {
	const endpoint = "https://acme.example.com/sso/jwt"
	for _, alg := range []string{"ES256", "RS256", "EdDSA"} {
		key := SnippetKey{Alg: alg, KID: "kid-" + alg}
		for _, s := range Snippets(endpoint, "acme-app", "help-center", key) {
			t.Run(alg+"/"+s.Language, func(t *testing.T) {
				for _, want := range []string{PrivateKeyEnvVar, "kid-" + alg, "jti", "now + 300", "help-center", "?jwt="} {
					if !strings.Contains(s.Code, want) {
						t.Errorf("lacks %q", want)
					}
				}
				if strings.Contains(s.Code, SecretEnvVar) || strings.Contains(s.Code, "HS256") || strings.Contains(s.Code, "{{") {
					t.Errorf("mentions the secret or HS256, or keeps a placeholder:\n%s", s.Code)
				}
				if (s.ID == "node" || s.ID == "express") && alg == "EdDSA" && strings.Contains(s.Code, "jsonwebtoken") {
					t.Error("jsonwebtoken signs no EdDSA")
				}
				if s.ID == "go" {
					if _, err := parser.ParseFile(token.NewFileSet(), "main.go", s.Code, 0); err != nil {
						t.Errorf("the Go snippet does not parse: %v", err)
					}
				}
			})
		}
	}
}
