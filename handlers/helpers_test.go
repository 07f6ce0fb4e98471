package handlers_test

import (
	"net/http"
	"net/http/cookiejar"

	"helpcenter/internal/accounts"
)

func newJar() (http.CookieJar, error) { return cookiejar.New(nil) }

func accountsHash(p string) (string, error) { return accounts.HashPassword(p) }
