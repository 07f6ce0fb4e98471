package sso

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestVerifyAcceptsValidToken(t *testing.T) {
	c, r := Verify(mint(t, with(map[string]any{
		"external_id":   42,
		"lang":          "pt-BR",
		"avatar_url":    "https://cdn.example.com/a.png",
		"role":          "editor",
		"custom_fields": map[string]any{"plan": "pro"},
		"nbf":           float64(testNow.Unix() - 10),
	}), testSecret), testSettings, testNow)
	if r != nil {
		t.Fatalf("rejected: %s: %s", r.Reason, r.Detail)
	}
	want := Claims{
		JTI: "k_test", Issuer: "app.example.com", Audience: []string{"helpcenter"},
		IssuedAt: UnixSeconds(testNow.Unix() - 10), ExpiresAt: UnixSeconds(testNow.Unix() + 290),
		Email: "jane.smith@example.com", Name: "Jane Smith", ExternalID: "42", Lang: "pt-BR",
		AvatarURL: "https://cdn.example.com/a.png", Role: RoleEditor,
	}
	if c.JTI != want.JTI || c.Issuer != want.Issuer || strings.Join(c.Audience, ",") != "helpcenter" ||
		c.IssuedAt != want.IssuedAt || c.ExpiresAt != want.ExpiresAt || c.Email != want.Email ||
		c.Name != want.Name || c.ExternalID != want.ExternalID || c.Lang != want.Lang ||
		c.AvatarURL != want.AvatarURL || c.Role != want.Role {
		t.Errorf("claims = %+v\nwant     %+v", *c, want)
	}
	if c.NotBefore == nil || *c.NotBefore != UnixSeconds(testNow.Unix()-10) {
		t.Errorf("NotBefore = %v", c.NotBefore)
	}
	if string(c.CustomFields) != `{"plan":"pro"}` {
		t.Errorf("CustomFields = %s", c.CustomFields)
	}
}

func TestVerifyDefaults(t *testing.T) {
	c, r := Verify(mint(t, validClaims(), testSecret), testSettings, testNow)
	if r != nil {
		t.Fatalf("rejected: %s", r.Detail)
	}
	if c.Role != RoleViewer || c.NotBefore != nil || c.CustomFields != nil || c.ExternalID != "" || c.Lang != "" {
		t.Errorf("defaults: %+v", *c)
	}
}

// verifyCase is one row of the rule tables: a token, the settings and
// the time it is judged with, and the expected reason ("" for accepted).
type verifyCase struct {
	name     string
	token    string
	settings Settings
	now      time.Time
	want     ReasonCode
}

func runVerifyCases(t *testing.T, cases []verifyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.settings
			if !s.Enabled && s.Keys == nil {
				s = testSettings
			}
			now := tc.now
			if now.IsZero() {
				now = testNow
			}
			_, r := Verify(tc.token, s, now)
			switch {
			case r == nil && tc.want != "":
				t.Fatalf("accepted, want %s", tc.want)
			case r != nil && r.Reason != tc.want:
				t.Fatalf("rejected with %s (%s), want %q", r.Reason, r.Detail, tc.want)
			case r != nil && strings.Contains(r.Detail, secretOf(s)):
				t.Fatalf("the detail holds the secret: %s", r.Detail)
			}
		})
	}
}

// at is testNow plus seconds, as a token time.
func at(seconds float64) float64 { return float64(testNow.Unix()) + seconds }

