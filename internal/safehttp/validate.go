package safehttp

import (
	"net/netip"
	"net/url"
	"strings"
	"unicode"

	"helpcenter/models"
)

// maxURLLength bounds a URL an admin types; real JWKS URLs are far shorter.
const maxURLLength = 2048

// ValidateURL applies the rules for a URL an admin types to be fetched
// later: absolute https; plain http only for the loopback names
// (localhost, *.localhost, 127.0.0.1, [::1]) when allowLoopback
// (development); no user name or password, which would be sent to
// whoever the URL names and shown on every page that lists it; no
// fragment, which means nothing to a server. An address typed as such is
// judged at once by the fetch rules; a name is judged when it is fetched,
// as its addresses may change. Errors are sentences for the form.
func ValidateURL(raw string, allowLoopback bool) error {
	if len(raw) > maxURLLength {
		return models.Problemf("Use a URL of at most %d characters.", maxURLLength)
	}
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return models.Problem("A URL cannot contain spaces or control characters.")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Hostname() == "" {
		return models.Problem("Enter a full URL, like https://example.auth0.com/.well-known/jwks.json.")
	}
	if u.User != nil {
		return models.Problem("Leave the user name and password out of the URL.")
	}
	if strings.Contains(raw, "#") {
		return models.Problem("Leave the #fragment out of the URL.")
	}
	host := u.Hostname()
	switch u.Scheme {
	case "https":
	case "http":
		if !allowLoopback || !loopbackName(host) {
			return models.Problem("Use an https:// URL; plain http is accepted only for localhost in development.")
		}
	default:
		return models.Problem("Use an https:// URL.")
	}
	if loopbackName(host) && !allowLoopback {
		return models.Problemf("This URL names this server (%s), which is fetched only in development.", host)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if what := forbidden(ip, allowLoopback); what != "" {
			return models.Problemf("This URL names %s, %s, which is never fetched.", ip.Unmap().WithZone(""), what)
		}
	}
	return nil
}
