// Package config reads helpcenter's settings from the environment (SPEC
// section 2) and validates them all at once, so an operator sees every
// problem in one start-up attempt rather than one per restart.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"helpcenter/models"
)

// Config is the validated process configuration.
type Config struct {
	Addr           string
	BaseURL        *url.URL
	Database       string
	SecretKey      string // empty: load or generate data/secret.key
	Demo           bool
	TrustedProxies []*net.IPNet
	// EventRetention is how long SSO events are kept for the Logs view.
	EventRetention time.Duration
	// Limits are the per-client-IP limits of HELPCENTER_LIMITS.
	Limits Limits
	// DNSServer (host:port) answers custom domains' TXT lookups; "" is the
	// system's resolver.
	DNSServer string
	// SMTP is where mail goes (HELPCENTER_SMTP_URL); nil writes each mail
	// to the log instead.
	SMTP *url.URL
	// MailFrom is the From of every mail.
	MailFrom string
	// MetricsToken, when set, is the Bearer token GET /metrics requires.
	MetricsToken string
}

// Limit is N events per Per; N = 0 turns it off.
type Limit struct {
	N   int
	Per time.Duration
}

// Limits are the per-client-IP limits (SPEC section 2): what they count is
// SPEC section 3's rule.
type Limits struct {
	SSO, Gate, Password, Widget Limit
}

// DefaultLimits is HELPCENTER_LIMITS unset.
var DefaultLimits = Limits{
	SSO: Limit{30, time.Minute}, Gate: Limit{60, time.Minute}, Password: Limit{10, time.Minute}, Widget: Limit{120, time.Minute},
}

// parseLimits reads "sso=30/m,gate=60/m,password=10/m,widget=120/m"; any
// subset may be given, the rest keep their defaults.
func parseLimits(v string) (Limits, error) {
	l := DefaultLimits
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, rate, ok := strings.Cut(part, "=")
		n, per, okPer := strings.Cut(strings.TrimSpace(rate), "/")
		count, err := strconv.Atoi(strings.TrimSpace(n))
		units := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}
		unit, okUnit := units[strings.TrimSpace(per)]
		if rate == "0" {
			count, unit, okPer, okUnit, err = 0, time.Minute, true, true, nil
		}
		if !ok || !okPer || !okUnit || err != nil || count < 0 {
			return l, fmt.Errorf("HELPCENTER_LIMITS entry %q must be name=N/m (or /s, /h), or name=0 to turn it off", part)
		}
		target := map[string]*Limit{"sso": &l.SSO, "gate": &l.Gate, "password": &l.Password, "widget": &l.Widget}[strings.TrimSpace(name)]
		if target == nil {
			return l, fmt.Errorf("HELPCENTER_LIMITS names %q; the limits are sso, gate, password and widget", strings.TrimSpace(name))
		}
		*target = Limit{count, unit}
	}
	return l, nil
}

// BaseHost is the console's host name, lower-cased and without port.
func (c *Config) BaseHost() string { return strings.ToLower(c.BaseURL.Hostname()) }

// Secure reports whether cookies must carry the Secure attribute.
func (c *Config) Secure() bool { return c.BaseURL.Scheme == "https" }

// Development reports whether the base URL is plain http on a loopback
// name: then, and only then, JWKS URLs on this machine may be fetched.
func (c *Config) Development() bool {
	h := c.BaseHost()
	return c.BaseURL.Scheme == "http" && (h == "localhost" || strings.HasSuffix(h, ".localhost") || h == "127.0.0.1" || h == "::1")
}

// SiteURL is the root URL of the help center on its canonical host: the
// verified custom domain (with the base URL's scheme and port), else its
// subdomain.
func (c *Config) SiteURL(hc *models.HelpCenter) string {
	domain := hc.CanonicalDomain()
	if domain == "" {
		return c.HelpCenterURL(hc.Subdomain)
	}
	u := *c.BaseURL
	u.Host = domain
	if port := c.BaseURL.Port(); port != "" {
		u.Host += ":" + port
	}
	return u.String()
}

// HelpCenterURL is the root URL of the help center with the given subdomain.
func (c *Config) HelpCenterURL(subdomain string) string {
	u := *c.BaseURL
	u.Host = subdomain + "." + c.BaseURL.Host
	u.Path = ""
	return u.String()
}

// ConsoleURL is the console's root URL, without a trailing slash.
func (c *Config) ConsoleURL() string {
	u := *c.BaseURL
	u.Path = ""
	return u.String()
}