func TestVerifyTimeBoundaries(t *testing.T) {
	tok := func(edits map[string]any) string { return mint(t, with(edits), testSecret) }
	runVerifyCases(t, []verifyCase{
		// Check 5: now > exp + 30.
		{name: "exp 29 s ago", token: tok(map[string]any{"exp": at(-29)}), want: ""},
		{name: "exp 30 s ago", token: tok(map[string]any{"exp": at(-30)}), want: ""},
		{name: "exp 31 s ago", token: tok(map[string]any{"exp": at(-31)}), want: ReasonExpired},
		{name: "exp 30.5 s ago", token: tok(map[string]any{"exp": at(-30.5)}), want: ReasonExpired},
		{name: "exp 29.75 s ago", token: tok(map[string]any{"exp": at(-29.75)}), want: ""},
		{name: "exp 30 s ago, now half a second later", token: tok(map[string]any{"exp": at(-30)}), now: testNow.Add(500 * time.Millisecond), want: ReasonExpired},
		{name: "exp 30 s ago, now a nanosecond later", token: tok(map[string]any{"exp": at(-30)}), now: testNow.Add(time.Nanosecond), want: ReasonExpired},
		{name: "exp 0", token: tok(map[string]any{"exp": 0.0}), want: ReasonExpired},
		{name: "exp negative", token: tok(map[string]any{"exp": -1.0}), want: ReasonExpired},
		// Check 6: iat > now + 30.
		{name: "iat 29 s ahead", token: tok(map[string]any{"iat": at(29)}), want: ""},
		{name: "iat 30 s ahead", token: tok(map[string]any{"iat": at(30)}), want: ""},
		{name: "iat 31 s ahead", token: tok(map[string]any{"iat": at(31)}), want: ReasonIssuedInFuture},
		{name: "iat 30.25 s ahead", token: tok(map[string]any{"iat": at(30.25)}), want: ReasonIssuedInFuture},
		// Check 7: nbf > now + 30.
		{name: "nbf 29 s ahead", token: tok(map[string]any{"nbf": at(29)}), want: ""},
		{name: "nbf 30 s ahead", token: tok(map[string]any{"nbf": at(30)}), want: ""},
		{name: "nbf 31 s ahead", token: tok(map[string]any{"nbf": at(31)}), want: ReasonNotYetValid},
		{name: "nbf 30.5 s ahead", token: tok(map[string]any{"nbf": at(30.5)}), want: ReasonNotYetValid},
		{name: "nbf 0", token: tok(map[string]any{"nbf": 0.0}), want: ""},
		// Check 8: now - iat > TTL, no skew.
		{name: "age 299 s", token: tok(map[string]any{"iat": at(-299)}), want: ""},
		{name: "age 300 s", token: tok(map[string]any{"iat": at(-300)}), want: ""},
		{name: "age 301 s", token: tok(map[string]any{"iat": at(-301)}), want: ReasonTooOld},
		{name: "age 300.5 s", token: tok(map[string]any{"iat": at(-300.5)}), want: ReasonTooOld},
		{name: "age 119 s, TTL 120", token: tok(map[string]any{"iat": at(-119)}), settings: Settings{Enabled: true, Keys: keysOf(testSecret), TTL: 120 * time.Second}, want: ""},
		{name: "age 120 s, TTL 120", token: tok(map[string]any{"iat": at(-120)}), settings: Settings{Enabled: true, Keys: keysOf(testSecret), TTL: 120 * time.Second}, want: ""},
		{name: "age 121 s, TTL 120", token: tok(map[string]any{"iat": at(-121)}), settings: Settings{Enabled: true, Keys: keysOf(testSecret), TTL: 120 * time.Second}, want: ReasonTooOld},
		{name: "age 3600 s, TTL 3600", token: tok(map[string]any{"iat": at(-3600), "exp": at(60)}), settings: Settings{Enabled: true, Keys: keysOf(testSecret), TTL: time.Hour}, want: ""},
		// Order: expired beats too old, which beats the issuer.
		{name: "expired and too old", token: tok(map[string]any{"iat": at(-1000), "exp": at(-999)}), want: ReasonExpired},
		{name: "too old and wrong issuer", token: tok(map[string]any{"iat": at(-1000), "iss": "evil"}), want: ReasonTooOld},
		{name: "iat ahead and nbf ahead", token: tok(map[string]any{"iat": at(31), "nbf": at(31)}), want: ReasonIssuedInFuture},
	})
}

// TestVerifyExactNumbers uses hand-written numbers, so their JSON text is
// exactly what the test says (no float formatting in between).
func TestVerifyExactNumbers(t *testing.T) {
	tok := func(iat, exp string) string {
		return craft(hs256Header, `{"jti":"k","iss":"app.example.com","aud":"helpcenter","iat":`+iat+`,"exp":`+exp+`,"email":"a@example.com","name":"A"}`, testSecret)
	}
	runVerifyCases(t, []verifyCase{
		{name: "exponent form", token: tok("1.76722559e9", "1767225900"), want: ""},
		{name: "trailing zeros", token: tok("1767225590.000", "1767225900.0"), want: ""},
		{name: "exp exactly at the skew, with decimals", token: tok("1767225590", "1767225570.000000"), want: ""},
		{name: "exp one microsecond beyond the skew", token: tok("1767225590", "1767225569.999999"), want: ReasonExpired},
		{name: "exp beyond float64", token: tok("1767225590", "1e400"), want: ReasonInvalidClaim},
		{name: "iat beyond float64", token: tok("-1e400", "1767225900"), want: ReasonInvalidClaim},
		{name: "exp huge but finite", token: tok("1767225590", "1e300"), want: ""},
	})
}

