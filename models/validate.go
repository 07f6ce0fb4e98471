package models

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// FieldErrors maps a form field name to the message shown right after it.
type FieldErrors map[string]string

// Any reports whether at least one field failed.
func (f FieldErrors) Any() bool { return len(f) > 0 }

// reservedSubdomains are names a tenant may not take: they belong to us,
// or would let a help center pose as infrastructure.
var reservedSubdomains = map[string]bool{
	"www": true, "app": true, "api": true, "admin": true, "static": true, "assets": true,
	"mail": true, "help": true, "status": true, "demo": true, "console": true, "login": true,
	"auth": true, "sso": true, "cdn": true, "docs": true, "blog": true, "support": true,
	"billing": true, "dashboard": true, "smtp": true, "imap": true, "pop": true, "ftp": true,
	"ns1": true, "ns2": true, "dev": true, "staging": true, "test": true, "internal": true,
	"localhost": true, "widget": true, "js": true, "media": true, "files": true, "img": true,
}

// ValidateSubdomain applies the subdomain rules: 3–63 characters of
// lowercase letters, digits and hyphens, not starting or ending with a
// hyphen, and not a reserved name.
func ValidateSubdomain(s string) error {
	if n := len(s); n < 3 || n > 63 {
		return Problem("Use 3 to 63 characters.")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return Problem("Use only lowercase letters, digits and hyphens.")
		}
	}
	if s[0] == '-' || s[len(s)-1] == '-' {
		return Problem("A subdomain cannot start or end with a hyphen.")
	}
	if reservedSubdomains[s] {
		return Problemf("%q is reserved; please choose another subdomain.", s)
	}
	return nil
}

// MinPasswordLength is the shortest password an admin may choose.
const MinPasswordLength = 10

// ValidatePassword checks an admin password's length.
func ValidatePassword(p string) error {
	if utf8.RuneCountInString(p) < MinPasswordLength {
		return Problemf("Use at least %d characters.", MinPasswordLength)
	}
	if len(p) > 1024 {
		return Problem("Use at most 1024 characters.")
	}
	return nil
}

// ParseEmail validates an email address someone typed (signup, the CLI,
// the demo partner) and returns it in its comparison form, EmailKey.
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Problem("Enter an email address.")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") || len(s) > 254 {
		return "", Problem("Enter an email address like name@example.com.")
	}
	return EmailKey(s), nil
}

// EmailKey is the form in which emails are stored for lookup and compared
// (SPEC: case-insensitively, everywhere): surrounding white space trimmed,
// lower case. Every email comparison of the product goes through it.
func EmailKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ValidateName checks a display name (help center or workspace).
func ValidateName(s string) error {
	if strings.TrimSpace(s) == "" {
		return Problem("Enter a name.")
	}
	if utf8.RuneCountInString(s) > 100 {
		return Problem("Use at most 100 characters.")
	}
	return nil
}

// NormalizeHost lower-cases a host name and strips one trailing dot, so
// "ACME.example.com." and "acme.example.com" name the same site. It
// returns "" for anything that is not a plausible DNS name.
func NormalizeHost(h string) string {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "" || len(h) > 253 {
		return ""
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return ""
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return ""
			}
		}
	}
	return h
}
