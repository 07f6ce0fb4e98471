package sso

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Token TTL bounds (SPEC section 7): how long after iat a token is still
// accepted.
const (
	DefaultTTL = 300 * time.Second
	MinTTL     = 30 * time.Second
	MaxTTL     = 3600 * time.Second
)

// ClockSkew is the allowance for the partner's clock on exp, iat and nbf.
// It is not added to the Token TTL (check 8).
const ClockSkew = 30 * time.Second

// Settings is a help center's JWT configuration, as far as checks 0–10 need
// it. The zero value is switched off, so settings that were never loaded
// refuse every token.
type Settings struct {
	// Enabled is the console's "Single sign-on" switch.
	Enabled bool
	// Keys are the live verification keys (SPEC section 9): shared
	// secrets, public keys and the keys of a JWKS URL.
	Keys []Key
	// Refresh, when set, is asked once for the keys again when a token's
	// kid names none of Keys: a JWKS issuer that rotated its keys. The
	// fetcher behind it limits how often it really fetches.
	Refresh func(kid string) []Key
	// KeysNote says why keys may be missing (say, a JWKS URL that could
	// not be fetched); check 2's details end with it.
	KeysNote string
	// Issuer, when not empty, must equal the token's iss exactly.
	Issuer string
	// Audience, when not empty, must equal the token's aud or be in it.
	Audience string
	// TTL is the Token TTL; zero means DefaultTTL.
	TTL time.Duration
}

// Rejection says why a token was refused.
type Rejection struct {
	Reason ReasonCode
	// Detail is one sentence for the partner's developer, e.g.
	// "exp is 45 s in the past (allowed skew 30 s)". It never holds the
	// secret; token values in it are quoted and shortened.
	Detail string
	// JTI and Email are filled only once the signature has verified, and
	// only when that claim passes its own rule, so that the event row can
	// name them (SPEC section 6) without ever repeating an unsigned value.
	JTI   string
	Email string
	// Skew is the verified token's iat − now in seconds (positive: issued
	// "in the future"), for the clock-drift figures; nil before the
	// claims were read.
	Skew *float64
	// Key is the key that verified the signature; nil for a rejection
	// at checks 0–2.
	Key *Key
}

