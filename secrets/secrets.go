// Package secrets encrypts credentials at rest: webhook secrets, connector
// tokens, SMTP passwords. A Box seals with AES-256-GCM under one 32-byte key
// that lives outside the database (an environment variable or a key file), so
// a copied database file alone does not reveal any secret.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// prefix marks the format of a sealed value so a later key rotation or
// algorithm change can tell old values apart.
const prefix = "v1:"

// ErrDecrypt is returned when a sealed value cannot be opened: wrong key,
// tampered or truncated ciphertext. It never carries the value itself.
var ErrDecrypt = errors.New("secrets: cannot decrypt (wrong key or corrupted value)")

// Box seals and opens secrets with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secrets: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext with a fresh random nonce. The result is printable
// ("v1:" + base64) and safe to store in a TEXT column. aad binds the value to
// its owner (e.g. "webhook:12"), so a sealed value copied onto another row
// does not open there.
func (b *Box) Seal(plaintext []byte, aad string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secrets: nonce: %w", err)
	}
	out := b.aead.Seal(nonce, nonce, plaintext, []byte(aad))
	return prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same aad.
func (b *Box) Open(sealed string, aad string) ([]byte, error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return nil, ErrDecrypt
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < b.aead.NonceSize()+b.aead.Overhead() {
		return nil, ErrDecrypt
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(aad))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// ParseKey reads a key written as 64 hex digits or as standard/URL base64 of
// 32 bytes (with or without padding). Surrounding white space is ignored so a
// key file ending in a newline works.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("secrets: key must be %d bytes as 64 hex digits or base64", KeySize)
}

// Source says where Load found or put the key, for the start-up log line. It
// never contains the key.
type Source struct {
	// From is "env", "file" or "created".
	From string
	// Path is the key file for "file" and "created".
	Path string
}

// DefaultKeyFile is the key file beside a database file: sreport.db →
// sreport.db.key.
func DefaultKeyFile(dbPath string) string {
	return dbPath + ".key"
}

// Load finds the key: envValue (SREPORT_SECRET_KEY) first, then keyFile. When
// neither is set and create is true, a new random key is written to
// DefaultKeyFile(dbPath) with 0600 permissions (or read from it if it
// already exists). A key file readable by group or others is refused,
// because it would make encryption at rest pointless.
func Load(envValue, keyFile, dbPath string, create bool) (*Box, Source, error) {
	if strings.TrimSpace(envValue) != "" {
		k, err := ParseKey(envValue)
		if err != nil {
			return nil, Source{}, fmt.Errorf("SREPORT_SECRET_KEY: %w", err)
		}
		b, err := New(k)
		return b, Source{From: "env"}, err
	}
	path := keyFile
	from := "file"
	if path == "" {
		if dbPath == "" || !create {
			return nil, Source{}, errors.New("secrets: no key: set SREPORT_SECRET_KEY or --secret-key-file")
		}
		path = DefaultKeyFile(dbPath)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if err := writeNewKey(path); err != nil {
				return nil, Source{}, err
			}
			from = "created"
		}
	}
	k, err := readKeyFile(path)
	if err != nil {
		return nil, Source{}, err
	}
	b, err := New(k)
	return b, Source{From: from, Path: path}, err
}

func readKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secrets: key file %s is readable by others (mode %v): chmod 600 it", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: key file: %w", err)
	}
	k, err := ParseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// writeNewKey creates path exclusively (never overwriting a key another
// process just wrote) with a random hex key and 0600 permissions.
func writeNewKey(path string) error {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return fmt.Errorf("secrets: generate key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("secrets: key dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("secrets: create key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("secrets: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("secrets: write key file: %w", err)
	}
	return nil
}
