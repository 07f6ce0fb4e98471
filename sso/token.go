package sso

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	if n := strings.Count(token, ".") + 1; n != 3 {
		return nil, reject(ReasonMalformed, "the token has %d parts separated by dots; a JWT has 3 (header.payload.signature)", n)
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
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	// JSON text is UTF-8 (RFC 8259 §8.1); Go would silently replace bad
	// bytes, so two different byte strings could decode to one name.
	if !utf8.Valid(data) {
		return nil, errors.New("it is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("it does not start with '{'")
	}
	members := make(map[string]json.RawMessage, 12)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name := tok.(string) // the decoder only yields strings as member names
		if _, repeated := members[name]; repeated {
			return nil, fmt.Errorf("the member %s appears more than once", quote(name))
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		if value[0] == '{' || value[0] == '[' {
			if err := refuseRepeatedNames(value); err != nil {
				return nil, fmt.Errorf("in %s: %w", quote(name), err)
			}
		}
		members[name] = value
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("there is more after the object")
	}
	return members, nil
}

// refuseRepeatedNames walks a nested JSON value and fails on the first
// object that repeats a member name.
func refuseRepeatedNames(value []byte) error {
	dec := json.NewDecoder(bytes.NewReader(value))
	// Numbers stay text: a number too large for float64 is valid JSON.
	dec.UseNumber()
	return walkValue(dec)
}

func walkValue(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := make(map[string]bool)
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			name := tok.(string)
			if seen[name] {
				return fmt.Errorf("the member %s appears more than once", quote(name))
			}
			seen[name] = true
			if err := walkValue(dec); err != nil {
				return err
			}
		}
	case json.Delim('['):
		for dec.More() {
			if err := walkValue(dec); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.Token() // the closing '}' or ']'
	return err
}
