package sso

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"helpcenter/models"
)

// The rules for a help center's JWT single sign-on settings. The
// console's JWT form and `helpcenter sso configure` both apply them, so a
// value one of them refuses the other refuses too. The widget's allowed
// origins, which decide where those tokens may be sent from, follow the
// same URL rules (origin.go).

// Field keys of the errors ValidateSettings returns. The console uses them as form
// field names; the CLI maps them to its flags.
const (
	FieldLoginURL  = "login_url"
	FieldSecret    = "secret"
	FieldLogoutURL = "logout_url"
	FieldIssuer    = "issuer"
	FieldAudience  = "audience"
	FieldTokenTTL  = "token_ttl"
	// FieldSessionLength and FieldAllowedDomains are the session and
	// provisioning settings of SPEC sections 3 and 10.
	FieldSessionLength  = "session_length"
	FieldAllowedDomains = "allowed_domains"
)

// MaxAllowedDomains bounds the Allowed email domains list.
const MaxAllowedDomains = 100

// Token TTL bounds in seconds (SPEC section 7), taken from the verifier so
// that a saved TTL is always one it accepts.
var (
	MinTokenTTL = int(MinTTL.Seconds())
	MaxTokenTTL = int(MaxTTL.Seconds())
)

// maxURLLength and maxClaimValue bound what an admin can store; a longer
// value is a paste gone wrong, not a configuration.
const (
	maxURLLength  = 2048
	maxClaimValue = 256
)

// NormalizeSettings trims the white space a paste brings along from the text
// settings. The secret is not touched: its every character is key material.
func NormalizeSettings(s models.SSOSettings) models.SSOSettings {
	s.LoginURL = strings.TrimSpace(s.LoginURL)
	s.LogoutURL = strings.TrimSpace(s.LogoutURL)
	s.Issuer = strings.TrimSpace(s.Issuer)
	s.Audience = strings.TrimSpace(s.Audience)
	return s
}

// ValidateSettings checks settings and, when newSecret is not empty, the secret
// that is to replace the saved one. secretSaved says whether one is saved
// already: without it a secret is required. Messages are sentences for the
// admin and never repeat the secret.
func ValidateSettings(s models.SSOSettings, newSecret string, secretSaved bool) models.FieldErrors {
	errs := models.FieldErrors{}
	if s.LoginURL == "" {
		errs[FieldLoginURL] = "Enter the Login URL: the page of your app that signs users in and sends them back with a token."
	} else if err := ValidateURL(s.LoginURL); err != nil {
		errs[FieldLoginURL] = err.Error()
	}
	if s.LogoutURL != "" {
		if err := ValidateURL(s.LogoutURL); err != nil {
			errs[FieldLogoutURL] = err.Error()
		}
	}
	switch {
	case newSecret == "" && !secretSaved:
		errs[FieldSecret] = "Enter a shared secret of at least 32 characters, or press Generate."
	case newSecret != "":
		if err := ValidateSecret(newSecret); err != nil {
			errs[FieldSecret] = models.Sentence(err.Error())
		}
	}
	if err := validateClaimValue("Issuer", s.Issuer); err != nil {
		errs[FieldIssuer] = err.Error()
	}
	if err := validateClaimValue("Audience", s.Audience); err != nil {
		errs[FieldAudience] = err.Error()
	}
	if s.TokenTTL < MinTokenTTL || s.TokenTTL > MaxTokenTTL {
		errs[FieldTokenTTL] = fmt.Sprintf("Use a Token TTL between %d and %d seconds.", MinTokenTTL, MaxTokenTTL)
	}
	if s.SessionLength < models.MinSessionLength || s.SessionLength > models.MaxSessionLength {
		errs[FieldSessionLength] = "Use a Session length from 5 minutes (5m) to 30 days (30d)."
	}
	if _, err := ParseDomainList(s.AllowedDomains); err != nil {
		errs[FieldAllowedDomains] = err.Error()
	}
	return errs
}

// ParseSessionLength reads the Session length field: a whole number of
// minutes (m), hours (h) or days (d), e.g. "90m", "12h", "7d"; blank is
// the default, 12 hours. It returns seconds.
func ParseSessionLength(s string) (int, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return models.DefaultSessionLength, nil
	}
	units := map[byte]int{'m': 60, 'h': 3600, 'd': 86400}
	if len(s) < 2 || units[s[len(s)-1]] == 0 {
		return 0, models.Problem("Enter the Session length as minutes, hours or days, like 90m, 12h or 7d.")
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, models.Problem("Enter the Session length as minutes, hours or days, like 90m, 12h or 7d.")
	}
	return n * units[s[len(s)-1]], nil
}

// FormatSessionLength writes seconds the way the field reads them, in the
// largest unit that divides them.
func FormatSessionLength(sec int) string {
	switch {
	case sec > 0 && sec%86400 == 0:
		return strconv.Itoa(sec/86400) + "d"
	case sec > 0 && sec%3600 == 0:
		return strconv.Itoa(sec/3600) + "h"
	}
	return strconv.Itoa(sec/60) + "m"
}

