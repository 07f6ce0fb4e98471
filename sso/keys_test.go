package sso

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"helpcenter/models"
)

const asymVectorsPath = "../../shared/vectors/jwt-verify-asym.json"

type asymVectorFile struct {
	Now    float64 `json:"now"`
	Suites map[string]struct {
		Algorithm    string `json:"algorithm"`
		PublicKeyPEM string `json:"public_key_pem"`
		Issuer       string `json:"issuer"`
		Audience     string `json:"audience"`
		TTLSeconds   int    `json:"ttl_seconds"`
	} `json:"suites"`
	Cases []struct {
		Suite  string `json:"suite"`
		Name   string `json:"name"`
		Token  string `json:"token"`
		Expect string `json:"expect"`
	} `json:"cases"`
}

func loadAsymVectors(tb testing.TB) asymVectorFile {
	tb.Helper()
	data, err := os.ReadFile(asymVectorsPath)
	if err != nil {
		tb.Fatalf("the public-key JWT vectors are required at %s (the shared/ folder next to the repository): %v", asymVectorsPath, err)
	}
	var v asymVectorFile
	if err := json.Unmarshal(data, &v); err != nil {
		tb.Fatalf("decode %s: %v", asymVectorsPath, err)
	}
	if len(v.Cases) == 0 || len(v.Suites) != 3 {
		tb.Fatalf("%s holds %d cases and %d suites", asymVectorsPath, len(v.Cases), len(v.Suites))
	}
	return v
}

// settings is the suite's configuration: its public key, parsed as the
// console parses a pasted one, is the only live key.
func (v asymVectorFile) settings(tb testing.TB, suite string) Settings {
	tb.Helper()
	s, ok := v.Suites[suite]
	if !ok {
		tb.Fatalf("unknown suite %q", suite)
	}
	pub, err := ParsePublicKey(s.PublicKeyPEM)
	if err != nil {
		tb.Fatalf("suite %s: %v", suite, err)
	}
	if pub.Alg != s.Algorithm {
		tb.Fatalf("suite %s: the key parses as %s", suite, pub.Alg)
	}
	return Settings{Enabled: true, Keys: []Key{publicKey(7, "Vector key "+pub.Fingerprint, pub.Alg, "", pub.Public)},
		Issuer: s.Issuer, Audience: s.Audience, TTL: time.Duration(s.TTLSeconds) * time.Second}
}

func (v asymVectorFile) now() time.Time { return time.Unix(int64(v.Now), 0) }

func TestAsymmetricVectors(t *testing.T) {
	v := loadAsymVectors(t)
	if len(v.Cases) != 19 {
		t.Errorf("%s holds %d cases, expected 19", asymVectorsPath, len(v.Cases))
	}
	for _, tc := range v.Cases {
		t.Run(tc.Suite+"/"+tc.Name, func(t *testing.T) {
			s := v.settings(t, tc.Suite)
			claims, rej := Verify(tc.Token, s, v.now())
			if tc.Expect == "ok" {
				if rej != nil {
					t.Fatalf("rejected with %s (%s), expected ok", rej.Reason, rej.Detail)
				}
				if claims.Key == nil || claims.Key.ID != 7 {
					t.Fatalf("verified by %+v, expected the suite's key", claims.Key)
				}
				return
			}
			if rej == nil {
				t.Fatalf("accepted, expected %s", tc.Expect)
			}
			if string(rej.Reason) != tc.Expect {
				t.Fatalf("rejected with %s (%s), expected %s", rej.Reason, rej.Detail, tc.Expect)
			}
			// Past check 2 the key that verified is named, before it none.
			if verified := rej.Reason != ReasonInvalidSignature; verified != (rej.Key != nil) {
				t.Fatalf("%s names key %+v", rej.Reason, rej.Key)
			}
			t.Logf("%s: %s", rej.Reason, rej.Detail)
		})
	}
}

