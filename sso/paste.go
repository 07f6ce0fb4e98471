package sso

import (
	"net/url"
	"strconv"
	"strings"
)

// ReadPastedToken takes what an admin pasted into the token tester and
// returns the token to test, with a note for each common slip (SPEC
// section 7's tester): a whole /sso/jwt URL (its jwt parameter is taken),
// a URL-encoded token (decoded once), and a token cut short.
func ReadPastedToken(pasted string) (token string, notes []string) {
	token = strings.TrimSpace(pasted)
	if strings.Contains(token, "://") || strings.HasPrefix(token, "/sso/jwt") || strings.Contains(token, "jwt=") {
		if u, err := url.Parse(token); err == nil {
			q := u.Query()
			if q.Get("jwt") == "" && !strings.Contains(token, "?") {
				q, _ = url.ParseQuery(token)
			}
			if jwt := q.Get("jwt"); jwt != "" {
				notes = append(notes, "You pasted a URL: the token tested is its jwt parameter.")
				token = jwt
			}
		}
	}
	if strings.Contains(token, "%2E") || strings.Contains(token, "%2e") || strings.Contains(token, "%3D") {
		if decoded, err := url.QueryUnescape(token); err == nil {
			notes = append(notes, "The token was URL-encoded (%2E for a dot): it was decoded once before testing. "+
				"If your app sends it encoded twice, decode it once more there, or encode it once.")
			token = decoded
		}
	}
	switch parts := strings.Split(token, "."); {
	case len(parts) == 2:
		notes = append(notes, "The token has one dot where a JWT has two: it looks cut off after the payload. Copy it whole.")
	case len(parts) == 3 && len(parts[2]) > 0 && len(parts[2]) < hs256SignatureLength:
		notes = append(notes, "The signature part is "+strconv.Itoa(len(parts[2]))+" characters; an HS256 signature is "+
			strconv.Itoa(hs256SignatureLength)+": the token looks cut off. Copy it whole.")
	}
	return token, notes
}

// hs256SignatureLength is a SHA-256 HMAC in unpadded base64url.
const hs256SignatureLength = 43
