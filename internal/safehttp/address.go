package safehttp

import (
	"fmt"
	"net/netip"
	"strings"
)

// special are the ranges no outbound fetch may reach beyond those netip's
// predicates name (private, loopback, link-local, multicast,
// unspecified), each with the words an admin reads. They are the IANA
// special-purpose registries' blocks that are not globally reachable or
// that tunnel to an address we cannot see.
var special = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), `a "this network" address`},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (carrier-grade NAT) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a 6to4 relay address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("255.255.255.255/32"), "the broadcast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	// ::/96 holds the deprecated IPv4-compatible addresses (:: and ::1
	// are caught before by their own predicates).
	{netip.MustParsePrefix("::/96"), "an IPv4-compatible address"},
	// The local-use NAT64 prefix translates into a network of its
	// operator's choosing; only the well-known prefix (nat64, below) has a
	// fixed meaning we can check.
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local NAT64 address"},
	{netip.MustParsePrefix("100::/64"), "a discard address"},
	// Teredo and 6to4 tunnel to an IPv4 address the checks would not
	// see; both are deprecated, and no issuer is reached only that way.
	{netip.MustParsePrefix("2001::/32"), "a Teredo address"},
	{netip.MustParsePrefix("2001:2::/48"), "a benchmarking address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("2002::/16"), "a 6to4 address"},
	{netip.MustParsePrefix("3fff::/20"), "a documentation address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
}

// nat64 is the well-known NAT64 prefix (RFC 6052): 64:ff9b::a.b.c.d
// reaches a.b.c.d through the network's translator, so it is judged by
// the IPv4 address it embeds.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// forbidden says what ip is when it may not be fetched from ("a private
// address"), "" when it may. Loopback is allowed only with allowLoopback.
func forbidden(ip netip.Addr, allowLoopback bool) string {
	// An IPv4-mapped address (::ffff:a.b.c.d) connects to the IPv4
	// address, so it is that address which is judged.
	ip = ip.Unmap().WithZone("")
	if nat64.Contains(ip) {
		b := ip.As16()
		// Loopback through a translator is the translator's loopback,
		// never this machine's: refused even in development.
		if what := forbidden(netip.AddrFrom4([4]byte(b[12:])), false); what != "" {
			return what + " behind NAT64"
		}
		return ""
	}
	switch {
	case !ip.IsValid():
		return "no address"
	case ip.IsLoopback():
		if allowLoopback {
			return ""
		}
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "a link-local address"
	case ip.IsMulticast():
		return "a multicast address"
	case ip.IsUnspecified():
		return "the unspecified address"
	}
	for _, s := range special {
		if s.prefix.Contains(ip) {
			return s.what
		}
	}
	// Whatever the lists above forget and is not global unicast is
	// refused too: the rule is to fetch only from the public internet.
	if !ip.IsGlobalUnicast() {
		return "not a public address"
	}
	return ""
}

// addressError is a fetch refused because of where it would connect.
type addressError struct {
	host string // the name given, "" when it was an address
	addr netip.Addr
	what string
}

func (e *addressError) Error() string {
	never := "which is never fetched"
	if e.what == "a loopback address" {
		never = "which is fetched only in development"
	}
	if e.host == "" {
		return fmt.Sprintf("%s is %s, %s", e.addr, e.what, never)
	}
	return fmt.Sprintf("%s resolves to %s, %s, %s", e.host, e.addr, e.what, never)
}

// check is forbidden as an error: naming host, the name that resolved to
// ip, or the address alone when host is "".
func check(host string, ip netip.Addr, allowLoopback bool) error {
	if what := forbidden(ip, allowLoopback); what != "" {
		// The address as it connects: unmapped, without a zone.
		return &addressError{host: host, addr: ip.Unmap().WithZone(""), what: what}
	}
	return nil
}

// loopbackName reports whether host is a name that always means this
// machine: localhost and *.localhost (RFC 6761), or a loopback address.
func loopbackName(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.Unmap().IsLoopback()
}
