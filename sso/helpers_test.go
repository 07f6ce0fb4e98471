package sso

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testSecret is the shared secret of most tests.
const testSecret = "test-secret-0123456789-abcdefghijklmnop"

// testNow is 2026-01-01T00:00:00Z, the vectors' "now".
var testNow = time.Unix(1767225600, 0)

var testSettings = Settings{Enabled: true, Keys: keysOf(testSecret), Issuer: "app.example.com", Audience: "helpcenter"}

// validClaims returns the claims of a token that passes every check at
// testNow with testSettings.
func validClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"jti":   "k_test",
		"iss":   "app.example.com",
		"aud":   "helpcenter",
		"iat":   float64(testNow.Unix() - 10),
		"exp":   float64(testNow.Unix() + 290),
		"email": "jane.smith@example.com",
		"name":  "Jane Smith",
	}
}

// with returns validClaims changed by edits; a nil value deletes the claim.
func with(edits map[string]any) jwt.MapClaims {
	c := validClaims()
	for k, v := range edits {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// mint signs claims with golang-jwt, as a partner app would.
func mint(t testing.TB, claims jwt.MapClaims, secret string) string {
	t.Helper()
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, maps.Clone(claims)).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// craft builds a token from raw header and payload JSON, MAC'd with secret
// over exactly these bytes: for inputs no JWT library would produce.
func craft(header, payload, secret string) string {
	input := b64(header) + "." + b64(payload)
	return input + "." + base64.RawURLEncoding.EncodeToString(hs256(input, secret))
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func hs256(input, secret string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(input))
	return mac.Sum(nil)
}

const hs256Header = `{"alg":"HS256","typ":"JWT"}`

// payloadJSON renders claims as JSON, for craft.
func payloadJSON(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// keysOf is the key set of a help center with one shared secret, none
// for "".
func keysOf(secret string) []Key {
	if secret == "" {
		return nil
	}
	return []Key{SharedSecret(secret)}
}

// secretOf is the shared secret of settings built by keysOf.
func secretOf(s Settings) string { return s.signingSecret() }
