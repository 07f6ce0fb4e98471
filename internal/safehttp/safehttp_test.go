package safehttp

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Every forbidden range is refused, as itself and in the IPv4-mapped and
// NAT64 forms that reach it; public addresses pass in every form.
func TestForbiddenAddresses(t *testing.T) {
	t.Parallel()
	v4 := []struct{ ip, what string }{
		{"93.184.216.34", ""},
		{"1.1.1.1", ""},
		{"10.1.2.3", "a private address"},
		{"172.16.0.1", "a private address"},
		{"172.31.255.255", "a private address"},
		{"192.168.1.1", "a private address"},
		{"169.254.169.254", "a link-local address"},
		{"224.0.0.251", "a link-local address"}, // link-local multicast
		{"239.1.2.3", "a multicast address"},
		{"0.0.0.0", "the unspecified address"},
		{"0.1.2.3", `a "this network" address`},
		{"100.64.0.1", "a shared (carrier-grade NAT) address"},
		{"100.127.255.254", "a shared (carrier-grade NAT) address"},
		{"192.0.0.8", "an IETF protocol address"},
		{"192.0.2.1", "a documentation address"},
		{"198.18.0.1", "a benchmarking address"},
		{"198.19.255.1", "a benchmarking address"},
		{"240.0.0.1", "a reserved address"},
		{"255.255.255.255", "the broadcast address"},
	}
	for _, tc := range v4 {
		ip := netip.MustParseAddr(tc.ip)
		b := ip.As4()
		for _, form := range []string{tc.ip, "::ffff:" + tc.ip, fmt.Sprintf("64:ff9b::%02x%02x:%02x%02x", b[0], b[1], b[2], b[3])} {
			want := tc.what
			if want != "" && strings.HasPrefix(form, "64:ff9b::") {
				want += " behind NAT64"
			}
			t.Run(form, func(t *testing.T) {
				t.Parallel()
				for _, dev := range []bool{false, true} {
					if got := forbidden(netip.MustParseAddr(form), dev); got != want {
						t.Errorf("forbidden(%s, loopback %v) = %q, want %q", form, dev, got, want)
					}
				}
			})
		}
	}
	v6 := []struct{ ip, what string }{
		{"2606:2800:220:1:248:1893:25c8:1946", ""},
		{"2a00:1450:4001:80b::200e", ""},
		{"fc00::1", "a private address"},
		{"fd12:3456::1", "a private address"},
		{"fe80::1", "a link-local address"},
		{"fe80::1%eth0", "a link-local address"},
		{"febf::1", "a link-local address"},
		{"ff02::1", "a link-local address"},
		{"ff05::2", "a multicast address"},
		{"::", "the unspecified address"},
		{"::a00:1", "an IPv4-compatible address"},
		{"64:ff9b:1::a", "a local NAT64 address"},
		{"100::1", "a discard address"},
		{"2001:0:4136:e378::1", "a Teredo address"},
		{"2001:2::1", "a benchmarking address"},
		{"2001:db8::1", "a documentation address"},
		{"2002:a00:1::", "a 6to4 address"},
		{"fec0::1", "a site-local address"},
	}
	for _, tc := range v6 {
		t.Run(tc.ip, func(t *testing.T) {
			t.Parallel()
			for _, dev := range []bool{false, true} {
				if got := forbidden(netip.MustParseAddr(tc.ip), dev); got != tc.what {
					t.Errorf("forbidden(%s, loopback %v) = %q, want %q", tc.ip, dev, got, tc.what)
				}
			}
		})
	}
	// Loopback passes in development only, and never behind NAT64,
	// where it would be the translator's.
	for _, tc := range []struct{ ip, strict, dev string }{
		{"127.0.0.1", "a loopback address", ""},
		{"127.8.9.10", "a loopback address", ""},
		{"::1", "a loopback address", ""},
		{"::ffff:127.0.0.1", "a loopback address", ""},
		{"64:ff9b::7f00:1", "a loopback address behind NAT64", "a loopback address behind NAT64"},
	} {
		t.Run(tc.ip, func(t *testing.T) {
			t.Parallel()
			ip := netip.MustParseAddr(tc.ip)
			if got := forbidden(ip, false); got != tc.strict {
				t.Errorf("forbidden(%s) = %q, want %q", tc.ip, got, tc.strict)
			}
			if got := forbidden(ip, true); got != tc.dev {
				t.Errorf("forbidden(%s) in development = %q, want %q", tc.ip, got, tc.dev)
			}
		})
	}
}

