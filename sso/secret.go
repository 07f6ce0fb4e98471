package sso

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"helpcenter/models"
)

// MinSecretLength is the shortest shared secret, in characters, that can be
// saved; a shorter one is too easy to guess offline from a single token.
const MinSecretLength = 32

// GenerateSecret returns a new shared secret: 48 random bytes as standard
// base64, which is exactly 64 characters with no padding. It is used as
// text (its UTF-8 bytes are the key), like every partner example does.
func GenerateSecret() (string, error) {
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate shared secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// ValidateSecret applies the rules for saving a shared secret: at least
// MinSecretLength characters, no control characters, and no white space at
// either end (a pasted secret with a stray newline would differ from the
// partner's copy, and every token would fail with no visible cause). The
// error is a sentence for the form and never repeats the secret.
func ValidateSecret(s string) error {
	if secretTooShort(s) {
		return fmt.Errorf("the shared secret must be at least %d characters long", MinSecretLength)
	}
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("the shared secret must not start or end with white space")
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return fmt.Errorf("the shared secret must not contain control characters")
	}
	return nil
}

func secretTooShort(s string) bool {
	return utf8.RuneCountInString(s) < MinSecretLength
}

// Fingerprint names a secret without showing it (SPEC section 9): the first
// 16 hex digits of its SHA-256. A partner computes the same with
// `helpcenter token fingerprint` to find a mismatch without regenerating.
func Fingerprint(secret string) string { return models.Fingerprint([]byte(secret)) }

// KeyFingerprint names a verification key read as a partner holds it: a
// PEM public key (or certificate's key) by the SHA-256 of its SPKI DER, a
// PEM private key by its public half's, and anything else as a shared
// secret (SPEC section 9). The partner runs the same computation with
// `helpcenter token fingerprint` to find a mismatch without regenerating.
func KeyFingerprint(material string) (fingerprint, kind string, err error) {
	block, _ := pem.Decode([]byte(material))
	if block == nil {
		return Fingerprint(material), "shared secret", nil
	}
	var pub any
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			pub = cert.PublicKey
		}
	case "PRIVATE KEY":
		var k any
		if k, err = x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
			pub = k.(interface{ Public() crypto.PublicKey }).Public()
		}
	default:
		return "", "", fmt.Errorf("a PEM %q block is no key this product reads; give a PUBLIC KEY, CERTIFICATE or PRIVATE KEY block", block.Type)
	}
	if err != nil {
		return "", "", fmt.Errorf("the PEM %s does not parse: %w", strings.ToLower(block.Type), err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", "", err
	}
	return models.Fingerprint(der), "public key", nil
}
