package sso

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"helpcenter/models"
)

// algBench is one algorithm's token and key, signed as a partner signs.
type algBench struct {
	token    string
	settings Settings
	// key is what golang-jwt verifies with.
	key any
}

func newAlgBench(b *testing.B, alg string) algBench {
	b.Helper()
	claims := map[string]any(validClaims())
	s := testSettings
	if alg == models.AlgHS256 {
		signer, _ := ParseSigningKey(testSecret, "")
		tok, err := signer.Sign(claims)
		if err != nil {
			b.Fatal(err)
		}
		return algBench{token: tok, settings: s, key: []byte(testSecret)}
	}
	g, err := GenerateKeyPair(alg)
	if err != nil {
		b.Fatal(err)
	}
	keys, err := KeysFrom([]models.VerificationKey{{ID: 1, Kind: models.KeyPublic, Alg: alg, Label: alg, Fingerprint: g.Public.Fingerprint, PublicDER: g.Public.DER}}, testNow)
	if err != nil {
		b.Fatal(err)
	}
	s.Keys = keys
	signer, err := ParseSigningKey(g.PrivatePEM, "")
	if err != nil {
		b.Fatal(err)
	}
	tok, err := signer.Sign(claims)
	if err != nil {
		b.Fatal(err)
	}
	return algBench{token: tok, settings: s, key: g.Public.Public}
}

var benchAlgs = []string{models.AlgHS256, models.AlgES256, models.AlgRS256, models.AlgEdDSA}

// BenchmarkVerifyByAlgorithm is checks 0–10 with one live key of each
// algorithm; BenchmarkGolangJWTByAlgorithm is the yardstick beside it
// (the target: within 2× of golang-jwt's own parse).
func BenchmarkVerifyByAlgorithm(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			ab := newAlgBench(b, alg)
			b.ReportAllocs()
			for b.Loop() {
				if _, r := Verify(ab.token, ab.settings, testNow); r != nil {
					b.Fatal(r.Detail)
				}
			}
		})
	}
}

func BenchmarkGolangJWTByAlgorithm(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			ab := newAlgBench(b, alg)
			parser := jwt.NewParser(jwt.WithTimeFunc(func() time.Time { return testNow }), jwt.WithValidMethods([]string{alg}))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parser.Parse(ab.token, func(*jwt.Token) (any, error) { return ab.key, nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyAmongKeys is an HS256 token without a kid at a help center
// with several live secrets, signed by the last: the cost of trying each.
func BenchmarkVerifyAmongKeys(b *testing.B) {
	s := testSettings
	for i := range 5 {
		s.Keys = append(s.Keys, SharedSecret(testSecret[:len(testSecret)-1]+string(rune('a'+i))))
	}
	s.Keys = append(s.Keys, SharedSecret(testSecret))
	signer, _ := ParseSigningKey(testSecret, "")
	tok, _ := signer.Sign(map[string]any(validClaims()))
	b.ReportAllocs()
	for b.Loop() {
		if _, r := Verify(tok, s, testNow); r != nil {
			b.Fatal(r.Detail)
		}
	}
}
