//! A real OpenSSH sshd on 127.0.0.1 with its own config, host key and one authorized client key, for the
//! SSH tests and the SSH benchmark (included with `#[path]`). Needs /usr/sbin/sshd and root (/run/sshd).
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vmdeck_engine::ssh::{SshAuth, SshLogin};
use vmdeck_engine::Secret;

pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "vmdeck-test", "-f"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// The user the tests run as (root on CI).
pub fn current_user() -> String {
    String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap().trim().to_owned()
}

impl Sshd {
    /// Host key `hostkey`, client key `clientkey` (authorized), password logins allowed.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        keygen(&dir.path().join("hostkey"));
        keygen(&dir.path().join("clientkey"));
        std::fs::copy(dir.path().join("clientkey.pub"), dir.path().join("authorized_keys")).unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let d = dir.path().display();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/hostkey\nPidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\n\
             PasswordAuthentication yes\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\nUsePAM no\nPermitRootLogin yes\n\
             StrictModes no\nPrintMotd no\nLogLevel VERBOSE\n"
        );
        std::fs::write(dir.path().join("sshd_config"), config).unwrap();
        std::fs::create_dir_all("/run/sshd").ok();
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-f"])
            .arg(dir.path().join("sshd_config"))
            .arg("-E")
            .arg(dir.path().join("sshd.log"))
            .stdin(Stdio::null())
            .spawn()
            .expect("OpenSSH sshd (openssh-server) is installed by .ci/test");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            let log = std::fs::read_to_string(dir.path().join("sshd.log")).unwrap_or_default();
            assert!(Instant::now() < deadline, "sshd did not listen: {log}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { dir, port, child }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn login(&self, user: &str, auth: SshAuth) -> SshLogin {
        SshLogin {
            host: "127.0.0.1".into(),
            port: self.port,
            user: user.into(),
            auth,
            timeout: Duration::from_secs(10),
        }
    }

    /// The authorized client key, from memory.
    pub fn key_auth(&self) -> SshAuth {
        SshAuth::KeyMemory {
            private_key: Secret::new(std::fs::read_to_string(self.path("clientkey")).unwrap()),
            passphrase: None,
        }
    }

    /// The fingerprint as OpenSSH's own tool prints it.
    pub fn fingerprint(&self) -> String {
        let out = Command::new("ssh-keygen").arg("-lf").arg(self.path("hostkey.pub")).output().unwrap();
        String::from_utf8(out.stdout).unwrap().split_whitespace().nth(1).unwrap().to_owned()
    }
}
