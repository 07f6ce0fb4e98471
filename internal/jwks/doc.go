// Package jwks serves the keys published at the JWKS URLs admins add
// (SPEC section 9), behind web.JWKS.
//
// A JWKS is fetched through the SSRF-safe client (internal/safehttp) with
// its 5 s timeout, and cached by URL for five minutes. A token whose kid
// the cached keys lack — the issuer rotated — fetches it again, but at
// most once a minute per URL whatever the kids: a stranger sending random
// kids must not make us hammer the issuer, nor make every sign-in wait
// for it. A fetch that fails keeps the keys fetched before, so an
// issuer's hiccup signs nobody out, and is remembered for a while, so a
// JWKS that is down costs one timeout per backoff rather than one per
// sign-in. Callers asking for one URL at once share one fetch.
//
// The cache reads the clock only through Options.Now.
package jwks
