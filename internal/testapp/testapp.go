// Package testapp starts the whole application for tests: real SQLite in
// a temporary directory, the real router with all its middleware, a
// pinned clock, and clients that reach any host (console, help-center
// subdomains, custom domains) on the test server. Only tests import it.
package testapp

import (
	"context"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"helpcenter/internal/accounts"
	"helpcenter/internal/app"
	"helpcenter/internal/config"
	"helpcenter/internal/secrets"
	"helpcenter/internal/testdb"
	"helpcenter/internal/testsmtp"
	"helpcenter/store"
)

// Clock is a settable clock shared by the app and the test.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the pinned time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// Start is the default pinned time for tests.
var Start = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// App is a running application.
type App struct {
	Config   *config.Config
	Store    *store.Store
	Accounts *accounts.Service
	Handler  http.Handler
	Clock    *Clock
	Server   *httptest.Server
	// Port is the server's port; BaseURL is http://localhost:<Port>.
	Port    string
	BaseURL string
	Logs    *LogBuffer
}

// Options adjust the app.
type Options struct {
	// Env overrides HELPCENTER_* variables (BASE_URL is set by New).
	Env map[string]string
	// Database, when set, is shared with another App instead of a fresh
	// one: several instances on one database.
	Database string
	// SMTP, when set, is where the app's mail goes (the in-process
	// server of internal/testsmtp).
	SMTP *testsmtp.Server
}

// New starts an app and stops it when the test ends.
func New(t testing.TB, opts ...Options) *App {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	env := map[string]string{
		"HELPCENTER_BASE_URL":   "http://localhost:" + port,
		"HELPCENTER_DATABASE":   testdb.DSN(t),
		"HELPCENTER_SECRET_KEY": "test-master-key-0123456789abcdefghijklmnop",
	}
	if o.Database != "" {
		env["HELPCENTER_DATABASE"] = o.Database
	}
	var smtpRoots *x509.CertPool
	if o.SMTP != nil {
		env["HELPCENTER_SMTP_URL"], smtpRoots = o.SMTP.URL, o.SMTP.Roots
	}
	for k, v := range o.Env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	keys, err := secrets.Derive(cfg.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	clock := NewClock(Start)
	logs := &LogBuffer{}
	a, err := app.Open(context.Background(), app.Options{
		Config: cfg, Keys: keys, Log: slog.New(slog.NewTextHandler(logs, nil)), Now: clock.Now,
		Intervals: app.Intervals{Purge: time.Hour, Checkpoint: 100 * time.Millisecond, RevocationSync: 100 * time.Millisecond, KeyUsage: 100 * time.Millisecond, Mail: 100 * time.Millisecond, Alerts: 100 * time.Millisecond, Webhooks: 100 * time.Millisecond},
		// Hashing at the product's cost would be most of the suite's time;
		// what the cost is, is tested in internal/accounts.
		PasswordCost: accounts.Cost{Time: 1, MemoryKiB: 64},
		SMTPRoots:    smtpRoots,
	})
	if err != nil {
		t.Fatalf("open the app: %v", err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, acc, h := a.Store, a.Accounts, a.Handler
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		if err := a.Stop(context.Background()); err != nil {
			t.Errorf("stop the app: %v", err)
		}
	})
	return &App{Config: cfg, Store: st, Accounts: acc, Handler: h, Clock: clock, Server: srv,
		Port: port, BaseURL: "http://localhost:" + port, Logs: logs}
}

// HelpCenterURL is http://<sub>.localhost:<port>.
func (a *App) HelpCenterURL(sub string) string { return a.Config.HelpCenterURL(sub) }

// LogBuffer collects the app's log lines so tests can assert what is
// (and is never) logged.
type LogBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *LogBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

// Client is a browser-like HTTP client: it keeps cookies per host, does not
// follow redirects (tests assert them), and sends every host to the app.
type Client struct {
	t    testing.TB
	app  *App
	HTTP *http.Client
	// IP, when set, is the X-Forwarded-For the client claims.
	Header http.Header
}

// Client returns a fresh client with an empty cookie jar.
func (a *App) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	addr := a.Server.Listener.Addr().String()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &Client{t: t, app: a, Header: http.Header{}, HTTP: &http.Client{
		Jar: jar, Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

// Do sends a request and reads the whole response.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	for k, v := range c.Header {
		req.Header[k] = v
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	return &Response{Response: res, Body: string(b)}
}

// Get fetches an absolute URL.
func (c *Client) Get(rawURL string) *Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.Do(req)
}

// PostForm posts form values as a browser would.
func (c *Client) PostForm(rawURL string, form url.Values) *Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// CSRF returns the form token on the page at rawURL (fetching it sets the
// CSRF cookie, as for a browser).
func (c *Client) CSRF(rawURL string) string {
	c.t.Helper()
	res := c.Get(rawURL)
	m := csrfInput.FindStringSubmatch(res.Body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s (status %d)", rawURL, res.StatusCode)
	}
	return m[1]
}

// Submit fetches the form page at pageURL for its CSRF token, then posts
// form (plus the token) to postURL.
func (c *Client) Submit(pageURL, postURL string, form url.Values) *Response {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", c.CSRF(pageURL))
	return c.PostForm(postURL, f)
}

// Cookie returns the named cookie the jar holds for rawURL, or nil.
func (c *Client) Cookie(rawURL, name string) *http.Cookie {
	u, _ := url.Parse(rawURL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// Signup creates a workspace through the signup form and returns a client
// signed in as its owner.
func (a *App) Signup(t testing.TB, email, password, name, subdomain string) *Client {
	t.Helper()
	c := a.Client(t)
	res := c.Submit(a.BaseURL+"/signup", a.BaseURL+"/signup", url.Values{
		"email": {email}, "password": {password}, "name": {name}, "subdomain": {subdomain},
	})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signup %s: status %d\n%s", subdomain, res.StatusCode, res.Body)
	}
	return c
}
