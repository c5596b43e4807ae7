// Package accounts holds the rules for sreport's user accounts that do not
// depend on how they are reached: what makes a password acceptable and how
// a random one is made. The web pages and the `sreport user` commands
// both apply them.
package accounts

import (
	"crypto/rand"
	"unicode/utf8"
)

// Password rules. bcrypt reads at most 72 bytes, so longer passwords are
// refused rather than silently cut.
const (
	minPasswordLen   = 12
	maxPasswordBytes = 72
)

// GeneratePassword returns a random 20-character password (about 115 bits)
// from an alphabet without look-alike characters, for new accounts and resets.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

// randIntn returns a uniform random int in [0, n) from crypto/rand.
func randIntn(n int) int {
	var buf [1]byte
	limit := 256 - 256%n // reject the tail so every character is equally likely
	for {
		_, _ = rand.Read(buf[:])
		if int(buf[0]) < limit {
			return int(buf[0]) % n
		}
	}
}

// PasswordProblem says why a chosen password is not acceptable, or "".
func PasswordProblem(pw string) string {
	switch {
	case utf8.RuneCountInString(pw) < minPasswordLen:
		return "Use at least 12 characters."
	case len(pw) > maxPasswordBytes:
		return "Use at most 72 bytes."
	}
	return ""
}
