package sso

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"strings"
	"testing"
)

func TestGenerateSecret(t *testing.T) {
	a, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(a)
	if len(a) != 64 || err != nil || len(raw) != 48 {
		t.Errorf("secret %q: %d characters, %d bytes, %v", a, len(a), len(raw), err)
	}
	if err := ValidateSecret(a); err != nil {
		t.Errorf("a generated secret is invalid: %v", err)
	}
	if b, _ := GenerateSecret(); b == a {
		t.Error("two secrets are equal")
	}
}

func TestValidateSecret(t *testing.T) {
	for _, tc := range []struct {
		secret string
		ok     bool
	}{
		{strings.Repeat("a", 32), true},
		{strings.Repeat("é", 32), true}, // characters, not bytes
		{strings.Repeat("a", 31), false},
		{strings.Repeat("é", 31), false},
		{"", false},
		{strings.Repeat("a", 40) + "\n", false},
		{" " + strings.Repeat("a", 40), false},
		{strings.Repeat("a", 20) + "\x00" + strings.Repeat("a", 20), false},
		{strings.Repeat("a", 20) + " " + strings.Repeat("a", 20), true},
	} {
		err := ValidateSecret(tc.secret)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateSecret(%q) = %v, want ok %v", tc.secret, err, tc.ok)
		}
		if err != nil && tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
			t.Errorf("the error repeats the secret: %v", err)
		}
	}
}

func TestKeyFingerprint(t *testing.T) {
	if fp, kind, err := KeyFingerprint(testSecret); err != nil || kind != "shared secret" || fp != Fingerprint(testSecret) || len(fp) != 16 {
		t.Fatalf("secret: %q %q %v", fp, kind, err)
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(priv)
	spki, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	sum := sha256.Sum256(spki)
	want := hex.EncodeToString(sum[:8])
	for name, block := range map[string]*pem.Block{"public": {Type: "PUBLIC KEY", Bytes: spki}, "private": {Type: "PRIVATE KEY", Bytes: pkcs8}} {
		fp, kind, err := KeyFingerprint(string(pem.EncodeToMemory(block)))
		if err != nil || kind != "public key" || fp != want {
			t.Errorf("%s key: %q %q %v, want %q", name, fp, kind, err, want)
		}
	}
	if _, _, err := KeyFingerprint(string(pem.EncodeToMemory(&pem.Block{Type: "RSA TESTING", Bytes: []byte{1}}))); err == nil {
		t.Error("an unknown PEM block was fingerprinted")
	}
}
