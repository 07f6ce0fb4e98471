package sso

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxTokenBytes is the longest token accepted. It is checked before anything
// is decoded, so an enormous input costs one length comparison.
const MaxTokenBytes = 8192

// segmentEncoding is the only encoding of a token's parts we accept:
// unpadded base64url whose unused trailing bits are zero. Strict decoding
// refuses those bits; the alphabet scan in checkStructure refuses the line
// breaks that Go's decoder would otherwise skip. Together they make the
// encoding canonical: one token text per header, payload and signature.
var segmentEncoding = base64.RawURLEncoding.Strict()

// decodedToken is a token that passed check 1. Nothing in it is trusted yet:
// its signature is check 2.
type decodedToken struct {
	raw       string
	header    map[string]json.RawMessage
	payload   map[string]json.RawMessage
	signature []byte
}

// checkStructure is check 1 (jwt_malformed): the token's shape, judged on
// bytes and JSON syntax alone.
func checkStructure(token string) (*decodedToken, *Rejection) {
	if len(token) > MaxTokenBytes {
		return nil, reject(ReasonMalformed, "the token is %d bytes; at most %d are accepted", len(token), MaxTokenBytes)
	}
	if token == "" {
		return nil, reject(ReasonMalformed, "the token is empty")
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; !isBase64URL(c) && c != '.' {
			if c == '=' {
				return nil, reject(ReasonMalformed, "the token contains base64 padding '=' (at byte %d); its parts must be unpadded base64url", i)
			}
			return nil, reject(ReasonMalformed, "the token contains %q at byte %d; only base64url characters (A–Z, a–z, 0–9, '-', '_') and two dots are allowed", c, i)
		}
	}
	if dots := strings.Count(token, "."); dots != 2 {
		return nil, reject(ReasonMalformed, "the token has %d dots; a JWT is three parts joined by two (header.payload.signature)", dots)
	}
	headerPart, rest, _ := strings.Cut(token, ".")
	payloadPart, signaturePart, _ := strings.Cut(rest, ".")

	headerJSON, err := segmentEncoding.DecodeString(headerPart)
	if err != nil {
		return nil, reject(ReasonMalformed, "the header is not canonical unpadded base64url")
	}
	payloadJSON, err := segmentEncoding.DecodeString(payloadPart)
	if err != nil {
		return nil, reject(ReasonMalformed, "the payload is not canonical unpadded base64url")
	}
	signature, err := segmentEncoding.DecodeString(signaturePart)
	if err != nil {
		return nil, reject(ReasonMalformed, "the signature is not canonical unpadded base64url (are its last character's unused bits zero?)")
	}

	header, err := decodeObject(headerJSON)
	if err != nil {
		return nil, reject(ReasonMalformed, "the header is not a valid JSON object: %v", err)
	}
	// "crit" lists extensions the recipient must understand or refuse
	// (RFC 7515 §4.1.11). We implement none, so refusing is the only
	// correct answer, whatever the list holds.
	if _, ok := header["crit"]; ok {
		return nil, reject(ReasonMalformed, "the header has a \"crit\" member; no JWS extensions are supported")
	}
	// A header is read by every JWT library into its own types; a number
	// beyond float64 (1e400) decodes nowhere, so the partner's library
	// and ours could never agree on it.
	var numbers map[string]any
	if err := json.Unmarshal(headerJSON, &numbers); err != nil {
		return nil, reject(ReasonMalformed, "the header cannot be decoded: %v", err)
	}
	payload, err := decodeObject(payloadJSON)
	if err != nil {
		return nil, reject(ReasonMalformed, "the payload is not a valid JSON object: %v", err)
	}
	return &decodedToken{raw: token, header: header, payload: payload, signature: signature}, nil
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// decodeObject decodes one JSON object into its members, keeping each value
// as raw JSON so that every claim is read by our own rules (check 4).
//
// Go's JSON decoding keeps the last of repeated members, while other
// libraries keep the first: a token that says "alg" or "email" twice could
// mean different things to the partner and to us. So a member name repeated
// in any object, at any depth, makes the token malformed. Names are compared
// after JSON unescaping ("\u0065mail" is "email").
//
// encoding/json validates the syntax first; the walk that follows only ever
// sees valid JSON, which keeps it short. (The same walk with
// json.Decoder.Token doubled the cost of Verify.)
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	// JSON text is UTF-8 (RFC 8259 §8.1); Go would silently replace bad
	// bytes, so two different byte strings could decode to one name.
	if !utf8.Valid(data) {
		return nil, errors.New("it is not valid UTF-8")
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v) // for the syntax error's message
		return nil, cmp.Or(err, errors.New("it is not valid JSON"))
	}
	w := jsonWalker{data: data}
	w.skipSpace()
	if data[w.pos] != '{' {
		return nil, errors.New("it is JSON but not an object")
	}
	members := make(map[string]json.RawMessage, 12)
	err := w.object(func(name string, value []byte) bool {
		if _, repeated := members[name]; repeated {
			return false
		}
		members[name] = value
		return true
	})
	if err != nil {
		return nil, err
	}
	return members, nil
}

