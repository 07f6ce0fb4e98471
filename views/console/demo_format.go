package console

import "net/url"

func sampleURL(p DemoPartnerPage, u DemoUser) string {
	return "/demo/partner/login?" + url.Values{"subdomain": {p.Subdomain}, "key": {p.Key}, "sample": {u.Email}}.Encode()
}
