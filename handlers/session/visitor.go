package session

import (
	"encoding/binary"
	"errors"
	"time"
	"unicode/utf8"

	"helpcenter/models"
	"helpcenter/sso"
)

// A visitor session lives in its cookie: a page view reads who the visitor
// is without a database query. The cookie carries the session id (its hash
// names the server-side row and any revocation), the help center, the
// user, the role and name to render, and the expiry. Logout, a ban or a
// newer sign-in revokes the id (Revocations).
//
// The format is a fixed binary layout rather than gob or JSON: decoding
// it costs a few hundred nanoseconds and no reflection.
const visitorVersion = 1

// Visitor is what a visitor cookie says.
type Visitor struct {
	ID           [32]byte
	HelpCenterID int64
	UserID       int64
	OpenedAt     time.Time
	ExpiresAt    time.Time
	Role         models.Role
	Name         string
}

// VisitorOf is the cookie of a session a sign-in opened.
func VisitorOf(helpCenterID int64, s *sso.OpenedSession) Visitor {
	return Visitor{ID: s.ID, HelpCenterID: helpCenterID, UserID: s.UserID, OpenedAt: s.OpenedAt,
		ExpiresAt: s.ExpiresAt, Role: s.Role, Name: s.Name}
}

// IDHash names the session in the store and in revocations.
func (v Visitor) IDHash() []byte { return sso.SessionIDHash(v.ID) }

var roleByte = map[models.Role]byte{models.RoleViewer: 1, models.RoleEditor: 2, models.RoleAdmin: 3}
var byteRole = map[byte]models.Role{1: models.RoleViewer, 2: models.RoleEditor, 3: models.RoleAdmin}

// visitorHeader is version, id, help center, user, opened, expires, role.
const visitorHeader = 1 + 32 + 8 + 8 + 8 + 8 + 1

// MaxVisitorName keeps the cookie well under browsers' 4 KB limit; a
// longer name is cut at a character boundary.
const MaxVisitorName = 200

func (v Visitor) marshal() []byte {
	name := v.Name
	if len(name) > MaxVisitorName {
		name = name[:MaxVisitorName]
		for !utf8.ValidString(name) {
			name = name[:len(name)-1]
		}
	}
	b := make([]byte, 0, visitorHeader+len(name))
	b = append(b, visitorVersion)
	b = append(b, v.ID[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(v.HelpCenterID))
	b = binary.BigEndian.AppendUint64(b, uint64(v.UserID))
	b = binary.BigEndian.AppendUint64(b, uint64(v.OpenedAt.UnixMicro()))
	b = binary.BigEndian.AppendUint64(b, uint64(v.ExpiresAt.UnixMicro()))
	b = append(b, roleByte[v.Role])
	return append(b, name...)
}

var errBadVisitor = errors.New("malformed visitor cookie")

func unmarshalVisitor(b []byte) (Visitor, error) {
	var v Visitor
	// marshal never writes a longer name; accepting one would make decoding
	// no inverse of encoding.
	if len(b) < visitorHeader || len(b) > visitorHeader+MaxVisitorName || b[0] != visitorVersion {
		return v, errBadVisitor
	}
	copy(v.ID[:], b[1:33])
	v.HelpCenterID = int64(binary.BigEndian.Uint64(b[33:41]))
	v.UserID = int64(binary.BigEndian.Uint64(b[41:49]))
	v.OpenedAt = time.UnixMicro(int64(binary.BigEndian.Uint64(b[49:57]))).UTC()
	v.ExpiresAt = time.UnixMicro(int64(binary.BigEndian.Uint64(b[57:65]))).UTC()
	role, ok := byteRole[b[65]]
	if !ok {
		return v, errBadVisitor
	}
	v.Role, v.Name = role, string(b[visitorHeader:])
	return v, nil
}
