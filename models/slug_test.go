package models

import (
	"strings"
	"testing"
)

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Reset your password", "reset-your-password"},
		{"  Hello,   World!  ", "hello-world"},
		{"Café crème brûlée", "cafe-creme-brulee"},
		{"Straße & Æsir", "strasse-and-aesir"},
		{"Łódź — Ørsted", "lodz-orsted"},
		{"SSO: jwt_expired?", "sso-jwt-expired"},
		{"already-a-slug", "already-a-slug"},
		{"Version 2.0 (beta)", "version-2-0-beta"},
		{"ﬁle ①", "file-1"},
		{"こんにちは", ""},
		{"---", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Slugify(tt.in); got != tt.want {
				t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	long := Slugify(strings.Repeat("word ", 40))
	if len(long) > MaxSlugLength || strings.HasSuffix(long, "-") {
		t.Errorf("long slug %q (%d bytes)", long, len(long))
	}
}
