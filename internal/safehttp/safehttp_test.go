package safehttp

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestForbiddenAddresses(t *testing.T) {
	t.Parallel()
	strict, dev := New(Options{}), New(Options{AllowLoopback: true})
	for _, tc := range []struct {
		ip      string
		why     string // "" = allowed
		devWhy  string
		devSame bool
	}{
		{ip: "93.184.216.34"},
		{ip: "2606:2800:220:1:248:1893:25c8:1946"},
		{ip: "127.0.0.1", why: "loopback", devWhy: ""},
		{ip: "::1", why: "loopback", devWhy: ""},
		{ip: "::ffff:127.0.0.1", why: "loopback", devWhy: ""},
		{ip: "10.1.2.3", why: "private", devSame: true},
		{ip: "172.16.0.1", why: "private", devSame: true},
		{ip: "192.168.1.1", why: "private", devSame: true},
		{ip: "::ffff:192.168.1.1", why: "private", devSame: true},
		{ip: "fd00::1", why: "private", devSame: true},
		{ip: "169.254.169.254", why: "link-local", devSame: true},
		{ip: "fe80::1", why: "link-local", devSame: true},
		{ip: "239.1.2.3", why: "multicast", devSame: true},
		{ip: "ff02::1", why: "link-local", devSame: true},
		{ip: "0.0.0.0", why: "unspecified", devSame: true},
		{ip: "::", why: "unspecified", devSame: true},
		{ip: "0.1.2.3", why: "reserved", devSame: true},
		{ip: "100.64.0.1", why: "reserved", devSame: true},
		{ip: "192.0.0.8", why: "reserved", devSame: true},
		{ip: "198.18.0.1", why: "reserved", devSame: true},
		{ip: "240.0.0.1", why: "reserved", devSame: true},
		{ip: "255.255.255.255", why: "broadcast", devSame: true},
		{ip: "64:ff9b::a00:1", why: "reserved", devSame: true},
		{ip: "2002:a00:1::", why: "reserved", devSame: true},
	} {
		t.Run(tc.ip, func(t *testing.T) {
			ip := netip.MustParseAddr(tc.ip)
			check := func(c *Client, want string) {
				t.Helper()
				got := c.forbidden(ip)
				if (want == "") != (got == "") || !strings.Contains(got, want) {
					t.Errorf("forbidden(%s) = %q, want %q", tc.ip, got, want)
				}
			}
			check(strict, tc.why)
			if tc.devSame {
				check(dev, tc.why)
			} else {
				check(dev, tc.devWhy)
			}
		})
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

func TestLoopbackOnlyInDevelopment(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"keys":[]}`)) }))
	defer srv.Close()
	ctx := context.Background()
	if _, err := New(Options{}).Get(ctx, srv.URL, 1024); err == nil || !strings.Contains(err.Error(), "localhost in development") {
		t.Fatalf("http to loopback without development: %v", err)
	}
	https := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer https.Close()
	if _, err := New(Options{}).Get(ctx, https.URL, 1024); err == nil || !strings.Contains(err.Error(), "loopback address") {
		t.Fatalf("https to loopback without development: %v", err)
	}
	body, err := New(Options{AllowLoopback: true}).Get(ctx, srv.URL, 1024)
	if err != nil || string(body) != `{"keys":[]}` {
		t.Fatalf("development: %q %v", body, err)
	}
	if _, err := New(Options{AllowLoopback: true}).Get(ctx, srv.URL, 4); err == nil || !strings.Contains(err.Error(), "longer than 4 bytes") {
		t.Fatalf("body limit: %v", err)
	}
}

// A name that resolves inside is refused before connecting, with the
// name and address in the error; so is a redirect to such a place, and
// the socket check catches what a lookup could miss.
func TestResolvedAndRedirectedAddressesAreChecked(t *testing.T) {
	t.Parallel()
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("secret")) }))
	defer inside.Close()
	_, port, _ := net.SplitHostPort(inside.Listener.Addr().String())
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}))
	defer redirector.Close()
	resolver := tableResolver{
		"metadata.example": {netip.MustParseAddr("169.254.169.254")},
		"mixed.example":    {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.0.0.1")},
		"localhost":        {netip.MustParseAddr("127.0.0.1")},
	}
	c := New(Options{AllowLoopback: true, Resolver: resolver, Timeout: 2 * time.Second})
	ctx := context.Background()
	for _, tc := range []struct{ url, want string }{
		{"https://metadata.example/latest", "metadata.example resolves to 169.254.169.254, a link-local address"},
		{"https://mixed.example/jwks", "mixed.example resolves to 10.0.0.1, a private address"},
		{"https://10.0.0.1/jwks", "10.0.0.1 is a private address"},
		{"https://[::ffff:a9fe:a9fe]/", "169.254.169.254 is a link-local address"},
		{redirector.URL + "/?to=" + "https://metadata.example/latest", "metadata.example resolves to 169.254.169.254"},
		{redirector.URL + "/?to=" + "http://192.168.0.1:" + port + "/", "localhost in development"},
		{redirector.URL + "/?to=" + "https://192.168.0.1:" + port + "/", "192.168.0.1 is a private address"},
		{redirector.URL + "/?to=" + "file:///etc/passwd", `"file" URLs are not fetched`},
		{"ftp://example.com/", `"ftp" URLs are not fetched`},
	} {
		if _, err := c.Get(ctx, tc.url, 1024); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.url, err, tc.want)
		}
	}
	// The socket check alone: a dial that reaches a forbidden address by
	// any route is refused.
	if err := New(Options{}).control("tcp", "10.0.0.1:443", nil); err == nil {
		t.Error("control let a private address through")
	}
	// A redirect loop ends.
	loop := httptest.NewServer(nil)
	loop.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+r.URL.Path+"x", http.StatusFound)
	})
	defer loop.Close()
	if _, err := c.Get(ctx, loop.URL+"/", 1024); err == nil || !strings.Contains(err.Error(), "more than 3 redirects") {
		t.Errorf("redirect loop: %v", err)
	}
}

func TestSlowServerTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	_, err := New(Options{AllowLoopback: true, Timeout: 200 * time.Millisecond}).Get(context.Background(), srv.URL, 1024)
	if err == nil || !strings.Contains(err.Error(), "did not answer in time") {
		t.Fatalf("slow server: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the timeout took %s", d)
	}
}

func TestStatusIsAnError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	defer srv.Close()
	if _, err := New(Options{AllowLoopback: true}).Get(context.Background(), srv.URL, 1024); err == nil || err.Error() != "it answered 404 Not Found instead of 200" {
		t.Fatalf("404: %v", err)
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
		{"http://localhost:4000/jwks", true, ""},
		{"http://127.0.0.1:4000/jwks", true, ""},
		{"http://localhost:4000/jwks", false, "https"},
		{"http://issuer.example/jwks", true, "https"},
		{"https://user:pw@issuer.example/jwks", false, "user name"},
		{"https://issuer.example/jwks#x", false, "fragment"},
		{"issuer.example/jwks", false, "full URL"},
		{"https://issuer.example/j wks", false, "spaces"},
		{"gopher://issuer.example/", false, "https"},
	} {
		err := ValidateURL(tc.url, tc.dev)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ValidateURL(%q, %v) = %v, want %q", tc.url, tc.dev, err, tc.want)
		}
	}
}
