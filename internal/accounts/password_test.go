package accounts

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// The production cost (19 MiB, 2 passes) is a constant, so these tests
// keep their HashPassword calls few; CheckPassword takes the cost from the
// string, so the refusal tests use the reference implementation's cheap
// vectors (256 KiB).

// phcFormat is the PHC string HashPassword writes: argon2id version 19,
// the production cost, a 16-byte salt and a 32-byte key in unpadded
// standard base64.
var phcFormat = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$`)

func TestHashPasswordFormat(t *testing.T) {
	const password = "correct horse battery staple"
	encoded, err := DefaultCost.Hash(password)
	if err != nil {
		t.Fatal(err)
	}
	m := phcFormat.FindStringSubmatch(encoded)
	if m == nil {
		t.Fatalf("%q is not $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>", encoded)
	}
	salt, err := base64.RawStdEncoding.Strict().DecodeString(m[1])
	if err != nil || len(salt) != 16 {
		t.Fatalf("salt %q: %d bytes, %v", m[1], len(salt), err)
	}
	key, err := base64.RawStdEncoding.Strict().DecodeString(m[2])
	if err != nil || len(key) != 32 {
		t.Fatalf("key %q: %d bytes, %v", m[2], len(key), err)
	}
	// Known answer: the key is argon2id over the password and salt at the
	// stated cost, as golang.org/x/crypto computes it.
	if want := argon2.IDKey([]byte(password), salt, 2, 19456, 1, 32); string(key) != string(want) {
		t.Fatalf("key %x, want argon2id %x", key, want)
	}
	if ok, err := CheckPassword(encoded, password); !ok || err != nil {
		t.Fatalf("own hash: %v, %v", ok, err)
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple", password + " "} {
		if ok, err := CheckPassword(encoded, wrong); ok || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want false, nil", wrong, ok, err)
		}
	}

	// A second hash of the same password has its own salt.
	again, err := DefaultCost.Hash(password)
	if err != nil {
		t.Fatal(err)
	}
	if again == encoded || phcFormat.FindStringSubmatch(again)[1] == m[1] {
		t.Fatalf("two hashes share a salt: %q, %q", encoded, again)
	}
}

// TestCheckPasswordKnownAnswers checks PHC strings of the reference
// implementation (P-H-C/phc-winner-argon2, src/test.c) and one made here
// with x/crypto at the production cost and a fixed salt.
func TestCheckPasswordKnownAnswers(t *testing.T) {
	fixedSalt := []byte("0123456789abcdef")
	production := "$argon2id$v=19$m=19456,t=2,p=1$" + base64.RawStdEncoding.EncodeToString(fixedSalt) + "$" +
		base64.RawStdEncoding.EncodeToString(argon2.IDKey([]byte("fixed salt password"), fixedSalt, 2, 19456, 1, 32))
	for _, tc := range []struct {
		encoded, password string
	}{
		{"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", "password"},
		{"$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc", "password"},
		{"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "password"},
		{"$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg", "password"},
		{"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$C4TWUs9rDEvq7w3+J4umqA32aWKB1+DSiRuBfYxFj94", "differentpassword"},
		{"$argon2id$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$vfMrBczELrFdWP0ZsfhWsRPaHppYdP3MVEMIVlqoFBw", "password"},
		{production, "fixed salt password"},
	} {
		t.Run(tc.encoded, func(t *testing.T) {
			if ok, err := CheckPassword(tc.encoded, tc.password); !ok || err != nil {
				t.Fatalf("right password: %v, %v", ok, err)
			}
			if ok, err := CheckPassword(tc.encoded, tc.password+"!"); ok || err != nil {
				t.Fatalf("wrong password: %v, %v", ok, err)
			}
		})
	}
}

// cheap is the reference vector for "password" at 256 KiB, 2 passes.
const cheap = "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"

const (
	cheapSalt = "c29tZXNhbHQ"
	cheapKey  = "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
)

// TestCheckPasswordRefusesMalformedStrings: anything not in the exact form
// HashPassword writes is an error — never a pass, never a panic.
func TestCheckPasswordRefusesMalformedStrings(t *testing.T) {
	if ok, err := CheckPassword(cheap, "password"); !ok || err != nil {
		t.Fatalf("the base case does not verify: %v, %v", ok, err)
	}
	withParams := func(params string) string {
		return "$argon2id$v=19$" + params + "$" + cheapSalt + "$" + cheapKey
	}
	// keyOf builds a string whose key is exactly n bytes, computed right,
	// so that only the key's length can be what is wrong with it.
	keyOf := func(n uint32) string {
		salt, _ := base64.RawStdEncoding.DecodeString(cheapSalt)
		return "$argon2id$v=19$m=256,t=2,p=1$" + cheapSalt + "$" +
			base64.RawStdEncoding.EncodeToString(argon2.IDKey([]byte("password"), salt, 2, 256, 1, n))
	}
	// The last key character carries 4 bits and 2 that decoders ignore:
	// "4" and "5" decode alike.
	lastSwapped := strings.TrimSuffix(cheap, "4") + "5"
	for _, tc := range []struct {
		name, encoded string
	}{
		{"empty", ""},
		{"plain text", "password"},
		{"a bcrypt hash", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"five fields", "$argon2id$v=19$m=256,t=2,p=1$" + cheapSalt},
		{"seven fields", cheap + "$extra"},
		{"no leading $", cheap[1:]},
		{"only dollars", "$$$$$"},
		{"argon2i", strings.Replace(cheap, "argon2id", "argon2i", 1)},
		{"argon2d", strings.Replace(cheap, "argon2id", "argon2d", 1)},
		{"upper-case algorithm", strings.Replace(cheap, "argon2id", "ARGON2ID", 1)},
		{"version 16", strings.Replace(cheap, "v=19", "v=16", 1)},
		{"version 20", strings.Replace(cheap, "v=19", "v=20", 1)},
		{"version missing", strings.Replace(cheap, "v=19", "", 1)},
		{"version not a number", strings.Replace(cheap, "v=19", "v=x", 1)},
		{"version with a sign", strings.Replace(cheap, "v=19", "v=+19", 1)},
		{"version with a leading zero", strings.Replace(cheap, "v=19", "v=019", 1)},
		{"version with trailing text", strings.Replace(cheap, "v=19", "v=19x", 1)},
		{"parameters missing", withParams("")},
		{"p missing", withParams("m=256,t=2")},
		{"parameters out of order", withParams("t=2,m=256,p=1")},
		{"parameter not a number", withParams("m=x,t=2,p=1")},
		{"extra parameter", withParams("m=256,t=2,p=1,k=3")},
		{"trailing text after p", withParams("m=256,t=2,p=1x")},
		{"negative memory", withParams("m=-256,t=2,p=1")},
		{"memory with a leading zero", withParams("m=0256,t=2,p=1")},
		{"memory with a sign", withParams("m=+256,t=2,p=1")},
		{"space in the parameters", withParams("m= 256,t=2,p=1")},
		{"zero passes", withParams("m=256,t=0,p=1")},
		{"zero lanes", withParams("m=256,t=2,p=0")},
		{"lanes beyond a byte", withParams("m=256,t=2,p=256")},
		{"memory beyond 32 bits", withParams("m=4294967296,t=2,p=1")},
		{"absurd memory", withParams("m=4294967295,t=2,p=1")},
		{"absurd passes", withParams("m=256,t=4294967295,p=1")},
		{"salt not base64", "$argon2id$v=19$m=256,t=2,p=1$!!!$" + cheapKey},
		{"salt padded", "$argon2id$v=19$m=256,t=2,p=1$" + cheapSalt + "=$" + cheapKey},
		{"salt with a line break", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNh\nbHQ$" + cheapKey},
		{"salt in the URL alphabet", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR_uIPnA4rEsF5h7TKyQwu9U1bMCHGi_4"},
		{"key not base64", "$argon2id$v=19$m=256,t=2,p=1$" + cheapSalt + "$!!!"},
		{"key padded", cheap + "="},
		{"key with a trailing line break", cheap + "\n"},
		{"key with ignored bits set", lastSwapped},
		{"empty key", "$argon2id$v=19$m=256,t=2,p=1$" + cheapSalt + "$"},
		{"one-byte key", keyOf(1)},
		{"four-byte key", keyOf(4)},
		{"15-byte key", keyOf(15)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := CheckPassword(tc.encoded, "password")
			if ok || err == nil {
				t.Fatalf("CheckPassword(%q) = %v, %v; want false and an error", tc.encoded, ok, err)
			}
		})
	}
	// The shortest key accepted is 16 bytes.
	if ok, err := CheckPassword(keyOf(16), "password"); !ok || err != nil {
		t.Fatalf("16-byte key: %v, %v", ok, err)
	}
}

// TestCheckPasswordModifiedHash: a well-formed string whose parameters,
// salt or key were changed verifies no password (the cost is part of the
// key's derivation, so lowering it does not help an attacker).
func TestCheckPasswordModifiedHash(t *testing.T) {
	key, _ := base64.RawStdEncoding.DecodeString(cheapKey)
	key[0] ^= 1
	flipped := base64.RawStdEncoding.EncodeToString(key)
	for _, tc := range []struct {
		name, encoded string
	}{
		{"memory 257", strings.Replace(cheap, "m=256", "m=257", 1)},
		{"memory 512", strings.Replace(cheap, "m=256", "m=512", 1)},
		{"memory 128", strings.Replace(cheap, "m=256", "m=128", 1)},
		{"one pass", strings.Replace(cheap, "t=2", "t=1", 1)},
		{"three passes", strings.Replace(cheap, "t=2", "t=3", 1)},
		{"two lanes", strings.Replace(cheap, "p=1", "p=2", 1)},
		{"other salt", strings.Replace(cheap, cheapSalt, "ZGlmZnNhbHQ", 1)},
		{"one key bit", strings.Replace(cheap, cheapKey, flipped, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ok, err := CheckPassword(tc.encoded, "password"); ok || err != nil {
				t.Fatalf("CheckPassword(%q) = %v, %v; want false, nil", tc.encoded, ok, err)
			}
		})
	}
}

// TestDummyHashCostsAsMuchAsARealOne: the timing decoy for an unknown
// email is a real hash at the production cost, which any password fails.
func TestDummyHashCostsAsMuchAsARealOne(t *testing.T) {
	d := dummyHash()
	if !phcFormat.MatchString(d) {
		t.Fatalf("decoy %q is not a hash at the production cost", d)
	}
	if d != dummyHash() {
		t.Fatal("the decoy is made more than once")
	}
	if ok, err := CheckPassword(d, "not a real password"); ok || err != nil {
		t.Fatalf("decoy check: %v, %v", ok, err)
	}
}

// statedCost reads m and t from a string in HashPassword's form, to keep
// the fuzzer away from strings that ask for seconds of work.
var statedCost = regexp.MustCompile(`^\$argon2id\$v=19\$m=([0-9]+),t=([0-9]+),p=[0-9]+\$`)

// FuzzCheckPassword: CheckPassword never panics, and never says yes to a
// string the fuzzer made: only the reference vectors and a hash in
// HashPassword's form verify, each for its own password. (That hash has a
// fixed salt, not HashPassword's random one: every fuzz worker process must
// agree on the seeds.)
func FuzzCheckPassword(f *testing.F) {
	salt := []byte("fuzz-fixed-salt!")
	own := encodeHash(DefaultCost.MemoryKiB, DefaultCost.Time, argonThreads, salt,
		argon2.IDKey([]byte("fuzz password 1"), salt, DefaultCost.Time, DefaultCost.MemoryKiB, argonThreads, argonKeyLen))
	if !phcFormat.MatchString(own) {
		f.Fatalf("%q is not in HashPassword's form", own)
	}
	good := map[string]string{
		own:   "fuzz password 1",
		cheap: "password",
		"$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc": "password",
	}
	for encoded, password := range good {
		f.Add(encoded, password)
		f.Add(encoded, password+"x")
	}
	for _, s := range []string{"", "$", "$argon2id$v=19$m=256,t=2,p=1$$", "$argon2id$v=19$m=256,t=0,p=1$" + cheapSalt + "$" + cheapKey,
		"$argon2id$v=19$m=256,t=2,p=0$" + cheapSalt + "$" + cheapKey, cheap + "\n", strings.TrimSuffix(cheap, "4") + "5"} {
		f.Add(s, "password")
	}
	f.Fuzz(func(t *testing.T, encoded, password string) {
		if m := statedCost.FindStringSubmatch(encoded); m != nil {
			mem, _ := strconv.ParseUint(m[1], 10, 64)
			passes, _ := strconv.ParseUint(m[2], 10, 64)
			// Legitimate strings of up to 8 × the production cost are
			// run; dearer ones (the table test refuses absurd costs)
			// would take the fuzzer's time, not find bugs.
			if len(m[1]) > 9 || len(m[2]) > 9 || mem*passes > 8*uint64(DefaultCost.MemoryKiB)*uint64(DefaultCost.Time) {
				return
			}
		}
		ok, err := CheckPassword(encoded, password)
		if ok && err != nil {
			t.Fatalf("true with an error: %v", err)
		}
		if want, known := good[encoded]; ok && (!known || password != want) {
			t.Fatalf("CheckPassword(%q, %q) = true for a string HashPassword did not make for that password", encoded, password)
		}
	})
}