func TestVerifyClaimRules(t *testing.T) {
	tok := func(edits map[string]any) string { return mint(t, with(edits), testSecret) }
	rawTok := func(payload string) string { return craft(hs256Header, payload, testSecret) }
	base := `"jti":"k","iss":"app.example.com","aud":"helpcenter","iat":1767225590,"exp":1767225890,"name":"Jane"`
	runVerifyCases(t, []verifyCase{
		// Check 3: absent, null or "" is missing; case matters.
		{name: "jti missing", token: tok(map[string]any{"jti": nil}), want: ReasonMissingRequiredClaim},
		{name: "iss empty", token: tok(map[string]any{"iss": ""}), want: ReasonMissingRequiredClaim},
		{name: "email null", token: rawTok(`{` + base + `,"email":null}`), want: ReasonMissingRequiredClaim},
		{name: "only EMAIL", token: tok(map[string]any{"email": nil, "EMAIL": "jane@example.com"}), want: ReasonMissingRequiredClaim},
		{name: "missing beats wrong type", token: tok(map[string]any{"name": nil, "exp": "later"}), want: ReasonMissingRequiredClaim},
		{name: "iss missing with no Issuer configured", token: tok(map[string]any{"iss": nil}), settings: Settings{Enabled: true, Keys: keysOf(testSecret)}, want: ReasonMissingRequiredClaim},
		// Check 4: types.
		{name: "exp numeric string", token: tok(map[string]any{"exp": "1767225890"}), want: ReasonInvalidClaim},
		{name: "iat boolean", token: tok(map[string]any{"iat": true}), want: ReasonInvalidClaim},
		{name: "nbf string", token: tok(map[string]any{"nbf": "soon"}), want: ReasonInvalidClaim},
		{name: "nbf null is absent", token: rawTok(`{` + base + `,"email":"a@example.com","nbf":null}`), want: ""},
		{name: "jti number", token: tok(map[string]any{"jti": 7}), want: ReasonInvalidClaim},
		{name: "groups", token: tok(map[string]any{"groups": []string{"beta", "staff"}}), want: ""},
		{name: "groups empty array", token: tok(map[string]any{"groups": []string{}}), want: ""},
		{name: "groups null is absent", token: rawTok(`{` + base + `,"email":"a@example.com","groups":null}`), want: ""},
		{name: "groups a string", token: tok(map[string]any{"groups": "staff"}), want: ReasonInvalidClaim},
		{name: "groups with a number", token: tok(map[string]any{"groups": []any{"staff", 7}}), want: ReasonInvalidClaim},
		{name: "groups with an empty name", token: tok(map[string]any{"groups": []string{""}}), want: ReasonInvalidClaim},
		{name: "group of 64 characters", token: tok(map[string]any{"groups": []string{strings.Repeat("é", 64)}}), want: ""},
		{name: "group of 65 characters", token: tok(map[string]any{"groups": []string{strings.Repeat("g", 65)}}), want: ReasonInvalidClaim},
		{name: "100 groups", token: tok(map[string]any{"groups": manyGroups(100)}), want: ""},
		{name: "101 groups", token: tok(map[string]any{"groups": manyGroups(101)}), want: ReasonInvalidClaim},
		{name: "iss array", token: tok(map[string]any{"iss": []string{"app.example.com"}}), want: ReasonInvalidClaim},
		{name: "name object", token: tok(map[string]any{"name": map[string]string{"first": "Jane"}}), want: ReasonInvalidClaim},
		{name: "jti 256 bytes", token: tok(map[string]any{"jti": strings.Repeat("j", 256)}), want: ""},
		{name: "jti 257 bytes", token: tok(map[string]any{"jti": strings.Repeat("j", 257)}), want: ReasonInvalidClaim},
		{name: "jti 128 two-byte runes", token: tok(map[string]any{"jti": strings.Repeat("é", 128)}), want: ""},
		{name: "jti 129 two-byte runes", token: tok(map[string]any{"jti": strings.Repeat("é", 129)}), want: ReasonInvalidClaim},
		// email
		{name: "email plain", token: tok(map[string]any{"email": "jane@example.com"}), want: ""},
		{name: "email upper case", token: tok(map[string]any{"email": "Jane@Example.COM"}), want: ""},
		{name: "email plus tag", token: tok(map[string]any{"email": "jane+help@example.co.uk"}), want: ""},
		{name: "email unicode", token: tok(map[string]any{"email": "zoë@exämple.de"}), want: ""},
		{name: "email not an address", token: tok(map[string]any{"email": "not-an-email"}), want: ReasonInvalidClaim},
		{name: "email display name", token: tok(map[string]any{"email": "Jane <jane@example.com>"}), want: ReasonInvalidClaim},
		{name: "email angle brackets", token: tok(map[string]any{"email": "<jane@example.com>"}), want: ReasonInvalidClaim},
		{name: "email quoted local part", token: tok(map[string]any{"email": `"jane"@example.com`}), want: ReasonInvalidClaim},
		{name: "email comment", token: tok(map[string]any{"email": "jane@example.com (Jane)"}), want: ReasonInvalidClaim},
		{name: "email leading space", token: tok(map[string]any{"email": " jane@example.com"}), want: ReasonInvalidClaim},
		{name: "email trailing newline", token: tok(map[string]any{"email": "jane@example.com\n"}), want: ReasonInvalidClaim},
		{name: "email CRLF header", token: tok(map[string]any{"email": "jane@example.com\r\nBcc: x@evil.example"}), want: ReasonInvalidClaim},
		{name: "email NUL", token: tok(map[string]any{"email": "jane\x00@example.com"}), want: ReasonInvalidClaim},
		{name: "email zero-width space", token: tok(map[string]any{"email": "jane\u200b@example.com"}), want: ReasonInvalidClaim},
		{name: "email two at signs", token: tok(map[string]any{"email": "jane@@example.com"}), want: ReasonInvalidClaim},
		{name: "email list", token: tok(map[string]any{"email": "a@example.com, b@example.com"}), want: ReasonInvalidClaim},
		{name: "email number", token: tok(map[string]any{"email": 12345}), want: ReasonInvalidClaim},
		// role
		{name: "role viewer", token: tok(map[string]any{"role": "viewer"}), want: ""},
		{name: "role admin", token: tok(map[string]any{"role": "admin"}), want: ""},
		{name: "role capitalised", token: tok(map[string]any{"role": "Admin"}), want: ReasonInvalidClaim},
		{name: "role unknown", token: tok(map[string]any{"role": "superuser"}), want: ReasonInvalidClaim},
		{name: "role number", token: tok(map[string]any{"role": 3}), want: ReasonInvalidClaim},
		// aud
		{name: "aud array with ours", token: tok(map[string]any{"aud": []string{"other", "helpcenter"}}), want: ""},
		{name: "aud number", token: tok(map[string]any{"aud": 5}), want: ReasonInvalidClaim},
		{name: "aud array with a number", token: tok(map[string]any{"aud": []any{"helpcenter", 5}}), want: ReasonInvalidClaim},
		{name: "aud array with null", token: tok(map[string]any{"aud": []any{"helpcenter", nil}}), want: ReasonInvalidClaim},
		{name: "aud object", token: tok(map[string]any{"aud": map[string]string{"a": "helpcenter"}}), want: ReasonInvalidClaim},
		// external_id
		{name: "external_id string", token: tok(map[string]any{"external_id": "u-42"}), want: ""},
		{name: "external_id integer", token: tok(map[string]any{"external_id": 42}), want: ""},
		{name: "external_id negative integer", token: rawTok(`{` + base + `,"email":"a@example.com","external_id":-7}`), want: ""},
		{name: "external_id 42.5", token: tok(map[string]any{"external_id": 42.5}), want: ReasonInvalidClaim},
		{name: "external_id 42.0", token: rawTok(`{` + base + `,"email":"a@example.com","external_id":42.0}`), want: ReasonInvalidClaim},
		{name: "external_id 4.2e1", token: rawTok(`{` + base + `,"email":"a@example.com","external_id":4.2e1}`), want: ReasonInvalidClaim},
		{name: "external_id boolean", token: tok(map[string]any{"external_id": true}), want: ReasonInvalidClaim},
		{name: "external_id object", token: tok(map[string]any{"external_id": map[string]int{"id": 1}}), want: ReasonInvalidClaim},
		// lang
		{name: "lang de", token: tok(map[string]any{"lang": "de"}), want: ""},
		{name: "lang zh-Hant-TW", token: tok(map[string]any{"lang": "zh-Hant-TW"}), want: ""},
		{name: "lang with markup", token: tok(map[string]any{"lang": "en_US<script>"}), want: ReasonInvalidClaim},
		{name: "lang word", token: tok(map[string]any{"lang": "english"}), want: ReasonInvalidClaim},
		{name: "lang number", token: tok(map[string]any{"lang": 7}), want: ReasonInvalidClaim},
		// avatar_url
		{name: "avatar https", token: tok(map[string]any{"avatar_url": "https://cdn.example.com/a.png?s=64"}), want: ""},
		{name: "avatar http", token: tok(map[string]any{"avatar_url": "http://cdn.example.com/a.png"}), want: ReasonInvalidClaim},
		{name: "avatar javascript", token: tok(map[string]any{"avatar_url": "javascript:alert(1)"}), want: ReasonInvalidClaim},
		{name: "avatar data", token: tok(map[string]any{"avatar_url": "data:image/png;base64,AAAA"}), want: ReasonInvalidClaim},
		{name: "avatar relative", token: tok(map[string]any{"avatar_url": "/a.png"}), want: ReasonInvalidClaim},
		{name: "avatar scheme-relative", token: tok(map[string]any{"avatar_url": "//cdn.example.com/a.png"}), want: ReasonInvalidClaim},
		{name: "avatar no host", token: tok(map[string]any{"avatar_url": "https:///a.png"}), want: ReasonInvalidClaim},
		{name: "avatar user info", token: tok(map[string]any{"avatar_url": "https://user:pw@cdn.example.com/a.png"}), want: ReasonInvalidClaim},
		{name: "avatar with space", token: tok(map[string]any{"avatar_url": "https://cdn.example.com/a b.png"}), want: ReasonInvalidClaim},
		// custom_fields
		{name: "custom_fields object", token: tok(map[string]any{"custom_fields": map[string]any{"seats": 12}}), want: ""},
		{name: "custom_fields string", token: tok(map[string]any{"custom_fields": "plan=pro"}), want: ReasonInvalidClaim},
		{name: "custom_fields array", token: tok(map[string]any{"custom_fields": []int{1}}), want: ReasonInvalidClaim},
		// Optional claims given as "" count as absent.
		{name: "optional claims empty", token: tok(map[string]any{"role": "", "lang": "", "avatar_url": "", "external_id": ""}), want: ""},
		// Check 4 reports the first bad claim in SPEC order.
		{name: "iat before email", token: tok(map[string]any{"iat": "x", "email": "x"}), want: ReasonInvalidClaim},
	})
}

