package sso

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"helpcenter/models"
)

// Role is what a signed-in visitor may read. It is models.Role, so the
// token's claim and an article's audience are one type: viewer < editor <
// admin, and a token without a role claim makes a viewer.
type Role = models.Role

// The three roles a token may carry.
const (
	RoleViewer = models.RoleViewer
	RoleEditor = models.RoleEditor
	RoleAdmin  = models.RoleAdmin
)

// ParseRole returns the role named s, and false when s names none.
func ParseRole(s string) (Role, bool) {
	if r := Role(s); r.Valid() {
		return r, true
	}
	return "", false
}

// UnixSeconds is a JWT time: seconds since the Unix epoch, possibly
// fractional, exactly as the token's number says (after its one rounding to
// the nearest float64, about 0.2 µs in this century).
type UnixSeconds float64

// Time converts u to a time.Time, rounded to the microsecond. Values
// beyond ±2^53 seconds (far outside any sensible token) are clamped, since
// converting them to an integer would be undefined.
func (u UnixSeconds) Time() time.Time {
	const limit = 1 << 53
	f := math.Max(-limit, math.Min(limit, float64(u)))
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3)
}

// Claims are a verified token's claims, read by the rules of SPEC section 4.
// Optional claims that are absent, null or "" are left at their zero value.
type Claims struct {
	JTI    string
	Issuer string
	// Audience is nil when the token has no aud; a single string aud
	// becomes a one-element slice.
	Audience  []string
	IssuedAt  UnixSeconds
	ExpiresAt UnixSeconds
	// NotBefore is nil when the token has no nbf: 0 is a time like any other.
	NotBefore *UnixSeconds
	Email     string
	Name      string
	// ExternalID is the partner's id for the user; an integer claim such as
	// 42 is kept as its decimal text, "42".
	ExternalID string
	// Lang is the canonical form of the token's BCP 47 tag ("en_us" → "en-US").
	Lang      string
	AvatarURL string
	// Role is RoleViewer when the token names none.
	Role Role
	// CustomFields is the custom_fields object as raw JSON, or nil.
	CustomFields json.RawMessage
	// Groups are the token's groups, in order, without repeats; none
	// when absent (a token asserts authorisation afresh).
	Groups []string
	// NamesLang, NamesAvatar and NamesCustomFields say the token names that
	// claim — with a value, or null to clear it. A profile claim the token
	// leaves out is kept as the user has it (SPEC section 5).
	NamesLang, NamesAvatar, NamesCustomFields bool
	// SessionExpires is session_exp: the session the token opens ends
	// then at the latest; nil when absent.
	SessionExpires *UnixSeconds
	// Logout is the logout claim: true asks /logout to end the user's
	// sessions (signed front-channel logout, SPEC section 3).
	Logout bool
	// Key is the key that verified the token's signature.
	Key *Key
}

// Skew is iat − now in seconds: how far ahead of this server's clock the
// signer's was when it issued the token, less the time the token took
// to arrive (so slightly negative for a healthy partner).
func (c *Claims) Skew(now time.Time) float64 { return -instantOf(now).since(c.IssuedAt) }

// requiredClaims are the claims every token must carry, in the order check 3
// reports them.
var requiredClaims = [...]string{"jti", "iss", "iat", "exp", "email", "name"}

// maxJTIBytes bounds jti: it is stored once per accepted token.
const maxJTIBytes = 256

// absent reports whether a claim counts as not given: missing, null or "".
// Optional claims follow the same rule as required ones, because partner
// apps commonly send null or "" for a field they have no value for.
func absent(raw json.RawMessage) bool {
	return raw == nil || string(raw) == "null" || string(raw) == `""`
}

// checkRequired is check 3 (jwt_missing_required_claim). It comes before
// the type checks: a missing claim is reported even when another claim has
// the wrong type.
func checkRequired(payload map[string]json.RawMessage) *Rejection {
	for _, name := range requiredClaims {
		raw, ok := payload[name]
		switch {
		case !ok:
			return reject(ReasonMissingRequiredClaim, "%s is missing (claim names are case-sensitive); every token needs jti, iss, iat, exp, email and name", name)
		case string(raw) == "null":
			return reject(ReasonMissingRequiredClaim, "%s is null; every token needs jti, iss, iat, exp, email and name", name)
		case string(raw) == `""`:
			return reject(ReasonMissingRequiredClaim, "%s is an empty string; every token needs jti, iss, iat, exp, email and name", name)
		}
	}
	return nil
}

