package sso

import (
	"errors"

	"github.com/golang-jwt/jwt/v5"
)

// Mint signs claims as an HS256 token with secret, exactly as a partner
// app does. The product itself never needs it to let anyone in: it serves
// the demo partner app, `helpcenter token mint`, the console's widget
// preview (PreviewToken) and tests.
func Mint(secret string, claims map[string]any) (string, error) {
	if len(secret) < MinSecretLength {
		return "", errors.New("the shared secret is shorter than 32 characters")
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims)).SignedString([]byte(secret))
}