func TestVerifyClaimValues(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edits map[string]any
		check func(c *Claims) bool
	}{
		{"external_id 42 becomes \"42\"", map[string]any{"external_id": 42}, func(c *Claims) bool { return c.ExternalID == "42" }},
		{"lang is canonical", map[string]any{"lang": "pt-br"}, func(c *Claims) bool { return c.Lang == "pt-BR" }},
		{"aud string is one element", map[string]any{"aud": "helpcenter"}, func(c *Claims) bool { return len(c.Audience) == 1 }},
		{"uppercase twins are ignored", map[string]any{"EMAIL": "ceo@example.com", "Name": "CEO", "Role": "admin"},
			func(c *Claims) bool {
				return c.Email == "jane.smith@example.com" && c.Name == "Jane Smith" && c.Role == RoleViewer
			}},
		{"fractional iat", map[string]any{"iat": at(-1.5)}, func(c *Claims) bool { return float64(c.IssuedAt) == at(-1.5) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, r := Verify(mint(t, with(tc.edits), testSecret), testSettings, testNow)
			if r != nil {
				t.Fatalf("rejected: %s", r.Detail)
			}
			if !tc.check(c) {
				t.Errorf("claims: %+v", *c)
			}
		})
	}
}

func TestVerifyIssuerAndAudience(t *testing.T) {
	tok := func(edits map[string]any) string { return mint(t, with(edits), testSecret) }
	noAud := Settings{Enabled: true, Keys: keysOf(testSecret), Issuer: "app.example.com"}
	runVerifyCases(t, []verifyCase{
		{name: "iss differs", token: tok(map[string]any{"iss": "evil"}), want: ReasonIssuerMismatch},
		{name: "iss differs in case", token: tok(map[string]any{"iss": "APP.example.com"}), want: ReasonIssuerMismatch},
		{name: "iss with trailing space", token: tok(map[string]any{"iss": "app.example.com "}), want: ReasonIssuerMismatch},
		{name: "no Issuer configured", token: tok(map[string]any{"iss": "anything"}), settings: Settings{Enabled: true, Keys: keysOf(testSecret)}, want: ""},
		{name: "aud differs", token: tok(map[string]any{"aud": "other"}), want: ReasonAudienceMismatch},
		{name: "aud absent", token: tok(map[string]any{"aud": nil}), want: ReasonAudienceMismatch},
		{name: "aud empty string", token: tok(map[string]any{"aud": ""}), want: ReasonAudienceMismatch},
		{name: "aud empty array", token: tok(map[string]any{"aud": []string{}}), want: ReasonAudienceMismatch},
		{name: "aud array without ours", token: tok(map[string]any{"aud": []string{"a", "b"}}), want: ReasonAudienceMismatch},
		{name: "aud differs in case", token: tok(map[string]any{"aud": "HelpCenter"}), want: ReasonAudienceMismatch},
		{name: "no Audience configured, aud absent", token: tok(map[string]any{"aud": nil}), settings: noAud, want: ""},
		{name: "no Audience configured, aud anything", token: tok(map[string]any{"aud": []string{"x"}}), settings: noAud, want: ""},
		{name: "issuer before audience", token: tok(map[string]any{"iss": "evil", "aud": "other"}), want: ReasonIssuerMismatch},
	})
}

