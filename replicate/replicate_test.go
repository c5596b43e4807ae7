package replicate

import (
	"strings"
	"testing"
	"time"
)

func TestNewClientValidates(t *testing.T) {
	t.Setenv(EnvSFTPHostKey, "")
	for _, c := range []struct{ url, want string }{
		{"file:///var/backups/sreport", ""},
		{"s3://bucket/prod/sreport?endpoint=http://127.0.0.1:9000&region=eu-west-1", ""},
		{"file://relative/dir", "absolute path"},
		{"s3:///no-bucket", "names a bucket"},
		{"sftp://backup@host.example/sreport", "host key"},
		{"gs://bucket/x", "unsupported"},
		{"/var/backups/sreport", "unsupported"},
	} {
		_, err := NewClient(c.url)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.url, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.url, err, c.want)
		}
	}
	t.Setenv(EnvSFTPHostKey, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0")
	t.Setenv(EnvSFTPKey, "")
	if _, err := NewClient("sftp://backup@host.example/sreport"); err == nil || !strings.Contains(err.Error(), "key file") {
		t.Errorf("sftp without key or password: %v", err)
	}
	if _, err := NewClient("sftp://backup:pw@host.example/sreport"); err != nil {
		t.Errorf("sftp with password and host key: %v", err)
	}
}

func TestRedact(t *testing.T) {
	got := Redact("sftp://backup:s3cret@host.example:22/sreport")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "backup@host.example:22/sreport") {
		t.Errorf("sftp: %s", got)
	}
	got = Redact("s3://b/p?endpoint=http://minio:9000&sse-customer-key=KEY123")
	if strings.Contains(got, "KEY123") || !strings.Contains(got, "endpoint=http") {
		t.Errorf("s3: %s", got)
	}
}

func TestAssess(t *testing.T) {
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	synced := Status{At: at(100), LocalTXID: 50, ReplicaTXID: 50, LastSync: at(99)}
	behind := Status{At: at(100), LocalTXID: 52, ReplicaTXID: 50, LastSync: at(99), BehindSince: at(95)}
	stuck := Status{At: at(100), LocalTXID: 60, ReplicaTXID: 50, LastSync: at(40), BehindSince: at(45)}
	for _, c := range []struct {
		name    string
		now     time.Time
		running bool
		st      Status
		healthy bool
		want    string
	}{
		{"caught up", at(100), true, synced, true, "lag 0s, replica at transaction 50, last sync 1s ago"},
		{"a few seconds behind", at(100), true, behind, true, "lag 5s"},
		{"starting", at(5), true, Status{}, false, "starting"},
		{"never reported", at(60), true, Status{}, false, "no status from the replicator for 1m0s"},
		{"stale status", at(115), true, synced, false, "no status from the replicator for 15s"},
		{"far behind", at(100), true, stuck, false, "replica 55s behind (transaction 50 of 60)"},
		{"no sync lately", at(100), true, Status{At: at(100), LocalTXID: 5, ReplicaTXID: 5, LastSync: at(50)}, false, "no successful sync since 50s ago"},
		{"not running", at(100), false, synced, false, "replicator not running (exit status 1)"},
	} {
		h := assess(c.now, start, c.running, c.st, 2, "exit status 1")
		if h.Healthy != c.healthy || !strings.Contains(h.Reason, c.want) {
			t.Errorf("%s: healthy %v %q, want %v %q", c.name, h.Healthy, h.Reason, c.healthy, c.want)
		}
	}
	if lag := behind.Lag(at(100)); lag != 5*time.Second {
		t.Errorf("lag %s", lag)
	}
}
