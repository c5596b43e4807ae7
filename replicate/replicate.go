// Package replicate ships every committed transaction of the SQLite
// database to a replica with Litestream, and restores a database from one.
//
// Litestream's library links its own SQLite (modernc.org/sqlite), while
// sreport uses mattn/go-sqlite3. Two SQLite copies in one process do not see
// each other's POSIX locks (and closing a file in one drops the other's), so
// Litestream's read transaction would not hold back the app's checkpoints.
// Replication therefore always runs in its own process: `sreport
// replicate`, started and watched by `sreport serve --replicate` (see
// Supervisor) or run beside it as a sidecar. Restores run in a process that
// has no other connection to the file.
package replicate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/benbjohnson/litestream"
	lsfile "github.com/benbjohnson/litestream/file"
	_ "github.com/benbjohnson/litestream/s3" // registers s3://
	lssftp "github.com/benbjohnson/litestream/sftp"
)

// Options are the replication settings.
type Options struct {
	// SnapshotEvery is how often a full snapshot is written to the replica;
	// a restore replays at most this much history on top of a snapshot.
	SnapshotEvery time.Duration
	// Retention is how far back a point-in-time restore can reach.
	Retention time.Duration
}

// DefaultOptions are the settings of `serve --replicate`.
var DefaultOptions = Options{SnapshotEvery: 6 * time.Hour, Retention: 72 * time.Hour}

// Validate reports settings Litestream would reject or that make no sense.
func (o Options) Validate() error {
	if o.SnapshotEvery <= 0 || o.Retention <= 0 {
		return errors.New("replicate: snapshot interval and retention must be positive")
	}
	if o.Retention < o.SnapshotEvery {
		return fmt.Errorf("replicate: retention %s is shorter than the snapshot interval %s: no snapshot would be kept", o.Retention, o.SnapshotEvery)
	}
	return nil
}

// Environment variables read for sftp:// replicas. The host key is
// required: without it a man in the middle could receive the database.
const (
	EnvSFTPKey     = "SREPORT_SFTP_KEY"      // path of the private key file
	EnvSFTPHostKey = "SREPORT_SFTP_HOST_KEY" // server's public key, "ssh-ed25519 AAAA…"
)

// NewClient returns the Litestream client for a replica URL: file:///DIR,
// s3://BUCKET/PATH (?endpoint=URL&region=R for S3-compatible stores,
// credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) or
// sftp://USER[:PASSWORD]@HOST[:PORT]/PATH (key and host key from the
// environment).
func NewClient(rawURL string) (litestream.ReplicaClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("replicate: replica URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("replicate: a file replica needs an absolute path, as in file:///var/backups/sreport (got %s)", Redact(rawURL))
		}
	case "s3":
		if u.Host == "" {
			return nil, errors.New("replicate: an s3 replica URL names a bucket: s3://BUCKET/PATH")
		}
		adoptCABundle()
	case "sftp":
		if os.Getenv(EnvSFTPHostKey) == "" {
			return nil, fmt.Errorf("replicate: an sftp replica needs the server's host key in %s (a line of its ssh_host_*_key.pub)", EnvSFTPHostKey)
		}
	default:
		return nil, fmt.Errorf("replicate: unsupported replica URL %s: use file:///DIR, s3://BUCKET/PATH or sftp://USER@HOST/PATH", Redact(rawURL))
	}
	c, err := litestream.NewReplicaClientFromURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("replicate: replica URL %s: %w", Redact(rawURL), err)
	}
	if sc, ok := c.(*lssftp.ReplicaClient); ok {
		sc.HostKey = os.Getenv(EnvSFTPHostKey)
		sc.KeyPath = os.Getenv(EnvSFTPKey)
		if sc.KeyPath == "" && sc.Password == "" {
			return nil, fmt.Errorf("replicate: an sftp replica needs a key file in %s or a password in the URL", EnvSFTPKey)
		}
	}
	return c, nil
}