// TestAsymmetricVectorsAreAsserted is the mutation check: the vector test
// above would catch a verifier that skipped the signature. Every accepted
// vector, with one bit of its signature flipped, or verified with another
// suite's key of any algorithm, or with its own key offered under the
// algorithm of the header of another suite, must fail check 2.
func TestAsymmetricVectorsAreAsserted(t *testing.T) {
	v := loadAsymVectors(t)
	oks := 0
	for _, tc := range v.Cases {
		if tc.Expect != "ok" {
			continue
		}
		oks++
		s := v.settings(t, tc.Suite)
		head, sig, _ := strings.Cut(tc.Token[strings.IndexByte(tc.Token, '.')+1:], ".")
		raw, err := base64.RawURLEncoding.DecodeString(sig)
		if err != nil {
			t.Fatal(err)
		}
		for bit := 0; bit < len(raw)*8; bit += 37 {
			flipped := append([]byte(nil), raw...)
			flipped[bit/8] ^= 1 << (bit % 8)
			mutant := tc.Token[:strings.IndexByte(tc.Token, '.')+1] + head + "." + base64.RawURLEncoding.EncodeToString(flipped)
			if _, rej := Verify(mutant, s, v.now()); rej == nil || rej.Reason != ReasonInvalidSignature {
				t.Fatalf("%s with bit %d flipped: %+v", tc.Name, bit, rej)
			}
		}
		for other := range v.Suites {
			if other == tc.Suite {
				continue
			}
			if _, rej := Verify(tc.Token, v.settings(t, other), v.now()); rej == nil || rej.Reason != ReasonInvalidSignature {
				t.Fatalf("%s verified with the %s suite's key: %+v", tc.Name, other, rej)
			}
		}
	}
	if oks != 3 {
		t.Fatalf("%d accepted vectors, expected one per suite", oks)
	}
}

func TestParsePublicKey(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaSmall, _ := rsa.GenerateKey(rand.Reader, 1024)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	spki := func(pub any) string {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	pkcs8 := func(priv any) string {
		der, _ := x509.MarshalPKCS8PrivateKey(priv)
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	ecJWK := `{"kty":"EC","crv":"P-256","kid":"k1","x":"` + b64(ecKey.X.FillBytes(make([]byte, 32))) + `","y":"` + b64(ecKey.Y.FillBytes(make([]byte, 32))) + `"}`
	offCurve := `{"kty":"EC","crv":"P-256","x":"` + b64(ecKey.X.FillBytes(make([]byte, 32))) + `","y":"` + b64(new(big.Int).Add(ecKey.Y, big.NewInt(1)).FillBytes(make([]byte, 32))) + `"}`
	rsaJWK := `{"kty":"RSA","alg":"RS256","use":"sig","kid":"r1","n":"` + b64(rsaKey.N.Bytes()) + `","e":"AQAB"}`
	edJWK := `{"kty":"OKP","crv":"Ed25519","x":"` + b64(edPub) + `"}`
	for _, tc := range []struct {
		name, text, alg, kid, err string
	}{
		{name: "ES256 SPKI", text: spki(&ecKey.PublicKey), alg: models.AlgES256},
		{name: "RS256 SPKI", text: spki(&rsaKey.PublicKey), alg: models.AlgRS256},
		{name: "RS256 PKCS #1", text: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)})), alg: models.AlgRS256},
		{name: "EdDSA SPKI, pasted with white space", text: "\n  " + spki(edPub) + "\n\n", alg: models.AlgEdDSA},
		{name: "ES256 JWK", text: ecJWK, alg: models.AlgES256, kid: "k1"},
		{name: "RS256 JWK", text: rsaJWK, alg: models.AlgRS256, kid: "r1"},
		{name: "EdDSA JWK", text: edJWK, alg: models.AlgEdDSA},
		{name: "a set of one JWK", text: `{"keys":[` + rsaJWK + `]}`, alg: models.AlgRS256, kid: "r1"},
		{name: "empty", text: "  ", err: "Paste a public key"},
		{name: "garbage", text: "hello", err: "neither a PEM block"},
		{name: "P-384", text: spki(&p384.PublicKey), err: "needs a P-256 key"},
		{name: "RSA 1024", text: spki(&rsaSmall.PublicKey), err: "has 1024 bits"},
		{name: "private key PEM", text: pkcs8(edPriv), err: "This is a private key"},
		{name: "EC private key PEM", text: "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n", err: "This is a private key"},
		{name: "two PEM keys", text: spki(edPub) + spki(&ecKey.PublicKey), err: "one key per entry"},
		{name: "a set of two JWKs", text: `{"keys":[` + rsaJWK + `,` + edJWK + `]}`, err: "one key per entry"},
		{name: "private JWK", text: `{"kty":"OKP","crv":"Ed25519","x":"` + b64(edPub) + `","d":"` + b64(edPriv.Seed()) + `"}`, err: "private key"},
		{name: "encryption JWK", text: strings.Replace(rsaJWK, `"use":"sig"`, `"use":"enc"`, 1), err: `use is "enc"`},
		{name: "JWK alg disagreeing with its key", text: strings.Replace(rsaJWK, `"alg":"RS256"`, `"alg":"ES256"`, 1), err: "alg"},
		{name: "JWK point off the curve", text: offCurve, err: "JWK"},
		{name: "symmetric JWK", text: `{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}`, err: "not a key for ES256, RS256 or EdDSA"},
		{name: "a certificate's key", text: selfSigned(t, ecKey), alg: models.AlgES256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePublicKey(tc.text)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Alg != tc.alg || got.KID != tc.kid || len(got.Fingerprint) != 16 {
				t.Fatalf("got %s kid %q fingerprint %q", got.Alg, got.KID, got.Fingerprint)
			}
			// The fingerprint is the partner's: KeyFingerprint of the SPKI.
			if fp, _, err := KeyFingerprint(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: got.DER}))); err != nil || fp != got.Fingerprint {
				t.Fatalf("fingerprint %s, the CLI computes %s (%v)", got.Fingerprint, fp, err)
			}
		})
	}
}