func reject(reason ReasonCode, format string, args ...any) *Rejection {
	return &Rejection{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Verify runs checks 0–10 of SPEC section 4, in order, on token at time now;
// the first failing check decides. It returns the claims of an accepted
// token, or the rejection. It consumes nothing: replay (11), pending keys
// (12–13) and bans (14) come after it.
func Verify(token string, s Settings, now time.Time) (*Claims, *Rejection) {
	if r := CheckConfigured(s); r != nil {
		return nil, r
	}
	t, r := checkStructure(token)
	if r != nil {
		return nil, r
	}
	key, r := checkSignature(t, s)
	if r != nil {
		return nil, r
	}
	// From here on the payload is the partner's word, and a rejection may
	// name the token's jti and email, and the key that verified it.
	if r := checkRequired(t.payload); r != nil {
		return nil, r.withLogFields(t.payload, key)
	}
	c, r := readClaims(t.payload)
	if r != nil {
		return nil, r.withLogFields(t.payload, key)
	}
	c.Key = key
	at := instantOf(now)
	for _, check := range claimChecks {
		if check.applies != nil && !check.applies(c, s) {
			continue
		}
		if r := check.run(c, s, at); r != nil {
			r.JTI, r.Email, r.Key = c.JTI, c.Email, key
			skew := c.Skew(now)
			r.Skew = &skew
			return nil, r
		}
	}
	return c, nil
}

func (r *Rejection) withLogFields(payload map[string]json.RawMessage, key *Key) *Rejection {
	r.JTI, r.Email = logFields(payload)
	r.Key = key
	return r
}

// CheckConfigured is check 0 (sso_not_configured): JWT SSO must be on, with
// a live key and a Token TTL that could have been saved. A private help
// center's gate asks it before starting a sign-in; Verify asks it first.
// A short secret is refused even though the console never saves one: HMAC
// accepts any key, even an empty one, and a help center whose secret went
// missing must never accept a token MAC'd with an empty key.
func CheckConfigured(s Settings) *Rejection {
	switch {
	case !s.Enabled:
		return reject(ReasonSSONotConfigured, "JWT single sign-on is turned off for this help center")
	case len(s.Keys) == 0 && s.Refresh == nil:
		return reject(ReasonSSONotConfigured, "no verification key is live: no shared secret is saved, and no public key or JWKS URL is added")
	}
	for _, k := range s.Keys {
		if k.method == nil || k.key == nil {
			return reject(ReasonSSONotConfigured, "the key %s cannot verify anything", k.Name)
		}
		if b, ok := k.key.([]byte); ok && secretTooShort(string(b)) {
			return reject(ReasonSSONotConfigured, "the saved shared secret is shorter than %d characters", MinSecretLength)
		}
	}
	if s.TTL != 0 {
		if err := ValidateTTL(s.TTL); err != nil {
			return reject(ReasonSSONotConfigured, "%v", err)
		}
	}
	return nil
}

// ValidateTTL applies the console's bounds to a Token TTL. They matter to
// security too: replay records are kept for MaxTTL (Claims.ReplayKeepUntil),
// so a longer TTL would let a token outlive its record.
func ValidateTTL(ttl time.Duration) error {
	if ttl < MinTTL || ttl > MaxTTL || ttl%time.Second != 0 {
		return fmt.Errorf("the Token TTL is %s s; it must be a whole number of seconds from %s to %s",
			seconds(ttl.Seconds()), seconds(MinTTL.Seconds()), seconds(MaxTTL.Seconds()))
	}
	return nil
}

// claimCheck is one of checks 5–10: a rule over claims that passed check 4.
type claimCheck struct {
	number int
	reason ReasonCode
	// applies, when set, says whether the check concerns this token and
	// configuration at all (no nbf, no Issuer, no Audience: nothing to check).
	applies func(c *Claims, s Settings) bool
	run     func(c *Claims, s Settings, now instant) *Rejection
}

// claimChecks are checks 5–10 in order.
var claimChecks = []claimCheck{
	{5, ReasonExpired, nil, checkExpired},
	{6, ReasonIssuedInFuture, nil, checkIssuedInFuture},
	{7, ReasonNotYetValid, func(c *Claims, _ Settings) bool { return c.NotBefore != nil }, checkNotBefore},
	{8, ReasonTooOld, nil, checkAge},
	{9, ReasonIssuerMismatch, func(_ *Claims, s Settings) bool { return s.Issuer != "" }, checkIssuer},
	{10, ReasonAudienceMismatch, func(_ *Claims, s Settings) bool { return s.Audience != "" }, checkAudience},
}

var skewSeconds = ClockSkew.Seconds()

// checkExpired is check 5: now > exp + 30.
func checkExpired(c *Claims, _ Settings, now instant) *Rejection {
	if late := now.since(c.ExpiresAt); late > skewSeconds {
		return reject(ReasonExpired, "exp is %s s in the past (allowed skew %s s)", excess(late, skewSeconds), seconds(skewSeconds))
	}
	return nil
}

// checkIssuedInFuture is check 6: iat > now + 30.
func checkIssuedInFuture(c *Claims, _ Settings, now instant) *Rejection {
	if ahead := now.until(c.IssuedAt); ahead > skewSeconds {
		return reject(ReasonIssuedInFuture, "iat is %s s in the future (allowed skew %s s); is the signing server's clock fast?", excess(ahead, skewSeconds), seconds(skewSeconds))
	}
	return nil
}

// checkNotBefore is check 7: nbf > now + 30.
func checkNotBefore(c *Claims, _ Settings, now instant) *Rejection {
	if ahead := now.until(*c.NotBefore); ahead > skewSeconds {
		return reject(ReasonNotYetValid, "nbf is %s s in the future (allowed skew %s s)", excess(ahead, skewSeconds), seconds(skewSeconds))
	}
	return nil
}

// checkAge is check 8: now - iat > TTL, with no skew added.
func checkAge(c *Claims, s Settings, now instant) *Rejection {
	ttl := s.ttl().Seconds()
	if age := now.since(c.IssuedAt); age > ttl {
		return reject(ReasonTooOld, "iat is %s s in the past; the Token TTL is %s s", excess(age, ttl), seconds(ttl))
	}
	return nil
}

// checkIssuer is check 9: an exact, case-sensitive comparison.
func checkIssuer(c *Claims, s Settings, _ instant) *Rejection {
	if c.Issuer != s.Issuer {
		return reject(ReasonIssuerMismatch, "iss is %s, expected %s", quote(c.Issuer), quote(s.Issuer))
	}
	return nil
}

// checkAudience is check 10.
func checkAudience(c *Claims, s Settings, _ instant) *Rejection {
	switch {
	case slices.Contains(c.Audience, s.Audience):
		return nil
	case c.Audience == nil:
		return reject(ReasonAudienceMismatch, "aud is missing, expected %s", quote(s.Audience))
	case len(c.Audience) == 1:
		return reject(ReasonAudienceMismatch, "aud is %s, expected %s", quote(c.Audience[0]), quote(s.Audience))
	default:
		return reject(ReasonAudienceMismatch, "aud %s does not contain %s", quoteList(c.Audience), quote(s.Audience))
	}
}

func (s Settings) ttl() time.Duration {
	if s.TTL == 0 {
		return DefaultTTL
	}
	return s.TTL
}

// instant is "now" in the tokens' unit, kept as whole seconds plus a
// fraction so that comparisons at a boundary are exact. A token time t is
// a float64 near now (within a factor of two), so sec − t is computed
// exactly (Sterbenz lemma), and adding the fraction to a small difference
// rounds far below a nanosecond: "exactly 30 s" and "30 s and 1 ns" land on
// the sides the SPEC says.
type instant struct {
	sec  float64 // whole seconds
	frac float64 // [0, 1)
}

func instantOf(t time.Time) instant {
	return instant{sec: float64(t.Unix()), frac: float64(t.Nanosecond()) / 1e9}
}

// since is now − t in seconds.
func (now instant) since(t UnixSeconds) float64 { return (now.sec - float64(t)) + now.frac }

// until is t − now in seconds.
func (now instant) until(t UnixSeconds) float64 { return (float64(t) - now.sec) - now.frac }

// seconds formats a duration in seconds for a detail as a person reads
// it: tenths under 100 s, whole seconds from there ("2.4", "45", "540"),
// no trailing zeros.
func seconds(f float64) string {
	r := math.Round(f*10) / 10
	if math.Abs(f) >= 100 {
		r = math.Round(f)
	}
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// excess formats d, which exceeds limit, so that the detail shows that it
// does: "just over 30" where rounding would print the limit itself.
func excess(d, limit float64) string {
	if s := seconds(d); s != seconds(limit) {
		return s
	}
	return "just over " + seconds(limit)
}

// quote renders a token-supplied string for a detail: Go-quoted, so control
// characters show as escapes, and cut to 64 characters, since details end
// up in log rows and on pages.
func quote(s string) string {
	const limit = 64
	if utf8.RuneCountInString(s) <= limit {
		return strconv.Quote(s)
	}
	return strconv.Quote(string([]rune(s)[:limit])) + "…"
}

func quoteList(list []string) string {
	const limit = 5
	quoted := make([]string, 0, limit+1)
	for i, s := range list {
		if i == limit {
			quoted = append(quoted, "…")
			break
		}
		quoted = append(quoted, quote(s))
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// excerpt renders raw JSON for a detail, cut to 64 bytes.
func excerpt(raw json.RawMessage) string {
	const limit = 64
	if len(raw) <= limit {
		return string(raw)
	}
	cut := raw[:limit]
	for !utf8.Valid(cut) {
		cut = cut[:len(cut)-1]
	}
	return string(cut) + "…"
}
