package sso

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"helpcenter/models"
)

// The verification keys of SPEC section 9, as check 2 uses them. A Key is
// built from a stored models.VerificationKey (KeysFrom) or from a JWKS
// the product fetched; its algorithm is fixed when it is built, so the
// token header never chooses how its own signature is checked.

// RSA key sizes accepted. Below 2048 bits is breakable; above 8192 a
// single verification costs enough to turn a flood of tokens into a
// denial of service, and no issuer uses such keys.
const (
	MinRSABits = 2048
	MaxRSABits = 8192
)

// Key is one live verification key.
type Key struct {
	// ID is the stored key's id (for a JWKS key, the JWKS URL's), 0 for
	// a key that is not stored.
	ID int64
	// Name is how the event row names the key: label and fingerprint.
	Name string
	// Alg is the one algorithm the key verifies.
	Alg string
	// KID is the key id a token header may name; "" when the key has none.
	KID string
	// verify checks a signature over the token's first two parts.
	method jwt.SigningMethod
	key    any
}

// verifies reports whether sig is the key's signature over signingString.
// golang-jwt does the arithmetic: the HMAC comparison is constant-time,
// ES256 wants the 64-byte R‖S form (DER is refused), and Go's ECDSA never
// accepted the all-zero signature of CVE-2022-21449.
func (k Key) verifies(signingString string, sig []byte) bool {
	return k.method.Verify(signingString, sig, k.key) == nil
}

// SharedSecret is a key for an HS256 secret, named as an unlabelled
// "Shared secret" with its fingerprint.
func SharedSecret(secret string) Key {
	return Key{Name: "Shared secret " + Fingerprint(secret), Alg: models.AlgHS256,
		method: jwt.SigningMethodHS256, key: []byte(secret)}
}

// publicKey is a key for a parsed public key of alg.
func publicKey(id int64, name, alg, kid string, pub crypto.PublicKey) Key {
	return Key{ID: id, Name: name, Alg: alg, KID: kid, method: jwt.GetSigningMethod(alg), key: pub}
}

// secret is the key's shared secret, "" for a public key.
func (k Key) secret() string {
	if b, ok := k.key.([]byte); ok {
		return string(b)
	}
	return ""
}

// KeysFrom turns the stored keys of a help center into the keys that are
// live at now, in the order given. JWKS rows are left out: their keys come
// from the JWKS cache. A stored key that does not parse is an error, not
// a key skipped: the help center must not silently verify with fewer keys
// than its admin sees.
func KeysFrom(stored []models.VerificationKey, now time.Time) ([]Key, error) {
	out := make([]Key, 0, len(stored))
	for i := range stored {
		k := &stored[i]
		if !k.Live(now) {
			continue
		}
		switch k.Kind {
		case models.KeySecret:
			if secretTooShort(k.Secret) {
				return nil, fmt.Errorf("key %d: the shared secret is not open or too short", k.ID)
			}
			key := SharedSecret(k.Secret)
			key.ID, key.Name, key.KID = k.ID, k.Name(), k.KID
			out = append(out, key)
		case models.KeyPublic:
			pub, err := x509.ParsePKIXPublicKey(k.PublicDER)
			if err != nil {
				return nil, fmt.Errorf("key %d: %w", k.ID, err)
			}
			alg, err := algorithmOf(pub)
			if err != nil || alg != k.Alg {
				return nil, fmt.Errorf("key %d: stored as %s, parsed as %s (%v)", k.ID, k.Alg, alg, err)
			}
			out = append(out, publicKey(k.ID, k.Name(), alg, k.KID, pub))
		}
	}
	return out, nil
}

// PublicKey is a public key as an admin gave it, validated.
type PublicKey struct {
	Alg string
	// KID is the JWK's kid, "" for PEM (the admin may give one).
	KID         string
	Public      crypto.PublicKey
	DER         []byte // SPKI
	Fingerprint string
}

// ParsePublicKey reads one public key pasted as PEM (SPKI "PUBLIC KEY",
// PKCS #1 "RSA PUBLIC KEY", or a "CERTIFICATE"'s key) or as a JWK, and
// applies SPEC section 9's rules: ES256 on P-256, RS256 of 2048 to 8192
// bits, EdDSA on Ed25519, exactly one key, never a private key. Errors are
// sentences for the admin.
func ParsePublicKey(text string) (*PublicKey, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, models.Problem("Paste a public key: a PEM block that begins with -----BEGIN PUBLIC KEY-----, or a JWK.")
	}
	var pub crypto.PublicKey
	var kid, jwkAlg string
	if strings.HasPrefix(text, "{") {
		var err error
		if pub, kid, jwkAlg, err = parseJWK([]byte(text)); err != nil {
			return nil, err
		}
	} else {
		var err error
		if pub, err = parsePEMPublic([]byte(text)); err != nil {
			return nil, err
		}
	}
	alg, err := algorithmOf(pub)
	if err != nil {
		return nil, err
	}
	if jwkAlg != "" && jwkAlg != alg {
		return nil, models.Problemf("The JWK says alg %q, but its key is an %s key.", jwkAlg, alg)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, models.Problemf("The key could not be encoded: %v.", err)
	}
	return &PublicKey{Alg: alg, KID: kid, Public: pub, DER: der, Fingerprint: derFingerprint(der)}, nil
}

