package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"helpcenter/models"
	"helpcenter/sso"
)

// verifyRows times check 2 and the claim checks (sso.Verify with one live
// key) for each algorithm, next to golang-jwt's own parse of the same
// token with the same key: the target is within 2×.
func verifyRows() ([]row, error) {
	now := time.Now()
	claims := map[string]any{"jti": "bench-jti", "iss": "bench", "iat": now.Unix(), "exp": now.Unix() + 300,
		"email": "user@bench.test", "name": "Bench User"}
	var rows []row
	for _, alg := range []string{models.AlgHS256, models.AlgES256, models.AlgRS256, models.AlgEdDSA} {
		var key any
		var keys []sso.Key
		material := secret
		if alg == models.AlgHS256 {
			key, keys = []byte(secret), []sso.Key{sso.SharedSecret(secret)}
		} else {
			g, err := sso.GenerateKeyPair(alg)
			if err != nil {
				return nil, err
			}
			stored := []models.VerificationKey{{ID: 1, Kind: models.KeyPublic, Alg: alg, Label: alg, Fingerprint: g.Public.Fingerprint, PublicDER: g.Public.DER}}
			if keys, err = sso.KeysFrom(stored, now); err != nil {
				return nil, err
			}
			key, material = g.Public.Public, g.PrivatePEM
		}
		signer, err := sso.ParseSigningKey(material, "")
		if err != nil {
			return nil, err
		}
		token, err := signer.Sign(claims)
		if err != nil {
			return nil, err
		}
		settings := sso.Settings{Enabled: true, Keys: keys}
		ours := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				if _, r := sso.Verify(token, settings, now); r != nil {
					b.Fatal(r.Detail)
				}
			}
		})
		parser := jwt.NewParser(jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithValidMethods([]string{alg}))
		theirs := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				if _, err := parser.Parse(token, func(*jwt.Token) (any, error) { return key, nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
		o, t := float64(ours.NsPerOp()), float64(theirs.NsPerOp())
		target := ""
		if len(rows) == 0 {
			target = "≤ 2× golang-jwt"
		}
		rows = append(rows, row{"sso.Verify, one " + alg + " key", fmt.Sprintf("%.1f µs", o/1000),
			fmt.Sprintf("golang-jwt Parse: %.1f µs", t/1000), fmt.Sprintf("%.2f×", o/t), target})
	}
	return rows, nil
}
