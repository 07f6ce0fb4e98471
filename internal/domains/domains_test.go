package domains

import (
	"context"
	"strings"
	"testing"
	"time"

	"helpcenter/internal/testdns"
	"helpcenter/models"
)

type marks struct{ got []string }

func (m *marks) MarkDomainVerified(_ context.Context, id int64, domain, token string) error {
	m.got = append(m.got, domain+" "+token)
	return nil
}

// Verification asks a real DNS server (in-process, on loopback) for the
// TXT record, as HELPCENTER_DNS_SERVER makes the product do.
func TestVerify(t *testing.T) {
	t.Parallel()
	dns := testdns.Start(t)
	r := NewResolver(dns.Addr)
	hc := &models.HelpCenter{ID: 7, CustomDomain: "help.acme.test", DomainToken: "helpcenter-verify-abc"}
	for _, tc := range []struct {
		name    string
		records []string
		problem string
	}{
		{"no record", nil, "There is no TXT record at _helpcenter.help.acme.test yet"},
		{"another value", []string{"helpcenter-verify-other"}, `holds "helpcenter-verify-other", not helpcenter-verify-abc`},
		{"the token among others", []string{"v=spf1 -all", "helpcenter-verify-abc"}, ""},
	} {
		dns.SetTXT("_helpcenter.help.acme.test", tc.records...)
		m := &marks{}
		err := Verify(context.Background(), r, m, hc)
		if tc.problem == "" {
			if err != nil || len(m.got) != 1 || m.got[0] != "help.acme.test helpcenter-verify-abc" {
				t.Errorf("%s: %v, marked %v", tc.name, err, m.got)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.problem) || len(m.got) != 0 {
			t.Errorf("%s: %v (marked %v), want a problem containing %q", tc.name, err, m.got, tc.problem)
		}
	}
	if err := Verify(context.Background(), r, &marks{}, &models.HelpCenter{}); err == nil {
		t.Error("a help center without a custom domain verified")
	}
}

// A DNS server that does not answer fails the check in bounded time.
func TestVerifyTimesOut(t *testing.T) {
	t.Parallel()
	r := NewResolver("127.0.0.1:9") // discard: nothing answers
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := Verify(ctx, r, &marks{}, &models.HelpCenter{CustomDomain: "help.acme.test", DomainToken: "t"})
	if err == nil || !strings.Contains(err.Error(), "failed") {
		t.Fatalf("%v", err)
	}
}