func parsePEMPublic(data []byte) (crypto.PublicKey, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, models.Problem("This is neither a PEM block (-----BEGIN PUBLIC KEY----- …) nor a JWK (a JSON object).")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, models.Problem("Paste one key per entry: there is more after the first PEM block.")
	}
	switch block.Type {
	case "PUBLIC KEY":
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, models.Problemf("The PEM public key does not parse: %v.", err)
		}
		return pub, nil
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, models.Problemf("The PEM RSA public key does not parse: %v.", err)
		}
		return pub, nil
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, models.Problemf("The PEM certificate does not parse: %v.", err)
		}
		return cert.PublicKey, nil
	}
	if strings.Contains(block.Type, "PRIVATE KEY") {
		return nil, models.Problem("This is a private key: keep it in your app and paste its public half here (openssl pkey -in key.pem -pubout).")
	}
	return nil, models.Problemf("A PEM %q block is no public key; paste a PUBLIC KEY block.", block.Type)
}

// parseJWK reads one JWK (or a JWK Set holding exactly one key) with
// go-jose, which checks that an EC point lies on its curve.
func parseJWK(data []byte) (pub crypto.PublicKey, kid, alg string, err error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, "", "", models.Problemf("The JWK is not valid JSON: %v.", err)
	}
	if raw, ok := probe["keys"]; ok {
		var set []json.RawMessage
		if err := json.Unmarshal(raw, &set); err != nil || len(set) != 1 {
			return nil, "", "", models.Problem("Paste one key per entry; for a key set, add its JWKS URL instead.")
		}
		data = set[0]
		if err := json.Unmarshal(data, &probe); err != nil {
			return nil, "", "", models.Problemf("The JWK is not valid JSON: %v.", err)
		}
	}
	if _, private := probe["d"]; private {
		return nil, "", "", models.Problem("This JWK holds a private key (it has \"d\"): keep it in your app and paste the public key only.")
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(data); err != nil {
		return nil, "", "", models.Problemf("The JWK is not a key this product reads: %v.", err)
	}
	if k.Use != "" && k.Use != "sig" {
		return nil, "", "", models.Problemf("The JWK's use is %q; a key that verifies tokens has use \"sig\".", k.Use)
	}
	if _, symmetric := k.Key.([]byte); symmetric {
		return nil, "", "", models.Problem("This JWK is a symmetric (oct) key, not a key for ES256, RS256 or EdDSA: add it as a shared secret instead.")
	}
	if !k.IsPublic() {
		return nil, "", "", models.Problem("This JWK holds a private key: paste the public key only.")
	}
	return k.Key, k.KeyID, k.Algorithm, nil
}

// algorithmOf is the one algorithm a public key verifies, or a sentence
// saying why it cannot be used.
func algorithmOf(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", models.Problemf("This EC key is on %s; ES256 needs a P-256 key.", k.Curve.Params().Name)
		}
		if _, err := k.ECDH(); err != nil {
			return "", models.Problem("This EC key is not a point on P-256.")
		}
		return models.AlgES256, nil
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < MinRSABits || bits > MaxRSABits {
			return "", models.Problemf("This RSA key has %d bits; RS256 keys must have %d to %d.", bits, MinRSABits, MaxRSABits)
		}
		if k.E < 3 || k.E%2 == 0 {
			return "", models.Problem("This RSA key's public exponent is not valid.")
		}
		return models.AlgRS256, nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", models.Problem("This Ed25519 key is not 32 bytes.")
		}
		return models.AlgEdDSA, nil
	}
	return "", models.Problemf("A %T is not a key for ES256, RS256 or EdDSA.", pub)
}

func derFingerprint(der []byte) string { return models.Fingerprint(der) }

