// Package safehttp fetches URLs that an admin typed — JWKS URLs now,
// webhook targets later — without letting them reach into the network the
// product runs in (SSRF): no private, loopback, link-local or otherwise
// special address, checked on the address actually dialled, so neither a
// DNS answer that changes between lookups nor a redirect gets around it.
package safehttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode"

	"helpcenter/models"
)

// DefaultTimeout bounds one fetch, connection and body included (SPEC
// section 9: 5 s for a JWKS).
const DefaultTimeout = 5 * time.Second

// maxRedirects is how many redirects a fetch follows.
const maxRedirects = 3

// Options configure a Client.
type Options struct {
	// AllowLoopback lets loopback addresses through: only for a
	// development base URL (http://localhost…), where the issuer runs on
	// the same machine.
	AllowLoopback bool
	// Timeout bounds each fetch; zero means DefaultTimeout.
	Timeout time.Duration
	// Resolver looks names up; nil means net.DefaultResolver. Tests give
	// one that answers from a table.
	Resolver Resolver
	// dial replaces the TCP dial after the address checks (tests only,
	// to reach a loopback server through a public-looking name).
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Resolver is the part of net.Resolver a Client uses.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Client fetches by the rules above.
type Client struct {
	http          *http.Client
	allowLoopback bool
	resolver      Resolver
}

// New builds a Client.
func New(o Options) *Client {
	c := &Client{allowLoopback: o.AllowLoopback, resolver: o.Resolver}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	dialer := &net.Dialer{Timeout: timeout, Control: c.control}
	dial := dialer.DialContext
	if o.dial != nil {
		dial = o.dial
	}
	transport := &http.Transport{
		// Never a proxy from the environment: the checks below must
		// judge the real destination.
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			ip, err := c.resolve(ctx, host)
			if err != nil {
				return nil, err
			}
			return dial(ctx, network, net.JoinHostPort(ip.String(), port))
		},
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	c.http = &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			return c.checkURL(req.URL)
		},
	}
	return c
}

// resolve looks host up and returns its first address, refusing the name
// when any of its addresses is forbidden: a name that also points inside
// is not one to trust with the other answer.
func (c *Client) resolve(ctx context.Context, host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if why := c.forbidden(ip); why != "" {
			return netip.Addr{}, fmt.Errorf("%s is %s, which is never fetched", ip, why)
		}
		return ip, nil
	}
	ips, err := c.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s does not resolve: %w", host, err)
	}
	if len(ips) == 0 {
		return netip.Addr{}, fmt.Errorf("%s has no address", host)
	}
	for _, ip := range ips {
		if why := c.forbidden(ip); why != "" {
			return netip.Addr{}, fmt.Errorf("%s resolves to %s, %s, which is never fetched", host, ip.Unmap(), why)
		}
	}
	return ips[0], nil
}

// control is the last word, on the socket about to connect: whatever
// happened before, a forbidden address is never dialled.
func (c *Client) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return err
	}
	if why := c.forbidden(ap.Addr()); why != "" {
		return fmt.Errorf("%s is %s, which is never fetched", ap.Addr(), why)
	}
	return nil
}

// special are the ranges no outbound fetch may reach beyond what netip's
// predicates name: shared, benchmarking, IETF-reserved and future space,
// and the NAT64 prefix that maps onto any IPv4 address.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"),
}

// forbidden says why ip may not be fetched from, "" when it may.
func (c *Client) forbidden(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "no address"
	case ip.IsLoopback():
		if c.allowLoopback {
			return ""
		}
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "a link-local address"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "a multicast address"
	case ip.IsUnspecified():
		return "the unspecified address"
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	for _, p := range special {
		if p.Contains(ip) {
			return "a reserved address (" + p.String() + ")"
		}
	}
	return ""
}

// checkURL applies the URL rules to a URL about to be fetched (the first
// one, and every redirect).
func (c *Client) checkURL(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if c.allowLoopback && isLoopbackName(u.Hostname()) {
			return nil
		}
		return errors.New("plain http is fetched only from localhost in development; use https")
	}
	return fmt.Errorf("%q URLs are not fetched; use https", u.Scheme)
}

// ErrStatus is a fetch answered with a status other than 200.
type ErrStatus struct{ Code int }

func (e *ErrStatus) Error() string {
	return fmt.Sprintf("it answered %d %s instead of 200", e.Code, http.StatusText(e.Code))
}

// Get fetches rawURL and returns at most limit bytes of its body; a
// longer body is an error, not a truncation.
func (c *Client) Get(ctx context.Context, rawURL string, limit int64) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if err := c.checkURL(u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	req.Header.Set("User-Agent", "helpcenter")
	res, err := c.http.Do(req)
	if err != nil {
		return nil, explain(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, &ErrStatus{Code: res.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, explain(err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("its answer is longer than %d bytes", limit)
	}
	return body, nil
}

// explain turns a transport error into the sentence an admin reads.
func explain(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("it did not answer in time")
		}
		return ue.Err
	}
	return err
}

// ValidateURL applies the rules for a URL an admin types to be fetched:
// absolute https; plain http only for the literal loopback names when
// allowLoopback (development); no user name or password; no fragment.
// Errors are sentences for the form.
func ValidateURL(raw string, allowLoopback bool) error {
	if len(raw) > 2048 {
		return models.Problem("Use a URL of at most 2048 characters.")
	}
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return models.Problem("A URL cannot contain spaces or control characters.")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return models.Problem("Enter a full URL, like https://example.auth0.com/.well-known/jwks.json.")
	}
	if u.User != nil {
		return models.Problem("Leave the user name and password out of the URL.")
	}
	if strings.Contains(raw, "#") {
		return models.Problem("Leave the #fragment out of the URL.")
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if allowLoopback && isLoopbackName(u.Hostname()) {
			return nil
		}
		return models.Problem("Use an https:// URL; plain http is accepted only for localhost in development.")
	}
	return models.Problem("Use an https:// URL.")
}

// isLoopbackName is true for the names that always mean this machine.
func isLoopbackName(host string) bool {
	host = strings.ToLower(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