func selfSigned(t *testing.T, k *ecdsa.PrivateKey) string {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<33, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// Generated key pairs sign tokens that verify with their stored public
// half, by algorithm, as a partner's app signs them.
func TestGeneratedKeysSignAndVerify(t *testing.T) {
	for _, alg := range []string{models.AlgES256, models.AlgRS256, models.AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			g, err := GenerateKeyPair(alg)
			if err != nil {
				t.Fatal(err)
			}
			stored := []models.VerificationKey{{ID: 3, Kind: models.KeyPublic, Alg: alg, KID: g.Public.Fingerprint, Label: "Generated", Fingerprint: g.Public.Fingerprint, PublicDER: g.Public.DER, CreatedAt: testNow}}
			keys, err := KeysFrom(stored, testNow)
			if err != nil || len(keys) != 1 {
				t.Fatalf("%d keys, %v", len(keys), err)
			}
			signer, err := ParseSigningKey(g.PrivatePEM, g.Public.Fingerprint)
			if err != nil || signer.Alg != alg {
				t.Fatalf("signing key %+v, %v", signer, err)
			}
			token, err := signer.Sign(map[string]any(validClaims()))
			if err != nil {
				t.Fatal(err)
			}
			s := testSettings
			s.Keys = keys
			c, rej := Verify(token, s, testNow)
			if rej != nil {
				t.Fatal(rej.Detail)
			}
			if c.Key.ID != 3 || c.Key.Name != "Generated "+g.Public.Fingerprint {
				t.Fatalf("verified by %+v", c.Key)
			}
		})
	}
}

