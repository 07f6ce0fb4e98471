package handlers_test

import (
	"net/http"
	"net/http/cookiejar"
	"strconv"

	"helpcenter/internal/accounts"
)

func newJar() (http.CookieJar, error) { return cookiejar.New(nil) }

func accountsHash(p string) (string, error) { return accounts.DefaultCost.Hash(p) }

func strconvItoa(n int64) string { return strconv.FormatInt(n, 10) }
