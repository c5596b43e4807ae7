package secrets

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, err := New(make([]byte, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s1, err := b.Seal([]byte("hunter2"), "webhook:1")
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := b.Seal([]byte("hunter2"), "webhook:1")
	if s1 == s2 {
		t.Error("two seals of one value are equal: nonce reused")
	}
	if strings.Contains(s1, "hunter2") {
		t.Error("sealed value contains the plaintext")
	}
	got, err := b.Open(s1, "webhook:1")
	if err != nil || string(got) != "hunter2" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	cases := map[string]struct{ sealed, aad string }{
		"other owner": {s1, "webhook:2"},
		"no prefix":   {strings.TrimPrefix(s1, prefix), "webhook:1"},
		"truncated":   {s1[:10], "webhook:1"},
		"tampered":    {tamper(s1), "webhook:1"},
		"not base64":  {prefix + "!!!", "webhook:1"},
		"empty":       {"", "webhook:1"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := b.Open(c.sealed, c.aad); !errors.Is(err, ErrDecrypt) {
				t.Errorf("Open = %v, want ErrDecrypt", err)
			}
		})
	}
	other, _ := New([]byte(strings.Repeat("k", KeySize)))
	if _, err := other.Open(s1, "webhook:1"); !errors.Is(err, ErrDecrypt) {
		t.Errorf("other key: %v, want ErrDecrypt", err)
	}
}

func TestParseKey(t *testing.T) {
	hexKey := strings.Repeat("ab", KeySize)
	cases := []struct {
		in string
		ok bool
	}{
		{hexKey, true},
		{hexKey + "\n", true},
		{"q80=", false},
		{"", false},
		{"7q3vq3vq3vq3vq3vq3vq3vq3vq3vq3vq3vq3vq3vq3s=", true}, // 32 bytes base64
		{strings.Repeat("z", 64), false},
	}
	for _, c := range cases {
		k, err := ParseKey(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseKey(%q) err = %v, want ok=%v", c.in, err, c.ok)
		}
		if err == nil && len(k) != KeySize {
			t.Errorf("ParseKey(%q) = %d bytes", c.in, len(k))
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")

	if _, _, err := Load("", "", db, false); err == nil {
		t.Error("no key and create=false: want an error")
	}
	b1, src, err := Load("", "", db, true)
	if err != nil {
		t.Fatal(err)
	}
	if src.From != "created" || src.Path != db+".key" {
		t.Errorf("source = %+v", src)
	}
	fi, err := os.Stat(db + ".key")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v", fi.Mode().Perm(), err)
	}
	sealed, _ := b1.Seal([]byte("x"), "a")
	b2, src, err := Load("", "", db, true)
	if err != nil || src.From != "file" {
		t.Fatalf("second load: %+v %v", src, err)
	}
	if got, err := b2.Open(sealed, "a"); err != nil || string(got) != "x" {
		t.Errorf("key file not reused: %q %v", got, err)
	}

	if err := os.Chmod(db+".key", 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load("", db+".key", db, true); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key file: %v", err)
	}

	b3, src, err := Load(strings.Repeat("01", KeySize), "", db, true)
	if err != nil || src.From != "env" {
		t.Fatalf("env: %+v %v", src, err)
	}
	if _, err := b3.Open(sealed, "a"); err == nil {
		t.Error("env key opened a value sealed with the file key")
	}
	if _, _, err := Load("short", "", db, true); err == nil || !strings.Contains(err.Error(), "SREPORT_SECRET_KEY") {
		t.Errorf("bad env key: %v", err)
	}
}

// tamper flips one bit of the ciphertext (not of its text form, whose last
// character may carry padding bits the decoder ignores).
func tamper(sealed string) string {
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, prefix))
	if err != nil {
		panic(err)
	}
	raw[len(raw)-1] ^= 1
	return prefix + base64.RawStdEncoding.EncodeToString(raw)
}
