package safehttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"syscall"
	"time"
)

// DefaultTimeout bounds one fetch, connection, redirects and body
// included (SPEC section 9: 5 s for a JWKS).
const DefaultTimeout = 5 * time.Second

// maxRedirects is how many redirects a fetch follows: enough for a
// moved URL and a CDN, too few to keep us busy.
const maxRedirects = 3

// maxHeaderBytes bounds a response's headers, as limit bounds its body.
const maxHeaderBytes = 64 << 10

// Options configure a Client.
type Options struct {
	// AllowLoopback lets loopback addresses through, and plain http to
	// the loopback names: only for a development base URL
	// (http://localhost…), where the issuer runs on the same machine.
	AllowLoopback bool
	// Timeout bounds each fetch; zero means DefaultTimeout.
	Timeout time.Duration
	// Resolver looks names up; nil means net.DefaultResolver. Tests give
	// one that answers from a table.
	Resolver Resolver

	// dial replaces the connect that follows the address checks, and
	// tlsConfig the TLS settings: tests only, to reach an httptest server
	// behind a public-looking name. Unexported so that no caller can
	// switch the socket check off.
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	tlsConfig *tls.Config
}

// Resolver is the part of net.Resolver a Client uses.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Client fetches by the package's rules. It is safe for concurrent use.
type Client struct {
	http          *http.Client
	allowLoopback bool
	resolver      Resolver
	timeout       time.Duration
}

// New builds a Client.
func New(o Options) *Client {
	c := &Client{allowLoopback: o.AllowLoopback, resolver: o.Resolver, timeout: o.Timeout}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	dialer := &net.Dialer{Timeout: c.timeout, Control: c.control}
	connect := dialer.DialContext
	if o.dial != nil {
		connect = o.dial
	}
	transport := &http.Transport{
		// Never a proxy from the environment: the checks must judge the
		// real destination, not the proxy's address.
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return c.dial(ctx, network, addr, connect)
		},
		TLSClientConfig:        o.tlsConfig,
		TLSHandshakeTimeout:    c.timeout,
		ResponseHeaderTimeout:  c.timeout,
		MaxResponseHeaderBytes: maxHeaderBytes,
		MaxIdleConns:           10,
		IdleConnTimeout:        30 * time.Second,
		ForceAttemptHTTP2:      true,
	}
	c.http = &http.Client{Transport: transport, Timeout: c.timeout, CheckRedirect: c.checkRedirect}
	return c
}

// dial connects to one of the checked addresses of addr's host, in the
// order the resolver gave them. Dialling the addresses resolve checked,
// not the name, leaves no second lookup for a rebinding DNS server to
// answer differently.
func (c *Client) dial(ctx context.Context, network, addr string, connect func(context.Context, string, string) (net.Conn, error)) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := c.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var first error
	for _, ip := range ips {
		conn, err := connect(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// resolve returns host's addresses, refusing the name when any of them is
// forbidden: a name that also points inside is not one to trust with its
// other answers.
func (c *Client) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := check("", ip, c.allowLoopback); err != nil {
			return nil, err
		}
		return []netip.Addr{ip}, nil
	}
	var ips []netip.Addr
	if loopbackName(host) {
		// The localhost names are this machine whatever a DNS server
		// says (RFC 6761), so plain http, allowed to them alone, never
		// leaves it.
		ips = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}
	} else {
		var err error
		if ips, err = c.resolver.LookupNetIP(ctx, "ip", host); err != nil {
			return nil, &lookupError{host: host, err: err}
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("%s has no address", host)
		}
	}
	for _, ip := range ips {
		if err := check(host, ip, c.allowLoopback); err != nil {
			return nil, err
		}
	}
	return ips, nil
}

// lookupError says why a name did not resolve, in fewer words than the
// resolver's error, which it keeps in the chain so that a timeout is
// still seen as one.
type lookupError struct {
	host string
	err  error
}

func (e *lookupError) Error() string {
	var dnsErr *net.DNSError
	switch {
	case errors.As(e.err, &dnsErr) && dnsErr.IsNotFound:
		return e.host + " does not resolve (no such host)"
	case errors.As(e.err, &dnsErr):
		return e.host + " could not be resolved (" + dnsErr.Err + ")"
	}
	return e.host + " could not be resolved: " + e.err.Error()
}

