//! SSH throughput (200 MB from `head -c … /dev/zero`) and keystroke echo latency (a byte into `cat` on a
//! PTY until its echo returns), for VMDeck's engine and for OpenSSH's own `ssh` client against the same
//! sshd on 127.0.0.1. Goals: throughput ≥ 0.8× of `ssh`; echo p50 within 2 ms of `ssh`. Needs root (sshd's
//! /run/sshd) and openssh-server / openssh-client. Run with `.ci/bench-ssh`.

#[path = "../tests/common/sshd.rs"]
mod sshd;

use sshd::{current_user, Sshd};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use vmdeck_engine::ssh::{connect, HostKeyDecision, KnownHosts, ShellEvent, ShellHandle};

const BYTES: u64 = 200_000_000;
const KEYSTROKES: usize = 200;

fn engine_session(sshd: &Sshd) -> ssh2::Session {
    let login = sshd.login(&current_user(), sshd.key_auth());
    let known = KnownHosts::new(sshd.path("known_hosts"));
    let probe = connect(&login, &known, &HostKeyDecision::KnownOnly);
    let fingerprint = match probe {
        Err(err) => err.details.unwrap()["fingerprint"].as_str().unwrap().to_owned(),
        Ok(session) => return session,
    };
    connect(&login, &known, &HostKeyDecision::TrustAndSave { fingerprint }).unwrap()
}

fn ssh_command(sshd: &Sshd) -> Command {
    let mut command = Command::new("ssh");
    command
        .args(["-q", "-o", "StrictHostKeyChecking=no", "-o", "BatchMode=yes", "-i"])
        .arg(sshd.path("clientkey"))
        .args([
            "-o",
            &format!("UserKnownHostsFile={}", sshd.path("ssh_known_hosts").display()),
            "-p",
            &sshd.port.to_string(),
        ])
        .arg(format!("{}@127.0.0.1", current_user()));
    command
}

fn mb_per_s(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / 1e6 / elapsed.as_secs_f64()
}

fn engine_throughput(sshd: &Sshd) -> f64 {
    let session = engine_session(sshd);
    let mut channel = session.channel_session().unwrap();
    let started = Instant::now();
    channel.exec(&format!("head -c {BYTES} /dev/zero")).unwrap();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = channel.read(&mut buffer).unwrap();
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    assert_eq!(total, BYTES);
    mb_per_s(total, started.elapsed())
}

fn openssh_throughput(sshd: &Sshd) -> f64 {
    let started = Instant::now();
    let mut child =
        ssh_command(sshd).arg(format!("head -c {BYTES} /dev/zero")).stdout(Stdio::piped()).spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = out.read(&mut buffer).unwrap();
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    child.wait().unwrap();
    assert_eq!(total, BYTES);
    mb_per_s(total, started.elapsed())
}

fn p50(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Through the engine's shell thread, as the app's terminal uses it.
fn engine_echo(sshd: &Sshd) -> Duration {
    let session = engine_session(sshd);
    let (tx, rx) = mpsc::channel();
    let shell = ShellHandle::start(session, 80, 24, move |event| {
        if let ShellEvent::Output(bytes) = event {
            let _ = tx.send(bytes);
        }
    })
    .unwrap();
    shell.input(b"exec cat\n".to_vec());
    std::thread::sleep(Duration::from_millis(500));
    while rx.try_recv().is_ok() {}
    let mut samples = Vec::new();
    for _ in 0..KEYSTROKES {
        let started = Instant::now();
        shell.input(b"x".to_vec());
        let echo = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        samples.push(started.elapsed());
        assert!(echo.contains(&b'x'));
        std::thread::sleep(Duration::from_millis(5));
        while rx.try_recv().is_ok() {}
    }
    shell.close();
    p50(samples)
}

fn openssh_echo(sshd: &Sshd) -> Duration {
    let mut child =
        ssh_command(sshd).args(["-tt", "cat"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut output = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = output.read(&mut buffer) {
            if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    while rx.try_recv().is_ok() {}
    let mut samples = Vec::new();
    for _ in 0..KEYSTROKES {
        let started = Instant::now();
        input.write_all(b"x").unwrap();
        input.flush().unwrap();
        let echo = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        samples.push(started.elapsed());
        assert!(echo.contains(&b'x'));
        std::thread::sleep(Duration::from_millis(5));
        while rx.try_recv().is_ok() {}
    }
    let _ = child.kill();
    let _ = child.wait();
    p50(samples)
}

fn main() {
    let sshd = Sshd::start();
    let (mut engine, mut openssh) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        engine.push(engine_throughput(&sshd));
        openssh.push(openssh_throughput(&sshd));
    }
    let best = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
    let (e, o) = (best(&engine), best(&openssh));
    println!("throughput of {} MB (best of 3):", BYTES / 1_000_000);
    println!("  VMDeck engine : {e:>8.1} MB/s");
    println!("  OpenSSH ssh   : {o:>8.1} MB/s");
    println!("  ratio         : {:>8.2}× (goal ≥ 0.80×)", e / o);
    let (e, o) = (engine_echo(&sshd), openssh_echo(&sshd));
    println!("keystroke echo, p50 of {KEYSTROKES}:");
    println!(
        "  VMDeck engine : {:>8.3} ms (shell thread; the UI adds Tauri IPC and xterm.js)",
        e.as_secs_f64() * 1e3
    );
    println!("  OpenSSH ssh   : {:>8.3} ms", o.as_secs_f64() * 1e3);
    println!("  difference    : {:>8.3} ms (goal ≤ 2 ms)", (e.as_secs_f64() - o.as_secs_f64()) * 1e3);
}
