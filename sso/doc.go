// Package sso holds the rules that decide who gets into a help center with
// JWT single sign-on (SPEC sections 3 to 5), as plain Go: no HTTP framework,
// no database, and no clock of its own — every rule that depends on time
// takes "now" as a parameter.
//
// The checks run in the order of SPEC section 4 and the first failing one
// decides the reason:
//
//   - 0–10 are stateless: [Verify] (and [Inspect], the console's token
//     tester, which runs the very same check functions and reports on each).
//   - 11 (replay), 12–13 (pending keys) and 14 (banned users) need storage;
//     they are functions over small interfaces ([JTIRecorder],
//     [PendingKeyStore], [UserProvisioner]) that the store implements, and
//     each of them fails closed: a storage error is returned as an error,
//     never read as a success.
//
// Every rejection carries a [ReasonCode] from the single list in
// [Reasons], and a detail sentence meant for the partner's developer.
package sso