func (e *lookupError) Unwrap() error { return e.err }

// control is the last word, on the socket about to connect: whatever
// happened before, a forbidden address is never dialled.
func (c *Client) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return err
	}
	return check("", ap.Addr(), c.allowLoopback)
}

// checkURL applies the scheme rules to a URL about to be fetched: the
// first one, and every redirect.
func (c *Client) checkURL(u *url.URL) error {
	switch u.Scheme {
	case "https":
	case "http":
		if !c.allowLoopback || !loopbackName(u.Hostname()) {
			return errors.New("plain http is fetched only from localhost in development; use https")
		}
	default:
		return fmt.Errorf("%q URLs are not fetched; use https", u.Scheme)
	}
	if u.Hostname() == "" {
		return errors.New("the URL has no host")
	}
	return nil
}

// redirectError is a redirect refused.
type redirectError struct {
	to  *url.URL
	err error
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("it redirected to %s://%s%s: %v", e.to.Scheme, e.to.Host, e.to.Path, e.err)
}

func (e *redirectError) Unwrap() error { return e.err }

// checkRedirect holds a redirect to the rules of the first URL. The new
// host is resolved and checked here so the error says it came from a
// redirect; the dial checks again whatever it connects to.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("it redirected more than %d times", maxRedirects)
	}
	if err := c.checkURL(req.URL); err != nil {
		return &redirectError{to: req.URL, err: err}
	}
	if _, err := c.resolve(req.Context(), req.URL.Hostname()); err != nil {
		return &redirectError{to: req.URL, err: err}
	}
	return nil
}

// StatusError is a fetch answered with a status other than 200.
type StatusError struct{ Code int }

// Error names the status received.
func (e *StatusError) Error() string {
	return fmt.Sprintf("it answered %d %s instead of 200", e.Code, http.StatusText(e.Code))
}

// Get fetches rawURL and returns its body, at most limit bytes of it: a
// longer body is an error, not a truncation, so a document is never read
// half. Any status but 200 is a *StatusError.
func (c *Client) Get(ctx context.Context, rawURL string, limit int64) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("it is not a URL")
	}
	if err := c.checkURL(u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	req.Header.Set("User-Agent", "helpcenter")
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.explain(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, &StatusError{Code: res.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, c.explain(err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("its answer is longer than %d bytes", limit)
	}
	return body, nil
}

// explain turns a transport error into the clause an admin reads,
// dropping the "Get URL: dial tcp …:" wrappers that say nothing to them.
func (c *Client) explain(err error) error {
	var redirect *redirectError
	var address *addressError
	var cert *tls.CertificateVerificationError
	var ue *url.Error
	switch {
	case errors.As(err, &redirect):
		return redirect
	case errors.As(err, &address):
		return address
	case timedOut(err):
		return fmt.Errorf("it did not answer in time (the limit is %s)", c.timeout)
	case errors.Is(err, context.Canceled):
		return errors.New("the fetch was cancelled")
	case errors.As(err, &cert):
		return fmt.Errorf("its TLS certificate is not valid: %v", cert.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("it refused the connection")
	case errors.As(err, &ue):
		return ue.Err
	}
	return err
}

// timedOut reports whether anything in err's chain is a timeout (a
// *url.Error answers Timeout for its direct cause only).
func timedOut(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	for ; err != nil; err = errors.Unwrap(err) {
		if t, ok := err.(interface{ Timeout() bool }); ok && t.Timeout() {
			return true
		}
	}
	return false
}

// Post sends body to rawURL by the same rules as Get (the address checks,
// no proxy, the timeout) and returns the answer's status; the answer's
// body is read (up to 64 KB, so the connection can be reused) and dropped.
func (c *Client) Post(ctx context.Context, rawURL string, header http.Header, body []byte) (int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, errors.New("it is not a URL")
	}
	if err := c.checkURL(u); err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "helpcenter")
	res, err := c.http.Do(req)
	if err != nil {
		return 0, c.explain(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}

// HTTP is the client's *http.Client, for libraries that take one (the
// OpenID Connect discovery and token calls): the same address checks on
// every connection.
func (c *Client) HTTP() *http.Client { return c.http }