// The socket check on its own: whatever route leads to a forbidden
// address, the connect is refused.
func TestControlRefusesForbiddenSockets(t *testing.T) {
	t.Parallel()
	strict, dev := New(Options{}), New(Options{AllowLoopback: true})
	for _, tc := range []struct {
		c       *Client
		address string
		want    string
	}{
		{strict, "10.0.0.1:443", "10.0.0.1 is a private address, which is never fetched"},
		{strict, "[fe80::1%eth0]:443", "fe80::1 is a link-local address, which is never fetched"},
		{strict, "127.0.0.1:8080", "127.0.0.1 is a loopback address, which is fetched only in development"},
		{dev, "169.254.169.254:80", "169.254.169.254 is a link-local address, which is never fetched"},
		{dev, "127.0.0.1:8080", ""},
		{strict, "93.184.216.34:443", ""},
	} {
		err := tc.c.control("tcp", tc.address, nil)
		if got := errText(err); got != tc.want {
			t.Errorf("control(%s) = %q, want %q", tc.address, got, tc.want)
		}
	}
}

// tableResolver answers lookups from a map.
type tableResolver map[string][]netip.Addr

func (r tableResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ips, ok := r[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A server on 127.0.0.1 is reached only when loopback is allowed.
func TestLoopbackOnlyInDevelopment(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"keys":[]}`)) }))
	defer srv.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer tlsSrv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	ctx := context.Background()
	strict, dev := New(Options{}), New(Options{AllowLoopback: true})
	for _, tc := range []struct {
		c         *Client
		url, want string
	}{
		{strict, srv.URL, "plain http is fetched only from localhost in development; use https"},
		{strict, tlsSrv.URL, "127.0.0.1 is a loopback address, which is fetched only in development"},
		{strict, "https://localhost:" + strconv.Itoa(port), "localhost resolves to 127.0.0.1, a loopback address, which is fetched only in development"},
		{dev, srv.URL, ""},
		{dev, "http://localhost:" + strconv.Itoa(port) + "/", ""},
		// *.localhost is loopback without asking DNS (RFC 6761).
		{dev, "http://issuer.localhost:" + strconv.Itoa(port) + "/", ""},
	} {
		body, err := tc.c.Get(ctx, tc.url, 1024)
		if got := errText(err); got != tc.want {
			t.Errorf("%s (loopback %v): %q, want %q", tc.url, tc.c.allowLoopback, got, tc.want)
		}
		if tc.want == "" && string(body) != `{"keys":[]}` {
			t.Errorf("%s: body %q", tc.url, body)
		}
	}
	if _, err := dev.Get(ctx, srv.URL, 4); errText(err) != "its answer is longer than 4 bytes" {
		t.Errorf("body limit: %v", err)
	}
	if _, err := dev.Get(ctx, srv.URL, 11); err != nil {
		t.Errorf("a body of exactly the limit: %v", err)
	}
}

// publicIssuer is an https server that the client believes is at the
// public address 93.184.216.34 under the name example.com (which its
// test certificate names): the dial hook carries the connection to it,
// after every check has run, and records what was dialled.
type publicIssuer struct {
	srv    *httptest.Server
	mu     sync.Mutex
	dialed []string
}

func newPublicIssuer(t *testing.T, h http.Handler) (*publicIssuer, *Client) {
	t.Helper()
	p := &publicIssuer{srv: httptest.NewTLSServer(h)}
	t.Cleanup(p.srv.Close)
	resolver := tableResolver{
		"example.com":      addrs("93.184.216.34"),
		"metadata.example": addrs("169.254.169.254"),
		"mixed.example":    addrs("93.184.216.35", "10.0.0.1"),
		"nat64.example":    addrs("64:ff9b::a9fe:a9fe"),
	}
	c := New(Options{
		Resolver:  resolver,
		Timeout:   2 * time.Second,
		tlsConfig: &tls.Config{RootCAs: p.srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs},
		dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			p.mu.Lock()
			p.dialed = append(p.dialed, addr)
			p.mu.Unlock()
			var d net.Dialer
			return d.DialContext(ctx, network, p.srv.Listener.Addr().String())
		},
	})
	return p, c
}

// Outside development a public name is fetched, and every redirect is
// held to the rules of the first URL: no forbidden address, named or
// literal, no plain http, no other scheme, at most 3 hops.
func TestRedirectsAreChecked(t *testing.T) {
	t.Parallel()
	p, c := newPublicIssuer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		if n, err := strconv.Atoi(r.URL.Query().Get("hops")); err == nil && n > 0 {
			http.Redirect(w, r, "/?hops="+strconv.Itoa(n-1), http.StatusFound)
			return
		}
		w.Write([]byte("ok"))
	}))
	port := strconv.Itoa(p.srv.Listener.Addr().(*net.TCPAddr).Port)
	base := "https://example.com:" + port + "/"
	ctx := context.Background()
	for _, tc := range []struct{ url, want string }{
		{base, ""},
		{base + "?hops=3", ""},
		{base + "?hops=4", "it redirected more than 3 times"},
		{base + "?to=https://169.254.169.254/latest/meta-data/", "it redirected to https://169.254.169.254/latest/meta-data/: 169.254.169.254 is a link-local address, which is never fetched"},
		{base + "?to=https://10.0.0.1:" + port + "/jwks", "it redirected to https://10.0.0.1:" + port + "/jwks: 10.0.0.1 is a private address, which is never fetched"},
		{base + "?to=https://[::ffff:a9fe:a9fe]/", "it redirected to https://[::ffff:a9fe:a9fe]/: 169.254.169.254 is a link-local address, which is never fetched"},
		{base + "?to=https://metadata.example/latest", "it redirected to https://metadata.example/latest: metadata.example resolves to 169.254.169.254, a link-local address, which is never fetched"},
		{base + "?to=https://nat64.example/", "it redirected to https://nat64.example/: nat64.example resolves to 64:ff9b::a9fe:a9fe, a link-local address behind NAT64, which is never fetched"},
		{base + "?to=https://localhost:" + port + "/", "it redirected to https://localhost:" + port + "/: localhost resolves to 127.0.0.1, a loopback address, which is fetched only in development"},
		{base + "?to=http://example.com:" + port + "/", "it redirected to http://example.com:" + port + "/: plain http is fetched only from localhost in development; use https"},
		{base + "?to=file:///etc/passwd", `it redirected to file:///etc/passwd: "file" URLs are not fetched; use https`},
		// The first URL is judged the same way.
		{"https://mixed.example:" + port + "/", "mixed.example resolves to 10.0.0.1, a private address, which is never fetched"},
		{"https://unknown.example/", "unknown.example does not resolve (no such host)"},
		{"ftp://example.com/", `"ftp" URLs are not fetched; use https`},
	} {
		body, err := c.Get(ctx, tc.url, 1024)
		if got := errText(err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.url, got, tc.want)
		} else if tc.want == "" && string(body) != "ok" {
			t.Errorf("%s: body %q", tc.url, body)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, addr := range p.dialed {
		if addr != "93.184.216.34:"+port {
			t.Errorf("dialled %s", addr)
		}
	}
	if len(p.dialed) == 0 {
		t.Error("nothing was dialled")
	}
}

// In development, a loopback server may be fetched, but its redirects to
// private or link-local addresses are not followed.
func TestRedirectFromLoopbackToInsideIsRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}))
	defer srv.Close()
	c := New(Options{AllowLoopback: true, Resolver: tableResolver{"metadata.example": addrs("169.254.169.254")}, Timeout: 2 * time.Second})
	for _, tc := range []struct{ to, want string }{
		{"https://10.0.0.1/", "10.0.0.1 is a private address, which is never fetched"},
		{"https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address, which is never fetched"},
		{"https://metadata.example/", "metadata.example resolves to 169.254.169.254, a link-local address, which is never fetched"},
		{"http://169.254.169.254/", "plain http is fetched only from localhost in development; use https"},
		{"http://192.168.0.1/", "plain http is fetched only from localhost in development; use https"},
	} {
		_, err := c.Get(context.Background(), srv.URL+"/?to="+url.QueryEscape(tc.to), 1024)
		if want := "it redirected to " + tc.to + ": " + tc.want; errText(err) != want {
			t.Errorf("redirect to %s: %q, want %q", tc.to, errText(err), want)
		}
	}
}