// keyring is a help center with two secrets and an ES256 key, each with a
// kid, and a third secret without one.
func keyring(t *testing.T) (Settings, map[string]*SigningKey) {
	t.Helper()
	g, err := GenerateKeyPair(models.AlgES256)
	if err != nil {
		t.Fatal(err)
	}
	stored := []models.VerificationKey{
		{ID: 1, Kind: models.KeySecret, Alg: models.AlgHS256, KID: "old", Label: "Old", Fingerprint: Fingerprint("old-secret-0123456789abcdefghijklmnop"), Secret: "old-secret-0123456789abcdefghijklmnop"},
		{ID: 2, Kind: models.KeySecret, Alg: models.AlgHS256, KID: "new", Label: "New", Fingerprint: Fingerprint("new-secret-0123456789abcdefghijklmnop"), Secret: "new-secret-0123456789abcdefghijklmnop"},
		{ID: 3, Kind: models.KeyPublic, Alg: models.AlgES256, KID: "ec", Label: "EC", Fingerprint: g.Public.Fingerprint, PublicDER: g.Public.DER},
		{ID: 4, Kind: models.KeySecret, Alg: models.AlgHS256, Label: "Plain", Fingerprint: Fingerprint("plain-secret-0123456789abcdefghijklm"), Secret: "plain-secret-0123456789abcdefghijklm"},
	}
	keys, err := KeysFrom(stored, testNow)
	if err != nil {
		t.Fatal(err)
	}
	s := testSettings
	s.Keys = keys
	ec, err := ParseSigningKey(g.PrivatePEM, "")
	if err != nil {
		t.Fatal(err)
	}
	return s, map[string]*SigningKey{
		"old":   {Alg: models.AlgHS256, key: []byte("old-secret-0123456789abcdefghijklmnop")},
		"new":   {Alg: models.AlgHS256, key: []byte("new-secret-0123456789abcdefghijklmnop")},
		"plain": {Alg: models.AlgHS256, key: []byte("plain-secret-0123456789abcdefghijklm")},
		"ec":    ec,
		"other": {Alg: models.AlgHS256, key: []byte("other-secret-0123456789abcdefghijklm")},
	}
}

func TestKeySelection(t *testing.T) {
	s, signers := keyring(t)
	for _, tc := range []struct {
		name, signer, kid string
		wantKey           int64
		wantDetail        string
	}{
		{name: "no kid: each HS256 key is tried, the old one verifies", signer: "old", wantKey: 1},
		{name: "no kid: the new one verifies", signer: "new", wantKey: 2},
		{name: "no kid: the ES256 key", signer: "ec", wantKey: 3},
		{name: "kid picks its key", signer: "new", kid: "new", wantKey: 2},
		{name: "kid picks a key that did not sign", signer: "old", kid: "new", wantDetail: "does not match"},
		{name: "kid of the ES256 key with an HS256 token", signer: "new", kid: "ec", wantDetail: `header kid "ec" names the ES256 key EC`},
		{name: "unknown kid: keys without a kid are tried", signer: "plain", kid: "unheard-of", wantKey: 4},
		{name: "unknown kid: a key with its own kid is not", signer: "new", kid: "unheard-of", wantDetail: "names no live key, so the keys without a kid were tried"},
		{name: "no key signed it", signer: "other", wantDetail: "verifies with none of the 3 live HS256 keys (Old "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sk := *signers[tc.signer]
			sk.KID = tc.kid
			token, err := sk.Sign(map[string]any(validClaims()))
			if err != nil {
				t.Fatal(err)
			}
			c, rej := Verify(token, s, testNow)
			if tc.wantDetail != "" {
				if rej == nil || rej.Reason != ReasonInvalidSignature || !strings.Contains(rej.Detail, tc.wantDetail) {
					t.Fatalf("got %+v, want jwt_invalid_signature with %q", rej, tc.wantDetail)
				}
				return
			}
			if rej != nil {
				t.Fatal(rej.Detail)
			}
			if c.Key.ID != tc.wantKey {
				t.Fatalf("verified by key %d, want %d", c.Key.ID, tc.wantKey)
			}
		})
	}
}

// A key named inside the token is never used or fetched: a token signed
// by the attacker's key, carrying that key as jwk (or pointing at it with
// jku, x5u, x5c), fails check 2.
func TestHeaderBorneKeysAreIgnored(t *testing.T) {
	s, _ := keyring(t)
	attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	jwk := map[string]any{"kty": "EC", "crv": "P-256", "x": b64(attacker.X.FillBytes(make([]byte, 32))), "y": b64(attacker.Y.FillBytes(make([]byte, 32)))}
	for name, header := range map[string]map[string]any{
		"jwk": {"jwk": jwk}, "jku": {"jku": "https://evil.example/jwks.json"},
		"x5u": {"x5u": "https://evil.example/cert.pem"}, "x5c": {"x5c": []string{"MIIB"}},
	} {
		t.Run(name, func(t *testing.T) {
			tok := jwt.NewWithClaims(jwt.SigningMethodES256, validClaims())
			for k, v := range header {
				tok.Header[k] = v
			}
			signed, err := tok.SignedString(attacker)
			if err != nil {
				t.Fatal(err)
			}
			if _, rej := Verify(signed, s, testNow); rej == nil || rej.Reason != ReasonInvalidSignature {
				t.Fatalf("got %+v", rej)
			}
		})
	}
}

