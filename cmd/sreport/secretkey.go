package main

import (
	"flag"
	"fmt"
	"os"

	"sreport/secrets"
)

// secretBox adds --secret-key-file to fs and returns the loader to call
// after fs.Parse. The key comes from SREPORT_SECRET_KEY, else the key file,
// else the key file beside the database, created (0600) when it does not
// exist yet. where says where it came from, for one log line; it never
// holds the key.
func secretBox(fs *flag.FlagSet, db *string) func() (box *secrets.Box, where string, err error) {
	keyFile := fs.String("secret-key-file", envOr("SREPORT_SECRET_KEY_FILE", ""),
		"file holding the 32-byte key that encrypts stored secrets, 64 hex digits or base64 (env SREPORT_SECRET_KEY_FILE; SREPORT_SECRET_KEY holds the key itself; default: <db>.key, created with mode 0600)")
	return func() (*secrets.Box, string, error) {
		box, src, err := secrets.Load(os.Getenv("SREPORT_SECRET_KEY"), *keyFile, *db, true)
		if err != nil {
			return nil, "", fmt.Errorf("secret key: %w", err)
		}
		switch src.From {
		case "env":
			return box, "from SREPORT_SECRET_KEY", nil
		case "created":
			return box, "created " + src.Path + " (mode 0600): back it up with the database, stored secrets cannot be read without it", nil
		}
		return box, "from " + src.Path, nil
	}
}
