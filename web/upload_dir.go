package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// uploadDirSuffix names the folder of uploads waiting for confirmation
// after the database file, the way SQLite names its -wal and -shm files:
// sreport.db keeps them in sreport.db-uploads.
const uploadDirSuffix = "-uploads"

// openUploadDir returns the upload folder beside the database file, created
// if needed and emptied: pending uploads are known only in memory, so files
// a previous run left behind (a crash, kill -9) belong to nobody any more.
func (h *Handler) openUploadDir() (string, error) {
	ctx := context.Background()
	if h.cfg.Background != nil {
		ctx = h.cfg.Background
	}
	db, err := h.store.File(ctx)
	if err != nil {
		return "", err
	}
	if db == "" {
		return "", errors.New("the database has no file to keep uploads beside")
	}
	dir := db + uploadDirSuffix
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("upload dir: %w", err)
	}
	if err := emptyDir(dir); err != nil {
		return "", fmt.Errorf("upload dir: sweep %s: %w", dir, err)
	}
	return dir, nil
}

// emptyDir removes everything inside dir (symbolic links themselves, never
// what they point to).
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
	}
	return errors.Join(errs...)
}
