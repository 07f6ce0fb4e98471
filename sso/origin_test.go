package sso

import "testing"

func TestNormalizeOrigin(t *testing.T) {
	ok := map[string]string{
		"https://app.example.com":       "https://app.example.com",
		"HTTPS://App.Example.COM/":      "https://app.example.com",
		"https://app.example.com:443":   "https://app.example.com",
		"https://app.example.com:8443":  "https://app.example.com:8443",
		"http://localhost:3000":         "http://localhost:3000",
		"http://localhost:80":           "http://localhost",
		"http://dev.acme.localhost":     "http://dev.acme.localhost",
		"http://127.0.0.1:8080":         "http://127.0.0.1:8080",
		"http://[::1]:9000":             "http://[::1]:9000",
		"https://[2001:db8::1]":         "https://[2001:db8::1]",
		"https://xn--bcher-kva.example": "https://xn--bcher-kva.example",
	}
	for in, want := range ok {
		if got, err := NormalizeOrigin(in); err != nil || got != want {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "app.example.com", "http://app.example.com", "ftp://app.example.com", "https://app.example.com/path",
		"https://app.example.com?x=1", "https://app.example.com?", "https://app.example.com#top", "https://user:pw@app.example.com",
		"https://*.example.com", "https://app.example.com:0", "https://app.example.com:70000", "https://app .example.com",
		"https://bücher.example", "null", "https://app.example.com.", "http://127.0.0.2", "javascript:alert(1)",
	} {
		if got, err := NormalizeOrigin(in); err == nil {
			t.Errorf("NormalizeOrigin(%q) = %q, want an error", in, got)
		}
	}
}
