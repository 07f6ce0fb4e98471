package models

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxSlugLength bounds a slug, so URLs stay readable.
const MaxSlugLength = 80

// foldings spell letters that do not decompose into a base letter plus an
// accent the way their languages write them in ASCII.
var foldings = map[rune]string{
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o",
	'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th",
	'ı': "i", '&': " and ",
}

// Slugify makes a URL slug from text: lowercase ASCII letters and digits
// separated by single hyphens. Accented letters lose their accents
// ("Café" → "cafe"); other characters separate words. It returns "" when
// nothing usable is left (e.g. a title in a non-Latin script).
func Slugify(text string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(text) {
		if s, ok := foldings[r]; ok {
			for _, fr := range s {
				hyphen = writeSlugRune(&b, fr, hyphen)
			}
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue // a combining accent split off by NFKD
		}
		hyphen = writeSlugRune(&b, r, hyphen)
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > MaxSlugLength {
		s = strings.TrimRight(s[:MaxSlugLength], "-")
	}
	return s
}

// writeSlugRune appends r lower-cased when it is an ASCII letter or digit,
// and one hyphen for any run of other characters.
func writeSlugRune(b *strings.Builder, r rune, pendingHyphen bool) bool {
	r = unicode.ToLower(r)
	if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
		if pendingHyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
		return false
	}
	return true
}