// A server that stalls, before its headers or in its body, costs the
// timeout and no more.
func TestSlowServerTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.Write([]byte(`{"keys":`))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := New(Options{AllowLoopback: true, Timeout: 200 * time.Millisecond})
	for _, path := range []string{"/headers", "/body"} {
		start := time.Now()
		_, err := c.Get(context.Background(), srv.URL+path, 1024)
		if want := "it did not answer in time (the limit is 200ms)"; errText(err) != want {
			t.Errorf("%s: %q, want %q", path, errText(err), want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: the timeout took %s", path, d)
		}
	}
}

func TestStatusAndRefusalAreSaid(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	defer srv.Close()
	c := New(Options{AllowLoopback: true})
	if _, err := c.Get(context.Background(), srv.URL, 1024); errText(err) != "it answered 404 Not Found instead of 200" {
		t.Errorf("404: %v", err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if _, err := c.Get(context.Background(), closed.URL, 1024); errText(err) != "it refused the connection" {
		t.Errorf("nothing listening: %v", err)
	}
}

func TestValidateURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url  string
		dev  bool
		want string
	}{
		{"https://example.auth0.com/.well-known/jwks.json", false, ""},
		{"https://example.auth0.com:8443/jwks?tenant=1", false, ""},
		{"https://93.184.216.34/jwks", false, ""},
		{"http://localhost:4000/jwks", true, ""},
		{"http://acme.localhost:4000/jwks", true, ""},
		{"http://127.0.0.1:4000/jwks", true, ""},
		{"http://[::1]:4000/jwks", true, ""},
		{"https://localhost:4000/jwks", true, ""},
		{"http://localhost:4000/jwks", false, "Use an https:// URL; plain http is accepted only for localhost in development."},
		{"https://localhost:4000/jwks", false, "This URL names this server (localhost), which is fetched only in development."},
		{"https://127.0.0.1/jwks", false, "This URL names this server (127.0.0.1), which is fetched only in development."},
		{"http://issuer.example/jwks", true, "Use an https:// URL; plain http is accepted only for localhost in development."},
		{"http://10.0.0.1/jwks", true, "Use an https:// URL; plain http is accepted only for localhost in development."},
		{"https://169.254.169.254/latest/meta-data", false, "This URL names 169.254.169.254, a link-local address, which is never fetched."},
		{"https://[fd00::1]/jwks", true, "This URL names fd00::1, a private address, which is never fetched."},
		{"https://user:pw@issuer.example/jwks", false, "Leave the user name and password out of the URL."},
		{"https://issuer.example/jwks#x", false, "Leave the #fragment out of the URL."},
		{"https://issuer.example/jwks#", false, "Leave the #fragment out of the URL."},
		{"issuer.example/jwks", false, "Enter a full URL, like https://example.auth0.com/.well-known/jwks.json."},
		{"https://:443/jwks", false, "Enter a full URL, like https://example.auth0.com/.well-known/jwks.json."},
		{"https:issuer.example", false, "Enter a full URL, like https://example.auth0.com/.well-known/jwks.json."},
		{"https://issuer.example/j wks", false, "A URL cannot contain spaces or control characters."},
		{"gopher://issuer.example/", false, "Use an https:// URL."},
		{"https://issuer.example/" + strings.Repeat("a", 2048), false, "Use a URL of at most 2048 characters."},
	} {
		if got := errText(ValidateURL(tc.url, tc.dev)); got != tc.want {
			t.Errorf("ValidateURL(%q, %v) = %q, want %q", tc.url, tc.dev, got, tc.want)
		}
	}
}
