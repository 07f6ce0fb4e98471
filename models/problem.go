package models

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Problem is an error whose text is written for the person who made the
// mistake: a full sentence saying what to do, shown as it is next to the
// field (so, unlike Go's error strings, capitalised and punctuated).
type Problem string

func (p Problem) Error() string { return string(p) }

// Problemf formats a Problem.
func Problemf(format string, args ...any) Problem { return Problem(fmt.Sprintf(format, args...)) }

// Sentence makes a lower-case error text into a sentence for a person:
// capitalised and ending with a full stop.
func Sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