// adoptCABundle hands AWS_CA_BUNDLE to Go's TLS as SSL_CERT_FILE.
// Litestream gives the AWS SDK its own HTTP client, and the SDK then fails
// every S3 connection with "unable to add custom RootCAs HTTPClient" when
// AWS_CA_BUNDLE is set; SSL_CERT_FILE keeps the bundle trusted. It runs
// before the first TLS connection of the replicate or restore process.
func adoptCABundle() {
	bundle := os.Getenv("AWS_CA_BUNDLE")
	if bundle == "" {
		return
	}
	if os.Getenv("SSL_CERT_FILE") == "" {
		_ = os.Setenv("SSL_CERT_FILE", bundle)
	}
	_ = os.Unsetenv("AWS_CA_BUNDLE")
}

// shownParams are replica URL parameters that are safe to log.
var shownParams = map[string]bool{"endpoint": true, "region": true, "force-path-style": true, "forcePathStyle": true, "skip-verify": true, "skipVerify": true}

// Redact returns the URL without password, and with only the query
// parameters known to be harmless, for logs: others may carry keys.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparseable URL)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if !shownParams[k] {
				q.Set(k, "REDACTED")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Run replicates the database at dbPath to the replica until ctx ends, then
// ships what is left and returns. report receives the replication state
// about once a second; lagging and failures show there and in the log.
func Run(ctx context.Context, dbPath, rawURL string, opt Options, logger *slog.Logger, report func(Status)) error {
	if err := opt.Validate(); err != nil {
		return err
	}
	client, err := NewClient(rawURL)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return fmt.Errorf("replicate: %w", err)
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("replicate: database: %w", err)
	}
	db := litestream.NewDB(abs)
	r := litestream.NewReplicaWithClient(db, client)
	db.Replica = r
	if fc, ok := client.(*lsfile.ReplicaClient); ok {
		fc.Replica = r // keeps the replica files' ownership and mode like the database's
	}
	levels := make(litestream.CompactionLevels, len(litestream.DefaultCompactionLevels))
	for i, l := range litestream.DefaultCompactionLevels {
		c := *l
		levels[i] = &c
	}
	ls := litestream.NewStore([]*litestream.DB{db}, levels)
	ls.SnapshotInterval = opt.SnapshotEvery
	ls.SnapshotRetention = opt.Retention
	ls.Logger = logger
	db.SetLogger(logger.With("db", filepath.Base(abs)))
	if err := ls.Open(ctx); err != nil {
		_ = ls.Close(context.Background())
		return fmt.Errorf("replicate: start: %w", err)
	}
	logger.Info("replicating", "db", abs, "replica", Redact(rawURL), "snapshot_every", opt.SnapshotEvery, "retention", opt.Retention)

	var tr tracker
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for running := true; running; {
		select {
		case <-ctx.Done():
			running = false
		case <-tick.C:
			report(tr.observe(db, r, time.Now()))
		}
	}
	// Close ships the transactions not yet on the replica, retrying for
	// Litestream's shutdown timeout (30 s) if the replica is unreachable.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 45*time.Second)
	defer cancel()
	st := tr.observe(db, r, time.Now())
	err = ls.Close(cctx)
	st.ReplicaTXID, st.LastSync = max(st.ReplicaTXID, uint64(r.Pos().TXID)), db.LastSuccessfulSyncAt()
	st.Final = true
	report(st)
	if err != nil {
		return fmt.Errorf("replicate: final sync: %w", err)
	}
	logger.Info("replication stopped", "txid", st.LocalTXID, "replica_txid", st.ReplicaTXID)
	return nil
}

// tracker turns Litestream's positions into a Status, remembering since
// when the replica has been behind.
type tracker struct {
	replica     uint64
	behindSince time.Time
}

func (t *tracker) observe(db *litestream.DB, r *litestream.Replica, now time.Time) Status {
	st := Status{At: now, LastSync: db.LastSuccessfulSyncAt()}
	if pos, err := db.Pos(); err == nil {
		st.LocalTXID = uint64(pos.TXID)
	}
	// The replica's position reads zero while a sync is failing; the last
	// confirmed one is what the replica still holds.
	t.replica = max(t.replica, uint64(r.Pos().TXID))
	st.ReplicaTXID = t.replica
	switch {
	case st.LocalTXID <= st.ReplicaTXID:
		t.behindSince = time.Time{}
	case t.behindSince.IsZero():
		t.behindSince = now
	}
	st.BehindSince = t.behindSince
	return st
}