// readClaims is check 4 (jwt_invalid_claim): every claim we use, read by
// its own rule, in the order of SPEC section 4. It assumes check 3 passed.
func readClaims(payload map[string]json.RawMessage) (*Claims, *Rejection) {
	c := &Claims{Role: RoleViewer}
	var err error
	if c.IssuedAt, err = readTime("iat", payload["iat"]); err != nil {
		return nil, invalidClaim(err)
	}
	if c.ExpiresAt, err = readTime("exp", payload["exp"]); err != nil {
		return nil, invalidClaim(err)
	}
	if raw := payload["nbf"]; !absent(raw) {
		nbf, err := readTime("nbf", raw)
		if err != nil {
			return nil, invalidClaim(err)
		}
		c.NotBefore = &nbf
	}
	if c.JTI, err = readJTI(payload["jti"]); err != nil {
		return nil, invalidClaim(err)
	}
	if c.Issuer, err = readString("iss", payload["iss"]); err != nil {
		return nil, invalidClaim(err)
	}
	if c.Name, err = readString("name", payload["name"]); err != nil {
		return nil, invalidClaim(err)
	}
	if c.Email, err = readEmail(payload["email"]); err != nil {
		return nil, invalidClaim(err)
	}
	if raw := payload["role"]; !absent(raw) {
		if c.Role, err = readRole(raw); err != nil {
			return nil, invalidClaim(err)
		}
	}
	if raw := payload["groups"]; !absent(raw) {
		if c.Groups, err = readGroups(raw); err != nil {
			return nil, invalidClaim(err)
		}
	}
	if raw := payload["aud"]; !absent(raw) {
		if c.Audience, err = readAudience(raw); err != nil {
			return nil, invalidClaim(err)
		}
	}
	if raw := payload["external_id"]; !absent(raw) {
		if c.ExternalID, err = readExternalID(raw); err != nil {
			return nil, invalidClaim(err)
		}
	}
	_, c.NamesLang = payload["lang"]
	_, c.NamesAvatar = payload["avatar_url"]
	_, c.NamesCustomFields = payload["custom_fields"]
	if raw := payload["lang"]; !absent(raw) {
		if c.Lang, err = readLang(raw); err != nil {
			return nil, invalidClaim(err)
		}
	}
	if raw := payload["avatar_url"]; !absent(raw) {
		if c.AvatarURL, err = readAvatarURL(raw); err != nil {
			return nil, invalidClaim(err)
		}
	}
	if raw := payload["custom_fields"]; !absent(raw) {
		if raw[0] != '{' {
			return nil, reject(ReasonInvalidClaim, "custom_fields is %s; it must be a JSON object", kind(raw))
		}
		c.CustomFields = raw
	}
	if raw := payload["session_exp"]; !absent(raw) {
		exp, err := readTime("session_exp", raw)
		if err != nil {
			return nil, invalidClaim(err)
		}
		c.SessionExpires = &exp
	}
	if raw := payload["logout"]; !absent(raw) {
		switch string(raw) {
		case "true":
			c.Logout = true
		case "false":
		default:
			return nil, reject(ReasonInvalidClaim, "logout is %s; it must be true or false", kind(raw))
		}
	}
	return c, nil
}

func invalidClaim(err error) *Rejection {
	return &Rejection{Reason: ReasonInvalidClaim, Detail: err.Error()}
}

// kind names a JSON value's type for a detail sentence.
func kind(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// readTime reads a NumericDate: a JSON number (a numeric string is not one).
func readTime(name string, raw json.RawMessage) (UnixSeconds, error) {
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, fmt.Errorf("%s is %s; it must be a number of seconds since 1970 (e.g. %d)", name, kind(raw), 1767225600)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		// Only a number beyond float64's range gets here: it names no time.
		return 0, fmt.Errorf("%s is %s, out of range for a time", name, excerpt(raw))
	}
	return UnixSeconds(f), nil
}

func readString(name string, raw json.RawMessage) (string, error) {
	if raw[0] != '"' {
		return "", fmt.Errorf("%s is %s; it must be a string", name, kind(raw))
	}
	return unquote(raw), nil
}

func readJTI(raw json.RawMessage) (string, error) {
	s, err := readString("jti", raw)
	if err != nil {
		return "", err
	}
	if len(s) > maxJTIBytes {
		return "", fmt.Errorf("jti is %d bytes; at most %d", len(s), maxJTIBytes)
	}
	return s, nil
}

