//! A real VNC server for the console tests and the bridge benchmark (included with `#[path]`): Xvfb on a
//! free display with an xmessage window on it, and x11vnc on 127.0.0.1 with a VNC password.
//! Needs Xvfb, x11vnc and xmessage (packages xvfb, x11vnc, x11-utils).
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "vnc-pw1";

pub struct VncServer {
    pub port: u16,
    pub display: u32,
    children: Vec<Child>,
}

impl Drop for VncServer {
    fn drop(&mut self) {
        for child in self.children.iter_mut().rev() {
            // SIGTERM first: x11vnc then removes its SysV shared memory. Killed outright it leaks a segment
            // per run until the system's limit is reached, and every later x11vnc fails ("shmget: No space
            // left on device").
            // SAFETY: kill only sends a signal to a process id we spawned.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(3);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !ready() {
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl VncServer {
    pub fn start() -> Self {
        // Xvfb picks a free display itself and writes its number to the pipe (-displayfd), so tests running
        // in parallel never share one.
        let mut xvfb = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "800x600x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (package xvfb)");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(xvfb.stdout.take().unwrap()), &mut line)
            .unwrap();
        let display: u32 = line.trim().parse().expect("Xvfb printed its display number");
        let port = free_port();
        let mut server = VncServer { port, display, children: vec![xvfb] };
        // Something to see on the remote screen.
        if let Ok(child) = Command::new("xmessage")
            .args([
                "-display",
                &format!(":{display}"),
                "-center",
                "VMDeck console test: this is the remote screen",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            server.children.push(child);
        }
        let x11vnc = Command::new("x11vnc")
            .args(["-display", &format!(":{display}"), "-rfbport", &port.to_string(), "-listen", "127.0.0.1"])
            .args(["-passwd", PASSWORD, "-forever", "-shared", "-quiet", "-nopw", "-noxdamage"])
            // No naps: x11vnc otherwise sleeps longer and longer while the screen is still, and a request
            // that arrives in a nap waits ~60 ms, whoever sent it (benchmarks saw it move between clients).
            .args(["-nonap", "-defer", "0", "-wait", "5"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("x11vnc (package x11vnc)");
        server.children.push(x11vnc);
        wait_for("x11vnc", || TcpStream::connect(("127.0.0.1", port)).is_ok());
        server
    }
}
