// Package safehttp fetches URLs that an admin typed — JWKS URLs now,
// webhook targets later — without letting them reach into the network the
// product runs in (SSRF).
//
// An admin of any tenant can type any URL, so a fetch must never become a
// way to read the cloud metadata service, a database port or an internal
// dashboard. The rules:
//
//   - https only; plain http only to the loopback names (localhost,
//     *.localhost, 127.0.0.1, [::1]) and only in development, where the
//     issuer runs on the same machine;
//   - no private, loopback (but in development), link-local, multicast,
//     reserved or otherwise special address, nor an IPv4-mapped or NAT64
//     form of one. A name is resolved first and refused when any of its
//     addresses is forbidden, so the error names the culprit; then only
//     those checked addresses are dialled, and the socket checks the
//     address it connects to once more (net.Dialer.Control), so no DNS
//     answer that changes between lookups gets through;
//   - every redirect (at most 3) is held to the same rules;
//   - no proxy from the environment, whose address would hide the real
//     destination from these checks;
//   - a timeout on the whole fetch and a limit on the body.
//
// Errors are lower-case clauses about the remote side ("it answered 404
// Not Found instead of 200") for the caller to put after its own words;
// ValidateURL's are whole sentences for a form.
package safehttp
