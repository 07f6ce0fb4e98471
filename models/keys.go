package models

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// KeyKind is what a verification key is (SPEC section 9).
type KeyKind string

// The three kinds of verification key.
const (
	// KeySecret is an HS256 shared secret, sealed at rest.
	KeySecret KeyKind = "secret"
	// KeyPublic is an ES256, RS256 or EdDSA public key, pasted or
	// generated; only its SPKI DER is kept.
	KeyPublic KeyKind = "public"
	// KeyJWKS is a JWKS URL: its keys, fetched and cached, verify with
	// their kids.
	KeyJWKS KeyKind = "jwks"
)

// Signature algorithms a verification key may have.
const (
	AlgHS256 = "HS256"
	AlgES256 = "ES256"
	AlgRS256 = "RS256"
	AlgEdDSA = "EdDSA"
)

// VerificationKey is one key a help center verifies tokens with. A row is
// never edited but for its last use and its end: a new secret is a new
// row, so every event row can name the key that checked it.
type VerificationKey struct {
	ID           int64
	HelpCenterID int64
	Kind         KeyKind
	// Alg is the key's algorithm; empty for a JWKS URL, whose keys say
	// their own.
	Alg string
	// KID is the key id a token's header may name to pick this key; empty
	// when the admin gave none (the key is then tried for tokens without
	// a kid, or with one no key claims).
	KID   string `gorm:"column:kid"`
	Label string
	// Fingerprint is the first 16 hex digits of the SHA-256 of the secret
	// or of the public key's SPKI DER; of the URL for a JWKS.
	Fingerprint string
	// SecretSealed holds a shared secret, sealed; Secret is it opened by
	// the store on load (never persisted in the clear).
	SecretSealed []byte `gorm:"column:secret_sealed"`
	Secret       string `gorm:"-"`
	// PublicDER is a public key's SPKI DER.
	PublicDER []byte `gorm:"column:public_der"`
	JWKSURL   string `gorm:"column:jwks_url"`
	CreatedAt time.Time
	// LastUsedAt is when a token's signature last verified with the key.
	LastUsedAt *time.Time
	// RetiresAt, when set, ends the key at that time: a grace window.
	RetiresAt *time.Time
	// RevokedAt, when set, ended the key then.
	RevokedAt *time.Time
	// Verified24h is how many signatures it verified in the last 24 hours,
	// filled by the listing that shows it.
	Verified24h int64 `gorm:"-"`
}

// TableName names the table after what its rows are for.
func (VerificationKey) TableName() string { return "sso_keys" }

// KeyState is where a key is in its life.
type KeyState string

// The states of SPEC section 9.
const (
	KeyActive   KeyState = "active"
	KeyRetiring KeyState = "retiring"
	KeyRevoked  KeyState = "revoked"
)

// State is the key's state at now. A grace window ends at RetiresAt
// exactly: from that instant the key verifies nothing.
func (k *VerificationKey) State(now time.Time) KeyState {
	switch {
	case k.RevokedAt != nil && !k.RevokedAt.After(now):
		return KeyRevoked
	case k.RetiresAt != nil && !now.Before(*k.RetiresAt):
		return KeyRevoked
	case k.RetiresAt != nil:
		return KeyRetiring
	}
	return KeyActive
}

// Live reports whether the key verifies tokens at now.
func (k *VerificationKey) Live(now time.Time) bool { return k.State(now) != KeyRevoked }

// Name is how event rows, the CSV and the Logs view name the key: its
// label and fingerprint.
func (k *VerificationKey) Name() string { return k.Label + " " + k.Fingerprint }

// Fingerprint is the first 16 hex digits of the SHA-256 of data: how a
// secret (its UTF-8 bytes), a public key (its SPKI DER) or a JWKS URL is
// named without showing it (SPEC section 9).
func Fingerprint(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// KeyFingerprint is the fingerprint of a key as stored: its secret, its
// public key's DER, or its JWKS URL.
func KeyFingerprint(kind KeyKind, secret string, der []byte, jwksURL string) string {
	switch kind {
	case KeySecret:
		return Fingerprint([]byte(secret))
	case KeyPublic:
		return Fingerprint(der)
	}
	return Fingerprint([]byte(jwksURL))
}

// NewestSecret is the newest shared secret among keys given oldest first
// (as LiveKeys returns them): the one the console shows masked and the
// demo partner signs with. Nil when there is none.
func NewestSecret(keys []VerificationKey) *VerificationKey {
	for i := len(keys) - 1; i >= 0; i-- {
		if keys[i].Kind == KeySecret {
			return &keys[i]
		}
	}
	return nil
}
