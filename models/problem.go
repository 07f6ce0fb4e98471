package models

import "fmt"

// Problem is an error whose text is written for the person who made the
// mistake: a full sentence saying what to do, shown as it is next to the
// field (so, unlike Go's error strings, capitalised and punctuated).
type Problem string

func (p Problem) Error() string { return string(p) }

// Problemf formats a Problem.
func Problemf(format string, args ...any) Problem { return Problem(fmt.Sprintf(format, args...)) }
