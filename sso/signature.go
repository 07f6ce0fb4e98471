package sso

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"helpcenter/models"
)

// signatureSizes are the signature lengths of the fixed-size algorithms,
// checked first so that the detail can say what is wrong with the shape
// (a DER-encoded ECDSA signature is the classic mistake).
var signatureSizes = map[string]struct {
	size int
	form string
}{
	models.AlgHS256: {32, "an HS256 signature is 32 bytes"},
	models.AlgES256: {64, "an ES256 signature is 64 bytes, R and S side by side (not ASN.1 DER)"},
	models.AlgEdDSA: {64, "an EdDSA signature is 64 bytes"},
}

// checkSignature is check 2 (jwt_invalid_signature). The header's alg must
// be the algorithm of a live key; the header's kid, when the keys know it,
// picks the key, and otherwise every live key of that algorithm without a
// kid of its own (or, with no kid in the header, every one) is tried. A
// key carried by the token itself (jwk, jku, x5u, x5c) is never read: the
// header names keys, it never supplies them. The key that verified is
// returned, for the event row and the key's usage.
func checkSignature(t *decodedToken, s Settings) (*Key, *Rejection) {
	keys := s.Keys
	rawAlg, ok := t.header["alg"]
	if !ok {
		return nil, reject(ReasonInvalidSignature, "the header has no alg; %s", acceptedAlgs(keys))
	}
	var alg string
	if rawAlg[0] != '"' || json.Unmarshal(rawAlg, &alg) != nil {
		return nil, reject(ReasonInvalidSignature, "header alg is %s; %s", excerpt(rawAlg), acceptedAlgs(keys))
	}
	kid, hasKID := "", false
	if rawKID, ok := t.header["kid"]; ok {
		if rawKID[0] != '"' || json.Unmarshal(rawKID, &kid) != nil {
			return nil, reject(ReasonInvalidSignature, "header kid is %s; a kid is a string", excerpt(rawKID))
		}
		hasKID = true
	}
	if hasKID && !slices.ContainsFunc(keys, func(k Key) bool { return k.KID == kid }) && s.Refresh != nil {
		keys = s.Refresh(kid)
	}
	if !slices.ContainsFunc(keys, func(k Key) bool { return k.Alg == alg }) {
		if strings.EqualFold(alg, "none") {
			return nil, reject(ReasonInvalidSignature, "header alg is %s: an unsigned token is never accepted; %s", quote(alg), acceptedAlgs(keys))
		}
		return nil, reject(ReasonInvalidSignature, "header alg is %s; %s%s", quote(alg), acceptedAlgs(keys), note(s))
	}

	var candidates []Key
	if hasKID {
		for _, k := range keys {
			if k.KID == kid {
				candidates = append(candidates, k)
			}
		}
		if len(candidates) > 0 && !slices.ContainsFunc(candidates, func(k Key) bool { return k.Alg == alg }) {
			return nil, reject(ReasonInvalidSignature, "header kid %s names the %s key %s, but header alg is %s", quote(kid), candidates[0].Alg, candidates[0].Name, quote(alg))
		}
	}
	kidKnown := len(candidates) > 0
	if !kidKnown {
		for _, k := range keys {
			if k.Alg == alg && (!hasKID || k.KID == "") {
				candidates = append(candidates, k)
			}
		}
	}
	if len(candidates) == 0 {
		return nil, reject(ReasonInvalidSignature, "header kid %s names no live key, and every live %s key has a kid of its own%s", quote(kid), alg, note(s))
	}
	if want, fixed := signatureSizes[alg]; fixed && len(t.signature) != want.size {
		return nil, reject(ReasonInvalidSignature, "the signature is %d bytes; %s", len(t.signature), want.form)
	}
	signed := t.raw[:strings.LastIndexByte(t.raw, '.')]
	for i := range candidates {
		if candidates[i].Alg == alg && candidates[i].verifies(signed, t.signature) {
			return &candidates[i], nil
		}
	}
	return nil, reject(ReasonInvalidSignature, "%s%s", mismatch(alg, candidates, hasKID && !kidKnown, kid), note(s))
}

// mismatch is the detail of a signature no candidate verified.
func mismatch(alg string, tried []Key, unknownKID bool, kid string) string {
	var b strings.Builder
	if unknownKID {
		fmt.Fprintf(&b, "header kid %s names no live key, so the keys without a kid were tried: ", quote(kid))
	}
	if len(tried) == 1 && alg == models.AlgHS256 {
		b.WriteString("the signature does not match: it is not the HMAC-SHA256 of the token's first two parts keyed with this help center's shared secret (as UTF-8 text)")
	} else if len(tried) == 1 {
		fmt.Fprintf(&b, "the signature does not verify with the %s key %s", alg, tried[0].Name)
	} else {
		names := make([]string, len(tried))
		for i, k := range tried {
			names[i] = k.Name
		}
		fmt.Fprintf(&b, "the signature verifies with none of the %d live %s keys (%s)", len(tried), alg, strings.Join(names, ", "))
	}
	return b.String()
}

// acceptedAlgs says which algorithms the live keys verify.
func acceptedAlgs(keys []Key) string {
	var algs []string
	for _, k := range keys {
		if !slices.Contains(algs, k.Alg) {
			algs = append(algs, k.Alg)
		}
	}
	switch len(algs) {
	case 0:
		return "this help center has no live key"
	case 1:
		return "only " + algs[0] + " is accepted (the algorithm of this help center's keys)"
	}
	slices.Sort(algs)
	return "accepted are " + strings.Join(algs, ", ") + " (the algorithms of this help center's live keys)"
}

// note adds why keys may be missing (a JWKS that could not be fetched).
func note(s Settings) string {
	if s.KeysNote == "" {
		return ""
	}
	return "; " + s.KeysNote
}
