package sso

import (
	"strings"
	"testing"

	"helpcenter/models"
)

func TestValidateURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want string // "" = accepted; else a fragment of the message
	}{
		{"https://app.example.com/login", ""},
		{"https://app.example.com:8443/login?x=1", ""},
		{"HTTPS://APP.EXAMPLE.COM/login", ""},
		{"http://localhost:3000/login", ""},
		{"http://acme.localhost/login", ""},
		{"http://127.0.0.1:9000/sso", ""},
		{"http://[::1]:9000/sso", ""},
		{"http://app.example.com/login", "plain http"},
		{"http://localhost.evil.test/login", "plain http"},
		{"http://127.0.0.2/login", "plain http"},
		{"ftp://app.example.com/", "https://"},
		{"javascript:alert(1)", "full URL"},
		{"/relative/login", "full URL"},
		{"app.example.com/login", "full URL"},
		{"https://user:pw@app.example.com/", "user name"},
		{"https://app.example.com@evil.test/", "user name"},
		{"https://app.example.com/login#top", "fragment"},
		{"https://app.example.com/login#", "fragment"},
		{"https://app.example.com/log in", "spaces"},
		{"https://app.example.com:99999/", "port"},
		{"https://" + strings.Repeat("a", 2050) + ".com/", "at most"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			err := ValidateURL(tc.url)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatal("accepted")
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("message %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := models.SSOSettings{LoginURL: "https://app.example.com/login", TokenTTL: 300, SessionLength: models.DefaultSessionLength}
	secret := strings.Repeat("s", 32)
	for _, tc := range []struct {
		name        string
		edit        func(*models.SSOSettings)
		secret      string
		secretSaved bool
		field       string // "" = valid
	}{
		{"valid with a new secret", nil, secret, false, ""},
		{"valid keeping the saved secret", nil, "", true, ""},
		{"secret required the first time", nil, "", false, FieldSecret},
		{"secret too short", nil, secret[:31], true, FieldSecret},
		{"secret with a trailing newline", nil, secret + "\n", true, FieldSecret},
		{"login URL required", func(s *models.SSOSettings) { s.LoginURL = "" }, secret, false, FieldLoginURL},
		{"login URL http", func(s *models.SSOSettings) { s.LoginURL = "http://app.example.com" }, secret, false, FieldLoginURL},
		{"logout URL optional", func(s *models.SSOSettings) { s.LogoutURL = "" }, secret, false, ""},
		{"logout URL with userinfo", func(s *models.SSOSettings) { s.LogoutURL = "https://a@b.example" }, secret, false, FieldLogoutURL},
		{"TTL too short", func(s *models.SSOSettings) { s.TokenTTL = 29 }, secret, false, FieldTokenTTL},
		{"TTL lowest", func(s *models.SSOSettings) { s.TokenTTL = 30 }, secret, false, ""},
		{"TTL highest", func(s *models.SSOSettings) { s.TokenTTL = 3600 }, secret, false, ""},
		{"TTL too long", func(s *models.SSOSettings) { s.TokenTTL = 3601 }, secret, false, FieldTokenTTL},
		{"issuer too long", func(s *models.SSOSettings) { s.Issuer = strings.Repeat("i", 257) }, secret, false, FieldIssuer},
		{"audience with a control character", func(s *models.SSOSettings) { s.Audience = "a\x00b" }, secret, false, FieldAudience},
		{"session 5 minutes", func(s *models.SSOSettings) { s.SessionLength = 300 }, secret, false, ""},
		{"session 30 days", func(s *models.SSOSettings) { s.SessionLength = 30 * 86400 }, secret, false, ""},
		{"session 4 minutes", func(s *models.SSOSettings) { s.SessionLength = 240 }, secret, false, FieldSessionLength},
		{"session 31 days", func(s *models.SSOSettings) { s.SessionLength = 31 * 86400 }, secret, false, FieldSessionLength},
		{"allowed domains", func(s *models.SSOSettings) { s.AllowedDomains = "example.com\nacme.test" }, secret, false, ""},
		{"allowed domain not a domain", func(s *models.SSOSettings) { s.AllowedDomains = "example.com\nnot a domain" }, secret, false, FieldAllowedDomains},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			if tc.edit != nil {
				tc.edit(&s)
			}
			errs := ValidateSettings(s, tc.secret, tc.secretSaved)
			if tc.field == "" && errs.Any() {
				t.Fatalf("refused: %v", errs)
			}
			if tc.field != "" && (len(errs) != 1 || errs[tc.field] == "") {
				t.Fatalf("errors %v, want exactly one on %s", errs, tc.field)
			}
			for _, msg := range errs {
				if strings.Contains(msg, secret[:31]) {
					t.Fatalf("a message repeats the secret: %q", msg)
				}
			}
		})
	}
}

func TestChangesNeverNameTheSecret(t *testing.T) {
	prev := models.SSOSettings{LoginURL: "https://a.example/login", TokenTTL: 300, Issuer: "old"}
	next := models.SSOSettings{LoginURL: "https://b.example/login", TokenTTL: 600, AllowUnsolicited: true}
	got := strings.Join(SettingsChanges(prev, next, true), "; ")
	want := `Login URL set to "https://b.example/login"; Issuer cleared; Token TTL set to 600 s; Sign-in started from your app allowed; Shared secret replaced`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if SettingsChanges(prev, prev, false) != nil {
		t.Fatal("no change should describe nothing")
	}
}

func TestSessionLengthAndDomainFields(t *testing.T) {
	for in, want := range map[string]int{"90m": 5400, "12h": 43200, " 7D ": 604800, "5m": 300} {
		if got, err := ParseSessionLength(in); err != nil || got != want {
			t.Errorf("ParseSessionLength(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if got, err := ParseSessionLength("  "); err != nil || got != models.DefaultSessionLength {
		t.Errorf("blank: %d, %v", got, err)
	}
	for _, in := range []string{"12", "h", "-1h", "1.5h", "12 hours"} {
		if _, err := ParseSessionLength(in); err == nil {
			t.Errorf("ParseSessionLength(%q) accepted", in)
		}
	}
	for sec, want := range map[int]string{43200: "12h", 86400 * 7: "7d", 5400: "90m", 300: "5m"} {
		if got := FormatSessionLength(sec); got != want {
			t.Errorf("FormatSessionLength(%d) = %q, want %q", sec, got, want)
		}
	}
	got, err := ParseDomainList(" Example.COM \n\n@acme.test\nexample.com\r")
	if err != nil || got != "example.com\nacme.test" {
		t.Fatalf("ParseDomainList = %q, %v", got, err)
	}
	for _, bad := range []string{"localhost", "exa mple.com", "-x.com", "a..com", "bücher.de", "x.com/path"} {
		if _, err := ParseDomainList(bad); err == nil || !strings.Contains(err.Error(), "Line 1") {
			t.Errorf("ParseDomainList(%q) = %v", bad, err)
		}
	}
	if got := DomainList(""); got != nil {
		t.Errorf("DomainList of nothing = %v", got)
	}
}