// readEmail accepts a bare address and nothing around it. The address goes
// into user records, mail headers and logs, so anything that could smuggle
// a second header or a display name ("Jane <a@b>", "\r\nBcc:") is refused.
func readEmail(raw json.RawMessage) (string, error) {
	s, err := readString("email", raw)
	if err != nil {
		return "", err
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "", fmt.Errorf("email %s contains white space or a control character", quote(s))
		}
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", fmt.Errorf("email %s is not a plain address like jane@example.com", quote(s))
	}
	return s, nil
}

func readRole(raw json.RawMessage) (Role, error) {
	s, err := readString("role", raw)
	if err != nil {
		return "", err
	}
	r, ok := ParseRole(s)
	if !ok {
		return "", fmt.Errorf("role is %s; it must be \"viewer\", \"editor\" or \"admin\"", quote(s))
	}
	return r, nil
}

// Bounds of the groups claim (SPEC section 4).
const (
	MaxGroups      = 100
	MaxGroupLength = models.MaxGroupLength
)

// readGroups accepts an array of up to MaxGroups strings of 1 to
// MaxGroupLength characters.
func readGroups(raw json.RawMessage) ([]string, error) {
	if raw[0] != '[' {
		return nil, fmt.Errorf("groups is %s; it must be an array of strings", kind(raw))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("groups: %v", err)
	}
	if len(items) > MaxGroups {
		return nil, fmt.Errorf("groups has %d entries; at most %d", len(items), MaxGroups)
	}
	groups := make([]string, 0, len(items))
	for i, item := range items {
		g, err := readString(fmt.Sprintf("groups[%d]", i), item)
		if err != nil {
			return nil, err
		}
		if n := utf8.RuneCountInString(g); n < 1 || n > MaxGroupLength {
			return nil, fmt.Errorf("groups[%d] is %d characters; a group is 1 to %d", i, n, MaxGroupLength)
		}
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	return groups, nil
}

// readAudience accepts a string or an array of strings. The array's
// elements are checked one by one: decoding into []string would quietly
// turn null into "".
func readAudience(raw json.RawMessage) ([]string, error) {
	if raw[0] == '"' {
		s, err := readString("aud", raw)
		return []string{s}, err
	}
	if raw[0] != '[' {
		return nil, fmt.Errorf("aud is %s; it must be a string or an array of strings", kind(raw))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("aud: %v", err)
	}
	aud := make([]string, 0, len(items))
	for i, item := range items {
		s, err := readString(fmt.Sprintf("aud[%d]", i), item)
		if err != nil {
			return nil, err
		}
		aud = append(aud, s)
	}
	return aud, nil
}

// readExternalID accepts a string, or an integer written as one (42, not
// 42.0 or 4.2e1), kept as its decimal text so that no float rounding can
// turn one partner id into another.
func readExternalID(raw json.RawMessage) (string, error) {
	if raw[0] == '"' {
		return readString("external_id", raw)
	}
	if c := raw[0]; c == '-' || '0' <= c && c <= '9' {
		for _, c := range raw[1:] {
			if c < '0' || c > '9' {
				return "", fmt.Errorf("external_id is %s, not an integer; send a string or a whole number", excerpt(raw))
			}
		}
		return string(raw), nil
	}
	return "", fmt.Errorf("external_id is %s; it must be a string or an integer", kind(raw))
}

func readLang(raw json.RawMessage) (string, error) {
	s, err := readString("lang", raw)
	if err != nil {
		return "", err
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", fmt.Errorf("lang %s is not a BCP 47 language tag like \"en\" or \"pt-BR\" (%v)", quote(s), err)
	}
	return tag.String(), nil
}

// readAvatarURL accepts an absolute https URL only: the avatar is shown on
// our pages, where javascript:, data: or plain http URLs have no place.
func readAvatarURL(raw json.RawMessage) (string, error) {
	s, err := readString("avatar_url", raw)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.User != nil || hasSpaceOrControl(s) {
		return "", fmt.Errorf("avatar_url %s is not an absolute https URL", quote(s))
	}
	return s, nil
}

func hasSpaceOrControl(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// logFields returns jti and email of a verified payload, each only when it
// passes its own rule, for the event row of a rejection (SPEC section 6).
func logFields(payload map[string]json.RawMessage) (jti, email string) {
	if raw := payload["jti"]; !absent(raw) {
		jti, _ = readJTI(raw)
	}
	if raw := payload["email"]; !absent(raw) {
		email, _ = readEmail(raw)
	}
	return jti, email
}
