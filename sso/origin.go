package sso

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"helpcenter/models"
)

// MaxWidgetOrigins is how many allowed widget origins a help center keeps:
// enough for every staging and production host of a partner app, few
// enough that the CORS check stays one indexed lookup.
const MaxWidgetOrigins = 50

// NormalizeOrigin validates one line of "Allowed widget origins" and
// returns it in the form a browser sends in its Origin header, so that the
// CORS check can be an exact string match: lower-case scheme and host, the
// port only when it is not the scheme's default, nothing else. An origin
// is scheme://host[:port] — a path, query, fragment or user name would
// never appear in an Origin header, so accepting one would only hide a
// typo. Plain http is accepted only for loopback hosts, by the rule of the
// Login URL (isLoopback): a token sent from a page loaded over plain http
// can be read by anyone on the network path.
func NormalizeOrigin(raw string) (string, error) {
	if len(raw) > 300 {
		return "", models.Problem("Use at most 300 characters.")
	}
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", models.Problem("An origin cannot contain spaces or control characters.")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", models.Problem("Enter an origin like https://app.example.com (scheme and host, optionally a port).")
	}
	if u.User != nil {
		return "", models.Problem("Leave the user name and password out of the origin.")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || strings.Contains(raw, "#") {
		return "", models.Problem("An origin has no path, query or #fragment: enter only scheme://host[:port].")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", models.Problem("Use an https:// origin.")
	}
	host := strings.ToLower(u.Hostname())
	ip := net.ParseIP(host)
	switch {
	case ip != nil && ip.To4() == nil:
		host = "[" + ip.String() + "]"
	case ip != nil:
		host = ip.String()
	case models.NormalizeHost(host) == "" || strings.HasSuffix(host, "."):
		return "", models.Problem("The host is not a valid name; use letters, digits, hyphens and dots (punycode for international names), no wildcards.")
	}
	if scheme == "http" && !isLoopback(strings.Trim(host, "[]")) {
		return "", models.Problem("Use https://; plain http is accepted only for localhost.")
	}
	origin := scheme + "://" + host
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", models.Problem("The port is not valid; use a number from 1 to 65535.")
		}
		if !(scheme == "https" && n == 443 || scheme == "http" && n == 80) {
			origin += ":" + strconv.Itoa(n)
		}
	}
	return origin, nil
}