// jsonWalker walks JSON text that json.Valid accepted, so it never meets a
// syntax error and needs no bounds checks beyond what valid JSON implies.
type jsonWalker struct {
	data []byte
	pos  int
}

// object walks the object at pos, handing each member's name and raw value
// to member, which returns false when the name was already seen. Nested
// objects at any depth are checked the same way.
func (w *jsonWalker) object(member func(name string, value []byte) bool) error {
	w.pos++ // '{'
	w.skipSpace()
	if w.data[w.pos] == '}' {
		w.pos++
		return nil
	}
	for {
		w.skipSpace()
		name := w.string()
		w.skipSpace()
		w.pos++ // ':'
		w.skipSpace()
		start := w.pos
		if err := w.value(); err != nil {
			return fmt.Errorf("in %s: %w", quote(name), err)
		}
		if !member(name, w.data[start:w.pos]) {
			return fmt.Errorf("the member %s appears more than once", quote(name))
		}
		w.skipSpace()
		w.pos++ // ',' or '}'
		if w.data[w.pos-1] == '}' {
			return nil
		}
	}
}

// value walks one value at pos.
func (w *jsonWalker) value() error {
	switch w.data[w.pos] {
	case '{':
		seen := make(map[string]bool)
		return w.object(func(name string, _ []byte) bool {
			if seen[name] {
				return false
			}
			seen[name] = true
			return true
		})
	case '[':
		w.pos++
		w.skipSpace()
		if w.data[w.pos] == ']' {
			w.pos++
			return nil
		}
		for {
			w.skipSpace()
			if err := w.value(); err != nil {
				return err
			}
			w.skipSpace()
			w.pos++ // ',' or ']'
			if w.data[w.pos-1] == ']' {
				return nil
			}
		}
	case '"':
		w.string()
	default: // a number, true, false or null: runs up to a delimiter
		for w.pos < len(w.data) && !strings.ContainsRune(",]} \t\r\n", rune(w.data[w.pos])) {
			w.pos++
		}
	}
	return nil
}

// string reads the string at pos and returns its unescaped value.
func (w *jsonWalker) string() string {
	start := w.pos
	w.pos++ // opening '"'
	for w.data[w.pos] != '"' {
		if w.data[w.pos] == '\\' {
			w.pos++
		}
		w.pos++
	}
	w.pos++ // closing '"'
	return unquote(w.data[start:w.pos])
}

func (w *jsonWalker) skipSpace() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\r', '\n':
			w.pos++
		default:
			return
		}
	}
}

// unquote returns the value of a valid JSON string literal. Without a
// backslash the bytes between the quotes are the value (valid JSON has no
// raw control characters and the input is valid UTF-8); escapes are left to
// encoding/json.
func unquote(literal []byte) string {
	inner := literal[1 : len(literal)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(literal, &s) // cannot fail on a valid literal
	return s
}