func TestVerifySignature(t *testing.T) {
	payload := payloadJSON(t, validClaims())
	signed := mint(t, validClaims(), testSecret)
	headerAndPayload := signed[:strings.LastIndexByte(signed, '.')]
	runVerifyCases(t, []verifyCase{
		{name: "wrong secret", token: mint(t, validClaims(), testSecret+"x"), want: ReasonInvalidSignature},
		{name: "alg none, no signature", token: b64(`{"alg":"none"}`) + "." + b64(payload) + ".", want: ReasonInvalidSignature},
		{name: "alg None with HS256 MAC", token: craft(`{"alg":"None"}`, payload, testSecret), want: ReasonInvalidSignature},
		{name: "alg NONE with HS256 MAC", token: craft(`{"alg":"NONE"}`, payload, testSecret), want: ReasonInvalidSignature},
		{name: "alg HS512 with HS256 MAC", token: craft(`{"alg":"HS512"}`, payload, testSecret), want: ReasonInvalidSignature},
		{name: "alg RS256 with HS256 MAC", token: craft(`{"alg":"RS256"}`, payload, testSecret), want: ReasonInvalidSignature},
		{name: "alg hs256 lower case", token: craft(`{"alg":"hs256"}`, payload, testSecret), want: ReasonInvalidSignature},
		{name: "alg missing", token: craft(`{"typ":"JWT"}`, payload, testSecret), want: ReasonInvalidSignature},
		{name: "alg null", token: craft(`{"alg":null}`, payload, testSecret), want: ReasonInvalidSignature},
		{name: "alg array", token: craft(`{"alg":["HS256"]}`, payload, testSecret), want: ReasonInvalidSignature},
		{name: "alg escaped HS256", token: craft(`{"alg":"HS\u0032\u00356"}`, payload, testSecret), want: ""},
		{name: "no typ", token: craft(`{"alg":"HS256"}`, payload, testSecret), want: ""},
		{name: "signature stripped", token: headerAndPayload + ".", want: ReasonInvalidSignature},
		{name: "signature of 31 bytes", token: headerAndPayload + "." + base64.RawURLEncoding.EncodeToString(hs256(headerAndPayload, testSecret)[:31]), want: ReasonInvalidSignature},
		{name: "signature of the empty key", token: mint(t, validClaims(), ""), want: ReasonInvalidSignature},
		{name: "secret base64-decoded", token: mint(t, validClaims(), "\xb5\xeb-\xbd\xfb\xe9\xad\xb5\xe9\xd7\x6d\xb5\xe7\x9d\xf7\xdb\xce\xfd\x75\xf7\xef\xbf"), want: ReasonInvalidSignature},
		{name: "order: bad signature beats expiry", token: mint(t, with(map[string]any{"exp": at(-999)}), "wrong"), want: ReasonInvalidSignature},
	})
}

