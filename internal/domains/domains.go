// Package domains verifies that a company holds the custom domain it
// gives its help center (SPEC section 10): the TXT record
// _helpcenter.<domain> must hold the help center's token. Without that
// check anyone could claim another company's domain. The console's
// "Verify" button and `helpcenter domain verify` both call Verify.
package domains

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"time"

	"helpcenter/models"
)

// Resolver looks up TXT records.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// NewResolver is the system's resolver, or, when server ("host:port") is
// set (HELPCENTER_DNS_SERVER), one that asks that server over UDP.
func NewResolver(server string) Resolver {
	if server == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", server)
	}}
}

// Store records a verified domain.
type Store interface {
	MarkDomainVerified(ctx context.Context, helpCenterID int64, domain, token string) error
}

// lookupTimeout bounds one verification: a DNS server that does not answer
// must not hold the admin's request.
const lookupTimeout = 5 * time.Second

// Verify looks up the help center's TXT record and, when it holds the
// token, marks the domain verified. Otherwise the error is a
// models.Problem that says what was found and what to publish.
func Verify(ctx context.Context, r Resolver, st Store, hc *models.HelpCenter) error {
	if hc.CustomDomain == "" {
		return models.Problem("Set a custom domain first, then publish its TXT record.")
	}
	name, want := hc.DomainRecord(), hc.DomainToken
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	records, err := r.LookupTXT(ctx, name)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound, err == nil && len(records) == 0:
		return models.Problemf("There is no TXT record at %s yet. Publish one holding %s at your DNS provider; "+
			"a new record can take a few minutes to show.", name, want)
	case err != nil:
		return models.Problemf("The DNS lookup of %s failed (%s). Try again in a minute.", name, lookupError(err))
	}
	for i := range records {
		records[i] = strings.TrimSpace(records[i])
	}
	if !slices.Contains(records, want) {
		return models.Problemf("The TXT record at %s holds %s, not %s. Change it to the value shown here.",
			name, strings.Join(quoteAll(records), ", "), want)
	}
	return st.MarkDomainVerified(ctx, hc.ID, hc.CustomDomain, want)
}

func lookupError(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsTimeout {
			return "no answer in time"
		}
		return dnsErr.Err
	}
	return err.Error()
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = `"` + s + `"`
	}
	return out
}
