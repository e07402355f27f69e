//! Login through a running ssh-agent, as `SSH_AUTH_SOCK` names it. Its own test binary, because it sets
//! that variable; ignored by a plain `cargo test` like the other sshd tests (run by .ci/test).

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use vmdeck_engine::ssh::{connect, HostKeyDecision, KnownHosts, SshAuth, SshLogin};
use vmdeck_engine::ErrorCode;

fn keygen(path: &std::path::Path) {
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .unwrap()
        .success());
}

#[test]
#[ignore = "needs OpenSSH sshd and ssh-agent; run by .ci/test"]
fn the_agent_logs_in_with_the_key_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(&d.join("hostkey"));
    keygen(&d.join("clientkey"));
    std::fs::copy(d.join("clientkey.pub"), d.join("authorized_keys")).unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::fs::write(
        d.join("sshd_config"),
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {0}/hostkey\nPidFile {0}/pid\nAuthorizedKeysFile {0}/authorized_keys\nUsePAM no\nPermitRootLogin yes\nStrictModes no\n",
            d.display()
        ),
    )
    .unwrap();
    std::fs::create_dir_all("/run/sshd").ok();
    let mut sshd =
        Command::new("/usr/sbin/sshd").args(["-D", "-f"]).arg(d.join("sshd_config")).spawn().unwrap();
    let socket = d.join("agent.sock");
    let mut agent =
        Command::new("ssh-agent").args(["-D", "-a"]).arg(&socket).stdout(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() || std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "sshd or ssh-agent did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The only test of this binary: nothing else reads the environment meanwhile.
    std::env::set_var("SSH_AUTH_SOCK", &socket);
    let user =
        String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap().trim().to_owned();
    let login = |auth| SshLogin {
        host: "127.0.0.1".into(),
        port,
        user: user.clone(),
        auth,
        timeout: Duration::from_secs(10),
    };
    let known = KnownHosts::new(d.join("known_hosts"));
    let fingerprint = match connect(&login(SshAuth::Agent), &known, &HostKeyDecision::KnownOnly) {
        Err(err) => err.details.unwrap()["fingerprint"].as_str().unwrap().to_owned(),
        Ok(_) => panic!("the host key was not known yet"),
    };
    let trust = HostKeyDecision::TrustOnce { fingerprint };

    // An empty agent cannot log in; after ssh-add it can.
    match connect(&login(SshAuth::Agent), &known, &trust) {
        Err(err) => assert_eq!(err.code, ErrorCode::AuthFailed),
        Ok(_) => panic!("an empty agent logged in"),
    }
    let added = Command::new("ssh-add")
        .arg(d.join("clientkey"))
        .env("SSH_AUTH_SOCK", &socket)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(added.success());
    let session = match connect(&login(SshAuth::Agent), &known, &trust) {
        Ok(session) => session,
        Err(err) => panic!("{err:?}"),
    };
    assert!(session.authenticated());
    let _ = agent.kill();
    let _ = agent.wait();
    let _ = sshd.kill();
    let _ = sshd.wait();
}