// TestVerifyRefusesWithoutUsableSecret: with no secret (or a short one), no
// token verifies, not even one MAC'd with that very key.
func TestVerifyRefusesWithoutUsableSecret(t *testing.T) {
	for _, secret := range []string{"", "short", strings.Repeat("s", MinSecretLength-1)} {
		_, r := Verify(mint(t, validClaims(), secret), Settings{Enabled: true, Keys: keysOf(secret)}, testNow)
		if r == nil || r.Reason != ReasonSSONotConfigured {
			t.Errorf("secret of %d characters: got %+v, want %s", len(secret), r, ReasonSSONotConfigured)
		}
	}
	if _, r := Verify(mint(t, validClaims(), strings.Repeat("s", MinSecretLength)), Settings{Enabled: true, Keys: keysOf(strings.Repeat("s", MinSecretLength))}, testNow); r != nil {
		t.Errorf("a %d-character secret: %s", MinSecretLength, r.Detail)
	}
	off := testSettings
	off.Enabled = false
	if _, r := Verify(mint(t, validClaims(), testSecret), off, testNow); r == nil || r.Reason != ReasonSSONotConfigured {
		t.Errorf("SSO off: got %+v", r)
	}
	if _, r := Verify(mint(t, validClaims(), testSecret), Settings{}, testNow); r == nil || r.Reason != ReasonSSONotConfigured {
		t.Errorf("zero settings: got %+v", r)
	}
	for _, ttl := range []time.Duration{time.Second, 29 * time.Second, 30500 * time.Millisecond, 3601 * time.Second, -time.Second} {
		if _, r := Verify(mint(t, validClaims(), testSecret), Settings{Enabled: true, Keys: keysOf(testSecret), TTL: ttl}, testNow); r == nil || r.Reason != ReasonSSONotConfigured {
			t.Errorf("TTL %s: got %+v, want %s", ttl, r, ReasonSSONotConfigured)
		}
	}
}

