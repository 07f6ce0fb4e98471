// Package secrets derives every key the process needs from one master key
// and seals values that must be kept at rest (shared JWT secrets).
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Keys are the purpose-bound keys derived from the master key. Deriving
// each one separately (HKDF with a distinct label) means a leak of, say,
// the cookie signing key does not expose the secrets at rest.
type Keys struct {
	CookieHash  []byte // HMAC key for signed cookies
	CookieBlock []byte // AES key for encrypted cookies
	AtRest      []byte // AES-256-GCM key for secrets stored in the database
	CSRF        []byte // HMAC key that binds CSRF tokens to a session
}

// Derive computes the purpose keys from the master key.
func Derive(master string) (Keys, error) {
	if len(master) < 32 {
		return Keys{}, errors.New("master key shorter than 32 characters")
	}
	derive := func(label string, n int) ([]byte, error) {
		return hkdf.Key(sha256.New, []byte(master), nil, "helpcenter "+label, n)
	}
	var k Keys
	var err error
	if k.CookieHash, err = derive("cookie-hash v1", 32); err != nil {
		return Keys{}, err
	}
	if k.CookieBlock, err = derive("cookie-block v1", 32); err != nil {
		return Keys{}, err
	}
	if k.AtRest, err = derive("at-rest v1", 32); err != nil {
		return Keys{}, err
	}
	if k.CSRF, err = derive("csrf v1", 32); err != nil {
		return Keys{}, err
	}
	return k, nil
}

// LoadOrCreate returns the master key stored at path, creating it (32
// random bytes, base64, mode 0600) when absent. created reports whether a
// new key was written, so the caller can warn that it must be backed up.
func LoadOrCreate(path string) (key string, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key = strings.TrimSpace(string(b))
		if len(key) < 32 {
			return "", false, fmt.Errorf("%s holds %d characters; a master key needs at least 32", path, len(key))
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", false, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", false, err
	}
	key = base64.StdEncoding.EncodeToString(raw)
	// O_EXCL: two processes starting at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreate(path)
	}
	if err != nil {
		return "", false, err
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return "", false, err
	}
	return key, true, f.Close()
}

// Box seals and opens small values with AES-256-GCM.
type Box struct{ aead cipher.AEAD }

// NewBox builds a Box from a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext; the additional data binds the ciphertext to its
// owner (e.g. "help_center:42:jwt_secret") so a sealed value copied into
// another row does not open there.
func (b *Box) Seal(plaintext, additional []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return b.aead.Seal(nonce, nonce, plaintext, additional), nil
}

// Open decrypts what Seal produced with the same additional data.
func (b *Box) Open(sealed, additional []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	return b.aead.Open(nil, sealed[:n], sealed[n:], additional)
}
