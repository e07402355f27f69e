//! Login through a running ssh-agent, as `SSH_AUTH_SOCK` names it. Its own test binary, because it sets
//! that variable; ignored by a plain `cargo test` like the other sshd tests (run by .ci/test).

#[path = "common/sshd.rs"]
mod sshd;

use sshd::{current_user, Sshd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use vmdeck_engine::ssh::{connect, HostKeyDecision, KnownHosts, SshAuth};
use vmdeck_engine::ErrorCode;

#[test]
#[ignore = "needs OpenSSH sshd and ssh-agent; run by .ci/test"]
fn the_agent_logs_in_with_the_key_it_holds() {
    let sshd = Sshd::start();
    let d = sshd.dir.path();
    let socket = d.join("agent.sock");
    let mut agent =
        Command::new("ssh-agent").args(["-D", "-a"]).arg(&socket).stdout(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(Instant::now() < deadline, "ssh-agent did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The only test of this binary: nothing else reads the environment meanwhile.
    std::env::set_var("SSH_AUTH_SOCK", &socket);
    let user = current_user();
    let login = |auth| sshd.login(&user, auth);
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
}