func TestVerifyStructure(t *testing.T) {
	payload := payloadJSON(t, validClaims())
	signed := mint(t, validClaims(), testSecret)
	parts := strings.Split(signed, ".")
	// The signature's last character with one of its unused low bits set:
	// a 32-byte signature is 43 characters, the last carrying 2 spare bits.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, parts[2][42])
	nonCanonicalSig := parts[0] + "." + parts[1] + "." + parts[2][:42] + string(alphabet[last|1])
	runVerifyCases(t, []verifyCase{
		{name: "empty", token: "", want: ReasonMalformed},
		{name: "one part", token: parts[0], want: ReasonMalformed},
		{name: "two parts", token: parts[0] + "." + parts[1], want: ReasonMalformed},
		{name: "four parts", token: signed + ".", want: ReasonMalformed},
		{name: "padded header", token: parts[0] + "=." + parts[1] + "." + parts[2], want: ReasonMalformed},
		{name: "padded signature", token: signed + "=", want: ReasonMalformed},
		{name: "standard base64 alphabet", token: strings.NewReplacer("-", "+", "_", "/").Replace(signed) + strings.Repeat("+", boolInt(!strings.ContainsAny(signed, "-_"))), want: ReasonMalformed},
		{name: "newline inside", token: parts[0] + ".\n" + parts[1] + "." + parts[2], want: ReasonMalformed},
		{name: "trailing newline", token: signed + "\n", want: ReasonMalformed},
		{name: "space", token: " " + signed, want: ReasonMalformed},
		{name: "non-canonical signature bits", token: nonCanonicalSig, want: ReasonMalformed},
		{name: "header not JSON", token: craft("not json", payload, testSecret), want: ReasonMalformed},
		{name: "header JSON array", token: craft(`["HS256"]`, payload, testSecret), want: ReasonMalformed},
		{name: "header JSON string", token: craft(`"HS256"`, payload, testSecret), want: ReasonMalformed},
		{name: "header empty", token: craft("", payload, testSecret), want: ReasonMalformed},
		{name: "payload array", token: craft(hs256Header, "[1,2,3]", testSecret), want: ReasonMalformed},
		{name: "payload null", token: craft(hs256Header, "null", testSecret), want: ReasonMalformed},
		{name: "payload with trailing data", token: craft(hs256Header, payload+"x", testSecret), want: ReasonMalformed},
		{name: "payload of two objects", token: craft(hs256Header, payload+"{}", testSecret), want: ReasonMalformed},
		{name: "payload truncated", token: craft(hs256Header, payload[:len(payload)-1], testSecret), want: ReasonMalformed},
		{name: "payload with whitespace around", token: craft(hs256Header, " \n"+payload+"\t ", testSecret), want: ""},
		{name: "payload invalid UTF-8", token: craft(hs256Header, `{"x":"`+"\xff"+`",`+payload[1:], testSecret), want: ReasonMalformed},
		{name: "crit header", token: craft(`{"alg":"HS256","crit":["b64"],"b64":false}`, payload, testSecret), want: ReasonMalformed},
		{name: "empty crit header", token: craft(`{"alg":"HS256","crit":[]}`, payload, testSecret), want: ReasonMalformed},
		{name: "repeated header alg", token: craft(`{"alg":"none","alg":"HS256"}`, payload, testSecret), want: ReasonMalformed},
		{name: "repeated header typ", token: craft(`{"alg":"HS256","typ":"JWT","typ":"JWT"}`, payload, testSecret), want: ReasonMalformed},
		{name: "repeated claim", token: craft(hs256Header, `{"email":"ceo@example.com",`+payload[1:], testSecret), want: ReasonMalformed},
		{name: "repeated claim, escaped", token: craft(hs256Header, `{"\u0065mail":"ceo@example.com",`+payload[1:], testSecret), want: ReasonMalformed},
		{name: "repeated name in custom_fields", token: craft(hs256Header, `{"custom_fields":{"a":1,"a":2},`+payload[1:], testSecret), want: ReasonMalformed},
		{name: "repeated name deep in an array", token: craft(hs256Header, `{"x":[{"y":[{"k":1,"k":1}]}],`+payload[1:], testSecret), want: ReasonMalformed},
		{name: "repeated name in a header member", token: craft(`{"alg":"HS256","jwk":{"k":"a","k":"b"}}`, payload, testSecret), want: ReasonMalformed},
		{name: "same name in sibling objects", token: craft(hs256Header, `{"x":[{"k":1},{"k":2}],"custom_fields":{"k":{"k":3}},`+payload[1:], testSecret), want: ""},
		{name: "twins differing in case", token: craft(hs256Header, `{"Email":"ceo@example.com",`+payload[1:], testSecret), want: ""},
		{name: "large number in custom_fields", token: craft(hs256Header, `{"custom_fields":{"n":1e400},`+payload[1:], testSecret), want: ""},
		{name: "header number beyond float64 (no JWT library can decode it)", token: craft(`{"alg":"HS256","x":1e400}`, payload, testSecret), want: ReasonMalformed},
		{name: "order: malformed beats bad signature", token: craft(hs256Header, `{"a":1,"a":1}`, "wrong"), want: ReasonMalformed},
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestVerifyLength(t *testing.T) {
	// A signed token of exactly MaxTokenBytes is accepted; one byte more is not.
	sized := func(n int) string {
		pad := 0
		for {
			tok := mint(t, with(map[string]any{"custom_fields": map[string]string{"pad": strings.Repeat("p", pad)}}), testSecret)
			if len(tok) >= n {
				return tok
			}
			pad += max(1, (n-len(tok))*3/4)
		}
	}
	var exact string
	for pad := 8192 * 3 / 4; ; pad-- {
		tok := mint(t, with(map[string]any{"custom_fields": map[string]string{"pad": strings.Repeat("p", pad)}}), testSecret)
		if len(tok) == MaxTokenBytes {
			exact = tok
			break
		}
		if len(tok) < MaxTokenBytes {
			t.Fatalf("no padding gives a token of exactly %d bytes", MaxTokenBytes)
		}
	}
	if _, r := Verify(exact, testSettings, testNow); r != nil {
		t.Errorf("%d bytes: %s", len(exact), r.Detail)
	}
	over := sized(MaxTokenBytes + 1)
	if _, r := Verify(over, testSettings, testNow); r == nil || r.Reason != ReasonMalformed {
		t.Errorf("%d bytes: %+v", len(over), r)
	}
}

// TestVerifyHugeInputIsCheap: the length is checked before any decoding.
func TestVerifyHugeInputIsCheap(t *testing.T) {
	huge := strings.Repeat("eyJhbGciOiJIUzI1NiJ9.", 1<<20) // 21 MB
	start := time.Now()
	for range 100 {
		if _, r := Verify(huge, testSettings, testNow); r == nil || r.Reason != ReasonMalformed {
			t.Fatalf("got %+v", r)
		}
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("100 verifications of a 21 MB token took %s", d)
	}
}

// TestRejectionNamesOnlyVerifiedValues: jti and email appear in a rejection
// only once the signature verified.
func TestRejectionNamesOnlyVerifiedValues(t *testing.T) {
	for _, tc := range []struct {
		name              string
		token             string
		wantJTI, wantMail string
	}{
		{"bad signature", mint(t, validClaims(), "wrong-secret-wrong-secret-wrong-secret"), "", ""},
		{"alg none", b64(`{"alg":"none"}`) + "." + b64(payloadJSON(t, validClaims())) + ".", "", ""},
		{"expired", mint(t, with(map[string]any{"exp": at(-100)}), testSecret), "k_test", "jane.smith@example.com"},
		{"wrong issuer", mint(t, with(map[string]any{"iss": "evil"}), testSecret), "k_test", "jane.smith@example.com"},
		{"missing name", mint(t, with(map[string]any{"name": nil}), testSecret), "k_test", "jane.smith@example.com"},
		{"bad role", mint(t, with(map[string]any{"role": "root"}), testSecret), "k_test", "jane.smith@example.com"},
		{"bad email", mint(t, with(map[string]any{"email": "a b@example.com"}), testSecret), "k_test", ""},
		{"jti too long", mint(t, with(map[string]any{"jti": strings.Repeat("j", 300)}), testSecret), "", "jane.smith@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, r := Verify(tc.token, testSettings, testNow)
			if r == nil {
				t.Fatal("accepted")
			}
			if r.JTI != tc.wantJTI || r.Email != tc.wantMail {
				t.Errorf("JTI %q, Email %q; want %q, %q", r.JTI, r.Email, tc.wantJTI, tc.wantMail)
			}
		})
	}
}

func TestVerifyDetails(t *testing.T) {
	tok := func(edits map[string]any) string { return mint(t, with(edits), testSecret) }
	for _, tc := range []struct{ token, want string }{
		{tok(map[string]any{"exp": at(-45)}), "exp is 45 s in the past (allowed skew 30 s)"},
		{tok(map[string]any{"iss": "evil"}), `iss is "evil", expected "app.example.com"`},
		{craft(`{"alg":"none"}`, payloadJSON(t, validClaims()), testSecret), `header alg is "none": an unsigned token is never accepted; only HS256 is accepted (the algorithm of this help center's keys)`},
		{tok(map[string]any{"jti": strings.Repeat("j", 300)}), "jti is 300 bytes; at most 256"},
		{tok(map[string]any{"iat": at(-301)}), "iat is 301 s in the past; the Token TTL is 300 s"},
		{tok(map[string]any{"aud": "other"}), `aud is "other", expected "helpcenter"`},
	} {
		_, r := Verify(tc.token, testSettings, testNow)
		if r == nil || r.Detail != tc.want {
			t.Errorf("got %+v, want detail %q", r, tc.want)
		}
	}
}

func TestSecondsReadAsAPersonWould(t *testing.T) {
	for f, want := range map[float64]string{
		45: "45", 2.44: "2.4", 30.5: "30.5", 540.469866: "540", 99.96: "100", -0.01: "0", 0.0004: "0", 3600: "3600",
	} {
		if got := seconds(f); got != want {
			t.Errorf("seconds(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestVerifyDetailShowsATinyExcess(t *testing.T) {
	_, r := Verify(mint(t, with(map[string]any{"exp": at(-30)}), testSecret), testSettings, testNow.Add(time.Nanosecond))
	if r == nil || r.Detail != "exp is just over 30 s in the past (allowed skew 30 s)" {
		t.Errorf("got %+v", r)
	}
}

func TestValidateTTL(t *testing.T) {
	for ttl, ok := range map[time.Duration]bool{
		30 * time.Second: true, 300 * time.Second: true, time.Hour: true,
		29 * time.Second: false, 3601 * time.Second: false, 0: false, 90500 * time.Millisecond: false,
	} {
		if err := ValidateTTL(ttl); (err == nil) != ok {
			t.Errorf("ValidateTTL(%s) = %v", ttl, err)
		}
	}
}

func manyGroups(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("g%d", i)
	}
	return out
}

func TestGroupsAreReadInOrderWithoutRepeats(t *testing.T) {
	c, rej := Verify(mint(t, with(map[string]any{"groups": []string{"staff", "beta", "staff"}}), testSecret), testSettings, testNow)
	if rej != nil || !slices.Equal(c.Groups, []string{"staff", "beta"}) {
		t.Fatalf("groups %v %+v", c.Groups, rej)
	}
}
