package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Cost is an argon2id work factor. The parameters are stored in each
// hash, so raising them later still verifies old hashes.
type Cost struct {
	Time      uint32 // passes
	MemoryKiB uint32
}

// DefaultCost is OWASP's recommended minimum (19 MiB, 2 passes, 1 lane):
// what the product uses. Tests pass a cheaper one through app.Options, so
// a test suite does not spend its minutes hashing.
var DefaultCost = Cost{Time: 2, MemoryKiB: 19 * 1024}

const (
	argonThreads = 1
	argonKeyLen  = 32
)

// Hash returns an encoded argon2id hash of password at this cost.
func (c Cost) Hash(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, c.Time, c.MemoryKiB, argonThreads, argonKeyLen)
	return encodeHash(c.MemoryKiB, c.Time, argonThreads, salt, key), nil
}

// encodeHash writes the PHC string of an argon2id hash.
func encodeHash(memory, time uint32, threads uint8, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, time, threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Bounds on what a stored hash may ask of a check, far above today's cost
// so that raised parameters still verify: outside them argon2 panics (no
// pass or lane), exhausts memory or runs for hours, and a key shorter than
// 16 bytes could be matched by chance.
const (
	maxArgonMemory = 256 * 1024 // KiB
	maxArgonTime   = 10
	minArgonKeyLen = 16
)

// CheckPassword reports whether password matches the encoded hash,
// comparing in constant time.
func CheckPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("unknown password hash format")
	}
	var version int
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false, fmt.Errorf("bad argon2 parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, err
	}
	if time < 1 || time > maxArgonTime || threads < 1 || memory > maxArgonMemory || len(want) < minArgonKeyLen {
		return false, errors.New("argon2 parameters out of range")
	}
	// Sscanf and the base64 decoder are lenient (signs, leading zeros,
	// trailing text, line breaks, ignored bits): only the one string
	// HashPassword writes for these values is a hash.
	if encoded != encodeHash(memory, time, threads, salt, want) {
		return false, errors.New("password hash not in canonical form")
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when the email is unknown, so an unknown
// email costs as much time as a wrong password and the two cannot be told
// apart by timing. It is made on first use, not at start-up: an argon2id
// hash costs every process (each CLI command too) memory and time.
var dummyHash = sync.OnceValue(func() string { return decoy(DefaultCost) })

// decoys holds the timing decoy of each cost a Service uses, made once.
var decoys sync.Map // Cost → string

func decoy(c Cost) string {
	if h, ok := decoys.Load(c); ok {
		return h.(string)
	}
	h, err := c.Hash("not a real password, only a timing decoy")
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	h2, _ := decoys.LoadOrStore(c, h)
	return h2.(string)
}