// Refresh is asked once, for a kid no key claims, and the keys it brings
// verify; a known kid never asks.
func TestRefreshOnUnknownKID(t *testing.T) {
	g, _ := GenerateKeyPair(models.AlgRS256)
	fresh := publicKey(9, "JWKS kid rotated", models.AlgRS256, "rotated", g.Public.Public)
	s, _ := keyring(t)
	asked := 0
	s.Refresh = func(kid string) []Key {
		asked++
		if kid != "rotated" {
			t.Errorf("asked for %q", kid)
		}
		return append(append([]Key(nil), s.Keys...), fresh)
	}
	signer, _ := ParseSigningKey(g.PrivatePEM, "rotated")
	token, _ := signer.Sign(map[string]any(validClaims()))
	c, rej := Verify(token, s, testNow)
	if rej != nil || c.Key.ID != 9 || asked != 1 {
		t.Fatalf("got %+v %+v, asked %d times", c, rej, asked)
	}
	signer.KID = "new"
	token, _ = signer.Sign(map[string]any(validClaims()))
	if _, rej := Verify(token, s, testNow); rej == nil || asked != 1 {
		t.Fatalf("a known kid asked again (%d) or verified: %+v", asked, rej)
	}
}

// A grace window ends on time: the retiring key verifies up to the instant
// before RetiresAt and not from RetiresAt on.
func TestRetiringKeyEndsOnTime(t *testing.T) {
	ends := testNow.Add(24 * time.Hour)
	stored := []models.VerificationKey{{ID: 1, Kind: models.KeySecret, Alg: models.AlgHS256, Label: "Old", Fingerprint: "x", Secret: testSecret, RetiresAt: &ends}}
	token := func(at time.Time) string {
		return mint(t, with(map[string]any{"iat": float64(at.Unix()), "exp": float64(at.Unix() + 60)}), testSecret)
	}
	for _, tc := range []struct {
		at   time.Time
		live bool
	}{
		{testNow, true}, {ends.Add(-time.Second), true}, {ends, false}, {ends.Add(time.Second), false},
	} {
		keys, err := KeysFrom(stored, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		s := testSettings
		s.Keys = keys
		_, rej := Verify(token(tc.at), s, tc.at)
		if got := rej == nil; got != tc.live {
			t.Errorf("at window end %+v: accepted %v (%+v)", tc.at.Sub(ends), got, rej)
		}
	}
}

func FuzzParsePublicKey(f *testing.F) {
	v := loadAsymVectors(f)
	for _, s := range v.Suites {
		f.Add(s.PublicKeyPEM)
	}
	f.Add(`{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}`)
	f.Add(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + strings.Repeat("A", 43) + `"}]}`)
	f.Add("-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----")
	f.Fuzz(func(t *testing.T, text string) {
		k, err := ParsePublicKey(text)
		if err != nil {
			return
		}
		// An accepted key is one the verifier can hold: it survives the
		// store's round trip through its SPKI DER, same algorithm.
		keys, err := KeysFrom([]models.VerificationKey{{ID: 1, Kind: models.KeyPublic, Alg: k.Alg, PublicDER: k.DER}}, testNow)
		if err != nil || len(keys) != 1 || keys[0].Alg != k.Alg {
			t.Fatalf("accepted %s key does not load: %v", k.Alg, err)
		}
	})
}

func FuzzJWKSKeys(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, _, err := JWKSKeys(1, "JWKS", data)
		if err != nil && keys != nil {
			t.Fatal("keys with an error")
		}
		for _, k := range keys {
			if k.method == nil || k.key == nil || k.Alg == models.AlgHS256 {
				t.Fatalf("a JWKS key that cannot verify, or a symmetric one: %+v", k)
			}
		}
	})
}
