package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.BaseURL.String() != "http://localhost:8080" || c.Database != "sqlite:data/helpcenter.db" || c.Demo || c.Secure() {
		t.Fatalf("defaults: %+v", c)
	}
	if got := c.HelpCenterURL("acme"); got != "http://acme.localhost:8080" {
		t.Fatalf("help center URL %q", got)
	}
}

func TestEveryProblemReportedAtOnce(t *testing.T) {
	_, err := Load(env(map[string]string{
		"HELPCENTER_ADDR":            "8080",
		"HELPCENTER_BASE_URL":        "localhost:8080/app",
		"HELPCENTER_DATABASE":        "mysql://x",
		"HELPCENTER_SECRET_KEY":      "short",
		"HELPCENTER_DEMO":            "maybe",
		"HELPCENTER_TRUSTED_PROXIES": "10.0.0.0/8, not-a-cidr",
	}))
	if err == nil {
		t.Fatal("bad config accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	for _, want := range []string{"HELPCENTER_ADDR", "HELPCENTER_BASE_URL", "HELPCENTER_DATABASE", "HELPCENTER_SECRET_KEY", "HELPCENTER_DEMO", "not-a-cidr"} {
		found := false
		for _, l := range lines {
			if strings.Contains(l, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no line about %s in:\n%s", want, err)
		}
	}
	if len(lines) != 6 {
		t.Errorf("want one line per problem, got %d:\n%s", len(lines), err)
	}
}

func TestBaseURLRules(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://help.example.com":      true,
		"https://Help.Example.com/":     true,
		"http://localhost:9000":         true,
		"ftp://help.example.com":        false,
		"https://help.example.com/path": false,
		"https://127.0.0.1:8080":        false,
		"https://u:p@help.example.com":  false,
	} {
		c, err := Load(env(map[string]string{"HELPCENTER_BASE_URL": raw}))
		if (err == nil) != ok {
			t.Errorf("%s: err %v", raw, err)
		}
		if ok && c.BaseHost() != strings.ToLower(c.BaseURL.Hostname()) {
			t.Errorf("%s: base host %q", raw, c.BaseHost())
		}
	}
}

func TestTrustedProxiesAndDemo(t *testing.T) {
	c, err := Load(env(map[string]string{"HELPCENTER_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7 ,::1", "HELPCENTER_DEMO": "1", "HELPCENTER_BASE_URL": "https://hc.example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 3 || c.TrustedProxies[1].String() != "192.0.2.7/32" || !c.Demo || !c.Secure() {
		t.Fatalf("%+v", c)
	}
}

func TestEventRetention(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 90 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "36h": 36 * time.Hour} {
		c, err := Load(env(map[string]string{"HELPCENTER_EVENT_RETENTION": v}))
		if err != nil || c.EventRetention != want {
			t.Errorf("%q: %v %v", v, c, err)
		}
	}
	for _, v := range []string{"forever", "10m", "-3d"} {
		if _, err := Load(env(map[string]string{"HELPCENTER_EVENT_RETENTION": v})); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}

func TestTrustedProxyErrorNamesWhatWasTyped(t *testing.T) {
	_, err := Load(env(map[string]string{"HELPCENTER_TRUSTED_PROXIES": "bad"}))
	if err == nil || !strings.Contains(err.Error(), `entry "bad"`) {
		t.Fatalf("%v", err)
	}
}

func TestLimits(t *testing.T) {
	for v, want := range map[string]Limits{
		"":                   DefaultLimits,
		"sso=100/m":          {SSO: Limit{100, time.Minute}, Gate: DefaultLimits.Gate, Password: DefaultLimits.Password, Widget: DefaultLimits.Widget},
		"gate=0, widget=5/s": {SSO: DefaultLimits.SSO, Gate: Limit{0, time.Minute}, Password: DefaultLimits.Password, Widget: Limit{5, time.Second}},
	} {
		cfg, err := Load(func(k string) string {
			if k == "HELPCENTER_LIMITS" {
				return v
			}
			return ""
		})
		if err != nil || cfg.Limits != want {
			t.Errorf("HELPCENTER_LIMITS=%q: %+v %v", v, cfg.Limits, err)
		}
	}
	for _, v := range []string{"sso=30", "sso=x/m", "sso=30/d", "login=3/m", "sso=-1/m"} {
		if _, err := Load(func(k string) string {
			if k == "HELPCENTER_LIMITS" {
				return v
			}
			return ""
		}); err == nil || !strings.Contains(err.Error(), "HELPCENTER_LIMITS") {
			t.Errorf("HELPCENTER_LIMITS=%q accepted: %v", v, err)
		}
	}
}
