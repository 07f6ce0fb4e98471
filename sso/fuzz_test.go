package sso

import (
	"crypto/hmac"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
)

// FuzzVerify feeds Verify arbitrary tokens, seeded with every vector. With
// resign set, the input's first two parts are MAC'd with the secret, so the
// fuzzer also reaches the claim checks. Verify must never panic, never
// accept a token whose third part is not the HMAC of the first two under
// the secret, refuse anything over MaxTokenBytes, and agree with Inspect.
func FuzzVerify(f *testing.F) {
	v := loadVectors(f)
	for _, tc := range v.Cases {
		f.Add(tc.Token, false)
		f.Add(tc.Token, true)
	}
	s := v.settings(f, "A")
	now := v.now()
	f.Fuzz(func(t *testing.T, token string, resign bool) {
		if resign {
			if i := strings.LastIndexByte(token, '.'); i >= 0 {
				token = token[:i+1] + base64.RawURLEncoding.EncodeToString(hs256(token[:i], secretOf(s)))
			}
		}
		claims, r := Verify(token, s, now)
		if (claims == nil) == (r == nil) {
			t.Fatalf("Verify returned claims %v and rejection %v", claims, r)
		}
		if r == nil {
			i := strings.LastIndexByte(token, '.')
			sig, err := base64.RawURLEncoding.Strict().DecodeString(token[i+1:])
			if err != nil || !hmac.Equal(sig, hs256(token[:i], secretOf(s))) {
				t.Fatalf("accepted a token not signed with the secret: %q", token)
			}
			if _, err := readEmail([]byte(`"` + claims.Email + `"`)); err != nil || claims.JTI == "" || len(claims.JTI) > maxJTIBytes {
				t.Fatalf("accepted claims break the rules: %+v", claims)
			}
		}
		if len(token) > MaxTokenBytes && (r == nil || r.Reason != ReasonMalformed) {
			t.Fatalf("a %d-byte token got %+v", len(token), r)
		}
		if r != nil && (r.Reason == ReasonMalformed || r.Reason == ReasonInvalidSignature) && (r.JTI != "" || r.Email != "") {
			t.Fatalf("a rejection before the signature verified names token values: %+v", r)
		}
		if rep := Inspect(token, s, now); !reflect.DeepEqual(rep.Verdict, r) {
			t.Fatalf("Inspect says %+v, Verify %+v", rep.Verdict, r)
		}
	})
}
