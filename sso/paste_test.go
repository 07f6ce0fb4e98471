package sso

import (
	"strings"
	"testing"
)

func TestReadPastedToken(t *testing.T) {
	tok := mint(t, validClaims(), testSecret)
	parts := strings.Split(tok, ".")
	for _, tc := range []struct {
		name, pasted, want, note string
	}{
		{"a token", "  " + tok + "\n", tok, ""},
		{"a URL", "https://acme.helpcenter.test/sso/jwt?jwt=" + tok + "&return_to=%2F", tok, "You pasted a URL"},
		{"a path", "/sso/jwt?jwt=" + tok, tok, "You pasted a URL"},
		{"URL-encoded", strings.ReplaceAll(tok, ".", "%2E"), tok, "URL-encoded"},
		{"cut after the payload", parts[0] + "." + parts[1], parts[0] + "." + parts[1], "one dot"},
		{"cut in the signature", tok[:len(tok)-10], tok[:len(tok)-10], "looks cut off"},
	} {
		got, notes := ReadPastedToken(tc.pasted)
		if got != tc.want {
			t.Errorf("%s: token %q, want %q", tc.name, got, tc.want)
		}
		joined := strings.Join(notes, " ")
		if tc.note == "" && len(notes) > 0 || tc.note != "" && !strings.Contains(joined, tc.note) {
			t.Errorf("%s: notes %q, want one containing %q", tc.name, notes, tc.note)
		}
	}
}