// Load reads the configuration through getenv (os.Getenv in production, a
// map in tests). The returned error lists one line per problem.
func Load(getenv func(string) string) (*Config, error) {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}

	c := &Config{
		Addr:      get("HELPCENTER_ADDR", ":8080"),
		Database:  get("HELPCENTER_DATABASE", "sqlite:data/helpcenter.db"),
		SecretKey: getenv("HELPCENTER_SECRET_KEY"),
	}

	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		fail("HELPCENTER_ADDR %q is not a listen address like :8080 or 127.0.0.1:8080", c.Addr)
	}

	raw := get("HELPCENTER_BASE_URL", "http://localhost:8080")
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		fail("HELPCENTER_BASE_URL %q must be an absolute http or https URL such as https://helpcenter.example.com", raw)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "", u.User != nil:
		fail("HELPCENTER_BASE_URL %q must be a bare origin: no path, query, fragment or credentials", raw)
	case net.ParseIP(u.Hostname()) != nil:
		fail("HELPCENTER_BASE_URL %q must use a host name, not an IP address: help centers live on its subdomains", raw)
	default:
		u.Path = ""
		u.Host = strings.ToLower(u.Host)
		c.BaseURL = u
	}

	switch {
	case strings.HasPrefix(c.Database, "sqlite:"):
		if strings.TrimPrefix(c.Database, "sqlite:") == "" {
			fail("HELPCENTER_DATABASE %q names no file; use sqlite:PATH", c.Database)
		}
	case strings.HasPrefix(c.Database, "postgres://"), strings.HasPrefix(c.Database, "postgresql://"):
	default:
		fail("HELPCENTER_DATABASE must be sqlite:PATH or a postgres:// URL")
	}

	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		fail("HELPCENTER_SECRET_KEY is %d characters; it needs at least 32 (for example: openssl rand -base64 32)", len(c.SecretKey))
	}

	switch v := strings.ToLower(get("HELPCENTER_DEMO", "")); v {
	case "", "0", "false", "off", "no":
	case "1", "true", "on", "yes":
		c.Demo = true
	default:
		fail("HELPCENTER_DEMO %q must be 1 or 0", v)
	}

	if v := get("HELPCENTER_TRUSTED_PROXIES", ""); v != "" {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			cidr := part
			if ip := net.ParseIP(part); ip != nil {
				// A bare address is a network of one.
				cidr = ip.String() + "/128"
				if ip.To4() != nil {
					cidr = ip.String() + "/32"
				}
			}
			_, n, err := net.ParseCIDR(cidr)
			if err != nil {
				fail("HELPCENTER_TRUSTED_PROXIES entry %q is not an address or a CIDR like 10.0.0.0/8", part)
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, n)
		}
	}

	c.EventRetention = 90 * 24 * time.Hour
	if v := get("HELPCENTER_EVENT_RETENTION", ""); v != "" {
		d, err := parseDays(v)
		if err != nil || d < time.Hour {
			fail("HELPCENTER_EVENT_RETENTION %q must be a duration of at least an hour, like 90d or 720h", v)
		} else {
			c.EventRetention = d
		}
	}

	if c.DNSServer = get("HELPCENTER_DNS_SERVER", ""); c.DNSServer != "" {
		if _, _, err := net.SplitHostPort(c.DNSServer); err != nil {
			fail("HELPCENTER_DNS_SERVER %q must be host:port, like 127.0.0.1:53", c.DNSServer)
		}
	}

	if v := get("HELPCENTER_SMTP_URL", ""); v != "" {
		u, err := url.Parse(v)
		switch {
		case err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "":
			fail("HELPCENTER_SMTP_URL must be smtp://user:pass@host:port (STARTTLS when offered) or smtps://user:pass@host:port")
		case u.Port() != "" && !validPort(u.Port()):
			fail("HELPCENTER_SMTP_URL has port %q; a port is a number from 1 to 65535", u.Port())
		default:
			c.SMTP = u
		}
	}
	host := "localhost"
	if c.BaseURL != nil {
		host = c.BaseHost()
	}
	c.MailFrom = get("HELPCENTER_MAIL_FROM", "helpcenter <no-reply@"+host+">")
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		fail("HELPCENTER_MAIL_FROM %q is not an address like helpcenter <no-reply@example.com>", c.MailFrom)
	}

	c.MetricsToken = get("HELPCENTER_METRICS_TOKEN", "")
	if t := c.MetricsToken; t != "" && len(t) < 16 {
		fail("HELPCENTER_METRICS_TOKEN is %d characters; use at least 16 (e.g. openssl rand -hex 16)", len(t))
	}

	c.Limits = DefaultLimits
	if v := get("HELPCENTER_LIMITS", ""); v != "" {
		if c.Limits, err = parseLimits(v); err != nil {
			fail("%s", err.Error())
		}
	}

	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return c, nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// parseDays reads a Go duration, or a whole number of days written "90d".
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("bad number of days %q", n)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
