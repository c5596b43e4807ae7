package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sshdPath is where Debian's openssh-server installs the daemon.
const sshdPath = "/usr/sbin/sshd"

// startSSHD runs a private OpenSSH server on a loopback port that accepts
// one fresh key for the current user, and returns the port, the client
// key file and the server's public host key line.
func startSSHD(t *testing.T) (port int, keyFile, hostKey string) {
	t.Helper()
	if _, err := os.Stat(sshdPath); err != nil {
		if os.Getenv("SREPORT_REQUIRE_SSHD") == "1" {
			t.Fatalf("%s not found (scripts/test.sh installs openssh-server)", sshdPath)
		}
		t.Skipf("%s not installed", sshdPath)
	}
	dir := t.TempDir()
	keygen := func(name string) {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, name)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
	}
	keygen("host")
	keygen("client")
	pub, _ := os.ReadFile(filepath.Join(dir, "client.pub"))
	os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600)
	hk, _ := os.ReadFile(filepath.Join(dir, "host.pub"))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	config := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %[2]s/host
PidFile %[2]s/sshd.pid
AuthorizedKeysFile %[2]s/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
Subsystem sftp internal-sftp
`, port, dir)
	os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(config), 0o600)
	_ = os.MkdirAll("/run/sshd", 0o755) // privilege separation directory
	logs := &lockedBuffer{}
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A session process of sshd may outlive the daemon by a moment; do not
	// wait for its output forever.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("sshd log:\n%s", logs)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen: %v\n%s", err, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return port, filepath.Join(dir, "client"), strings.TrimSpace(string(hk))
}

// TestReplicationToSFTP replicates to a real OpenSSH server with key
// authentication and a verified host key, loses the machine once the
// replica has the writes, and restores them; a wrong host key is refused.
func TestReplicationToSFTP(t *testing.T) {
	port, key, hostKey := startSSHD(t)
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	replica := fmt.Sprintf("sftp://%s@127.0.0.1:%d%s", u.Username, port, filepath.Join(dir, "replica"))
	env := []string{"SREPORT_SFTP_KEY=" + key, "SREPORT_SFTP_HOST_KEY=" + hostKey}
	t.Setenv("SREPORT_SFTP_KEY", key) // for the restore processes
	t.Setenv("SREPORT_SFTP_HOST_KEY", hostKey)

	p := startPrimary(t, dir, env, replica)
	names := createServices(t, p.client, p.url, p.csrf, "sftp", 20)
	waitOnReplica(t, replica, dir, names)
	loseMachine(t, p.serverProc, replica, dir, names)

	// Another server's host key: the connection is refused, nothing restored.
	_, _, otherKey := startSSHD(t)
	t.Setenv("SREPORT_SFTP_HOST_KEY", otherKey)
	out, err := runCommand(t, "restore", "--from", replica, "--to", filepath.Join(dir, "mitm.db"))
	if err == nil || !strings.Contains(out, "host key mismatch") {
		t.Fatalf("restore with the wrong host key: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "mitm.db")); err == nil {
		t.Fatal("a refused restore wrote a file")
	}
}
