package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"sreport/secrets"
)

// secretKeyFlag adds --secret-key-file (env SREPORT_SECRET_KEY_FILE); the
// key itself may come in SREPORT_SECRET_KEY instead.
func secretKeyFlag(fs *flag.FlagSet) *string {
	return fs.String("secret-key-file", envOr("SREPORT_SECRET_KEY_FILE", ""),
		"file holding the key that encrypts stored credentials (default: SREPORT_SECRET_KEY, else <db>.key beside the database)")
}

// secretBox loads the key that encrypts credentials at rest: SREPORT_SECRET_KEY,
// else the key file, else (create) the file beside the database, made on
// first use. The log line says where the key came from, never the key.
func secretBox(keyFile, db string, create bool, logger *slog.Logger) (*secrets.Box, error) {
	if keyFile == "" && !create && os.Getenv("SREPORT_SECRET_KEY") == "" {
		// A key file made earlier beside the database is used without
		// being named.
		if _, err := os.Stat(secrets.DefaultKeyFile(db)); err == nil {
			keyFile = secrets.DefaultKeyFile(db)
		}
	}
	box, src, err := secrets.Load(os.Getenv("SREPORT_SECRET_KEY"), keyFile, db, create)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if logger != nil {
		switch src.From {
		case "created":
			logger.Info("secret key created; back it up with the database, or stored credentials cannot be read", "file", src.Path)
		case "file":
			logger.Debug("secret key loaded", "file", src.Path)
		default:
			logger.Debug("secret key loaded", "from", "SREPORT_SECRET_KEY")
		}
	}
	return box, nil
}