// ParseDomainList reads the Allowed email domains, one a line: each a
// domain name (lower-cased; an "@" before it is forgiven), no repeats. It
// returns them one a line, tidied, or a sentence naming the bad line.
func ParseDomainList(text string) (string, error) {
	var out []string
	for i, line := range strings.Split(text, "\n") {
		d := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(line), "@"))
		if d == "" {
			continue
		}
		if !validDomain(d) {
			return "", models.Problemf("Line %d, %q, is not a domain name like example.com.", i+1, strings.TrimSpace(line))
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if len(out) > MaxAllowedDomains {
		return "", models.Problemf("List at most %d domains.", MaxAllowedDomains)
	}
	return strings.Join(out, "\n"), nil
}

// DomainList splits a saved domain list (ParseDomainList's output).
func DomainList(saved string) []string {
	if saved == "" {
		return nil
	}
	return strings.Split(saved, "\n")
}

// validDomain accepts a host name of dot-separated labels of letters,
// digits and hyphens, with at least one dot: what an email's domain is.
func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// ParseTokenTTL reads the Token TTL field: a whole number of seconds.
func ParseTokenTTL(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, models.Problemf("Enter the Token TTL as a whole number of seconds, between %d and %d.", MinTokenTTL, MaxTokenTTL)
	}
	return n, nil
}

// ValidateURL applies the rules for the Login and Logout URLs: absolute
// https URLs; plain http only for a loopback host (localhost, *.localhost,
// 127.0.0.1, [::1]), where nothing crosses a network. No user name or
// password in the URL (it would be sent to every visitor's browser and
// invites look-alike hosts such as https://app.example.com@evil.test), and
// no #fragment: we add subdomain and key to the query, a fragment never
// reaches the partner's server, and it could only hide part of the address.
func ValidateURL(raw string) error {
	if len(raw) > maxURLLength {
		return models.Problemf("Use a URL of at most %d characters.", maxURLLength)
	}
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return models.Problem("A URL cannot contain spaces or control characters.")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return models.Problem("Enter a full URL, like https://app.example.com/help-center/login.")
	}
	if u.User != nil {
		return models.Problem("Leave the user name and password out of the URL.")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return models.Problem("Leave the #fragment out of the URL: it never reaches your server.")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return models.Problem("Enter a full URL, like https://app.example.com/help-center/login.")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return models.Problem("The port in the URL is not valid.")
		}
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if isLoopback(host) {
			return nil
		}
		return models.Problem("Use an https:// URL; plain http is accepted only for localhost.")
	default:
		return models.Problem("Use an https:// URL.")
	}
}

// isLoopback is true for the host names that always mean this machine.
// Only these literal names count: a DNS name resolving to 127.0.0.1 could
// resolve elsewhere tomorrow.
func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}

// validateClaimValue checks an optional Issuer or Audience: it is compared
// exactly with a token's claim, so a control character could never match.
func validateClaimValue(label, v string) error {
	if utf8.RuneCountInString(v) > maxClaimValue {
		return models.Problemf("Use at most %d characters for the %s.", maxClaimValue, label)
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return models.Problemf("The %s cannot contain control characters.", label)
	}
	return nil
}

// SettingsChanges describes, for the audit log, how next differs from prev, in
// the labels the admin sees. secretReplaced adds "Shared secret replaced";
// the secret itself is never described.
func SettingsChanges(prev, next models.SSOSettings, secretReplaced bool) []string {
	var out []string
	text := func(label, a, b string) {
		switch {
		case a == b:
		case b == "":
			out = append(out, label+" cleared")
		default:
			out = append(out, label+" set to "+strconv.Quote(b))
		}
	}
	text("Login URL", prev.LoginURL, next.LoginURL)
	text("Logout URL", prev.LogoutURL, next.LogoutURL)
	text("Issuer", prev.Issuer, next.Issuer)
	text("Audience", prev.Audience, next.Audience)
	if prev.TokenTTL != next.TokenTTL {
		out = append(out, fmt.Sprintf("Token TTL set to %d s", next.TokenTTL))
	}
	if prev.AllowUnsolicited != next.AllowUnsolicited {
		if next.AllowUnsolicited {
			out = append(out, "Sign-in started from your app allowed")
		} else {
			out = append(out, "Sign-in started from your app no longer allowed")
		}
	}
	if prev.ReportOnly != next.ReportOnly {
		if next.ReportOnly {
			out = append(out, "Report-only rollout on: visitors whose sign-in fails are let in")
		} else {
			out = append(out, "Report-only rollout off: a failed sign-in keeps the visitor out")
		}
	}
	if prev.InviteOnly != next.InviteOnly {
		if next.InviteOnly {
			out = append(out, "Provisioning set to Invite only")
		} else {
			out = append(out, "Provisioning set to Create users on first sign-in")
		}
	}
	if prev.AllowedDomains != next.AllowedDomains {
		if next.AllowedDomains == "" {
			out = append(out, "Allowed email domains cleared")
		} else {
			out = append(out, "Allowed email domains set to "+strings.ReplaceAll(next.AllowedDomains, "\n", ", "))
		}
	}
	if prev.SessionLength != next.SessionLength {
		out = append(out, "Session length set to "+FormatSessionLength(next.SessionLength))
	}
	if secretReplaced {
		out = append(out, "Shared secret replaced")
	}
	return out
}
