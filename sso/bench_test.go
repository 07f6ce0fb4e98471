package sso

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// benchToken is the vectors' valid_minimal token: a typical sign-in.
func benchToken(b *testing.B) (string, Settings, vectorFile) {
	v := loadVectors(b)
	for _, tc := range v.Cases {
		if tc.Name == "valid_all_optional_claims" {
			return tc.Token, v.settings(b, tc.Suite), v
		}
	}
	b.Fatal("valid_all_optional_claims is not in the vectors")
	return "", Settings{}, v
}

func BenchmarkVerify(b *testing.B) {
	token, s, v := benchToken(b)
	now := v.now()
	b.ReportAllocs()
	for b.Loop() {
		if _, r := Verify(token, s, now); r != nil {
			b.Fatal(r.Detail)
		}
	}
}

// BenchmarkBareGolangJWTParse is the yardstick for BenchmarkVerify: the
// library's own parse of the same token with the same key and its default
// claim validation.
func BenchmarkBareGolangJWTParse(b *testing.B) {
	token, s, v := benchToken(b)
	key := []byte(secretOf(s))
	parser := jwt.NewParser(jwt.WithTimeFunc(v.now))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parser.Parse(token, func(*jwt.Token) (any, error) { return key, nil }); err != nil {
			b.Fatal(err)
		}
	}
}