// JWKSKeys reads a fetched JWK Set: the signing keys of ES256, RS256 and
// EdDSA, each named after the JWKS (name) and its own kid and
// fingerprint. Keys of other types or uses are skipped, as every JWKS
// consumer does (a set may hold encryption keys); skipped tells how many.
func JWKSKeys(id int64, name string, data []byte) (keys []Key, skipped int, err error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, 0, fmt.Errorf("the JWKS is not a JSON object with a keys array: %w", err)
	}
	if set.Keys == nil {
		return nil, 0, errors.New("the JWKS has no keys array")
	}
	for _, raw := range set.Keys {
		pub, kid, alg, err := parseJWK(raw)
		if err != nil {
			skipped++
			continue
		}
		keyAlg, err := algorithmOf(pub)
		if err != nil || (alg != "" && alg != keyAlg) {
			skipped++
			continue
		}
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			skipped++
			continue
		}
		label := name + " kid " + kid + " " + derFingerprint(der)
		if kid == "" {
			label = name + " " + derFingerprint(der)
		}
		keys = append(keys, publicKey(id, label, keyAlg, kid, pub))
	}
	return keys, skipped, nil
}

// GeneratedKey is a key pair we generated: the admin downloads the private
// key once; only the public half is stored.
type GeneratedKey struct {
	PrivatePEM string
	Public     PublicKey
}

// GenerateKeyPair makes a new ES256, RS256 (2048 bits) or EdDSA key pair.
func GenerateKeyPair(alg string) (*GeneratedKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case models.AlgES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case models.AlgRS256:
		priv, err = rsa.GenerateKey(rand.Reader, MinRSABits)
	case models.AlgEdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("no key pair is generated for %q; choose ES256, RS256 or EdDSA", alg)
	}
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	return &GeneratedKey{
		PrivatePEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		Public:     PublicKey{Alg: alg, Public: priv.Public(), DER: spki, Fingerprint: derFingerprint(spki)},
	}, nil
}

// SigningKey is what a partner signs with: a shared secret or a private
// key, and its algorithm.
type SigningKey struct {
	Alg string
	KID string
	key any
}

// ParseSigningKey reads what a partner signs with: a PEM private key
// (PKCS #8, or SEC 1 "EC PRIVATE KEY", or PKCS #1 "RSA PRIVATE KEY"),
// whose type decides the algorithm, or else a shared secret for HS256.
func ParseSigningKey(material, kid string) (*SigningKey, error) {
	block, _ := pem.Decode([]byte(material))
	if block == nil {
		if secretTooShort(material) {
			return nil, fmt.Errorf("the shared secret is shorter than %d characters", MinSecretLength)
		}
		return &SigningKey{Alg: models.AlgHS256, KID: kid, key: []byte(material)}, nil
	}
	var priv any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		priv, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		priv, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("a PEM %q block is no private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("the PEM private key does not parse: %w", err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("a %T cannot sign", priv)
	}
	alg, err := algorithmOf(signer.Public())
	if err != nil {
		return nil, err
	}
	return &SigningKey{Alg: alg, KID: kid, key: signer}, nil
}

// Sign signs claims as a partner app does, with the kid in the header
// when the key has one.
func (k *SigningKey) Sign(claims map[string]any) (string, error) {
	t := jwt.NewWithClaims(jwt.GetSigningMethod(k.Alg), jwt.MapClaims(claims))
	if k.KID != "" {
		t.Header["kid"] = k.KID
	}
	return t.SignedString(k.key)
}

// signingSecret is the newest live shared secret (the last one of Keys
// that is a secret), "" when there is none: what the console's own
// preview tokens are signed with.
func (s Settings) signingSecret() string {
	for i := len(s.Keys) - 1; i >= 0; i-- {
		if secret := s.Keys[i].secret(); secret != "" {
			return secret
		}
	}
	return ""
}

// HasSecret reports whether a shared secret is among the live keys: the
// console's own preview tokens need one (it holds no private key).
func (s Settings) HasSecret() bool { return s.signingSecret() != "" }

// KeyLabel applies the label rules to a key's label: at most 64
// characters, no control characters; blank becomes fallback. Console and
// CLI share it.
func KeyLabel(label, fallback string) (string, error) {
	label = strings.TrimSpace(label)
	switch {
	case label == "":
		return fallback, nil
	case utf8.RuneCountInString(label) > 64:
		return "", models.Problem("Use a label of at most 64 characters.")
	case strings.IndexFunc(label, unicode.IsControl) >= 0:
		return "", models.Problem("A label cannot contain control characters.")
	}
	return label, nil
}

// ValidateKID applies the Key ID rules: optional, at most 128 characters,
// no spaces or control characters (a token header names it exactly).
func ValidateKID(kid string) (string, error) {
	kid = strings.TrimSpace(kid)
	if utf8.RuneCountInString(kid) > 128 {
		return "", models.Problem("Use a Key ID of at most 128 characters.")
	}
	if strings.IndexFunc(kid, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", models.Problem("A Key ID cannot contain spaces or control characters.")
	}
	return kid, nil
}
