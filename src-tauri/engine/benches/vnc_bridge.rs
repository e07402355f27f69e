//! The VNC bridge beside websockify on the same x11vnc (Xvfb 800×600, raw encoding): throughput of full
//! framebuffer updates and the round-trip time of a 1×1 update. x11vnc schedules its own updates, so its
//! round trips vary by milliseconds whatever the transport; the added latency per frame is therefore also
//! measured against a local echo server (a 1 KiB frame there and back), where TCP is a clean baseline. Goals: at least websockify's throughput, under 1 ms
//! added per frame. Run with `.ci/bench-vnc` (it installs websockify from PyPI into a venv and sets
//! WEBSOCKIFY; without it only VMDeck and TCP are measured).

#[path = "../tests/common/rfb.rs"]
mod rfb;
#[path = "../tests/common/vnc_server.rs"]
mod vnc_server;

use futures_util::{SinkExt, StreamExt};
use rfb::Transport;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use vmdeck_engine::vnc::VncBridge;
use vnc_server::{VncServer, PASSWORD};

const FULL_UPDATES: usize = 40;
const ROUND_TRIPS: usize = 400;

struct Tcp(TcpStream, Vec<u8>);

impl Transport for Tcp {
    async fn send(&mut self, bytes: &[u8]) {
        self.0.write_all(bytes).await.unwrap();
    }
    async fn take(&mut self, n: usize) -> Vec<u8> {
        let mut chunk = vec![0u8; 64 * 1024];
        while self.1.len() < n {
            let got = self.0.read(&mut chunk).await.unwrap();
            assert!(got > 0, "the server closed");
            self.1.extend_from_slice(&chunk[..got]);
        }
        self.1.drain(..n).collect()
    }
}

struct Ws(WebSocketStream<TcpStream>, Vec<u8>);

impl Transport for Ws {
    async fn send(&mut self, bytes: &[u8]) {
        self.0.send(Message::Binary(bytes.to_vec().into())).await.unwrap();
    }
    async fn take(&mut self, n: usize) -> Vec<u8> {
        while self.1.len() < n {
            match self.0.next().await.expect("closed").unwrap() {
                Message::Binary(data) => self.1.extend_from_slice(&data),
                Message::Close(_) => panic!("the bridge closed"),
                _ => {}
            }
        }
        self.1.drain(..n).collect()
    }
}

async fn websocket(url: &str) -> Ws {
    let port = reqwest::Url::parse(url).unwrap().port().expect("a ws:// URL with a port");
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url).unwrap();
    let mut request = request;
    request.headers_mut().insert("sec-websocket-protocol", "binary".parse().unwrap());
    Ws(tokio_tungstenite::client_async(request, tcp).await.unwrap().0, Vec::new())
}

/// Reads one FramebufferUpdate of raw rectangles (4 bytes per pixel) and returns its size in bytes.
async fn read_update(t: &mut impl Transport) -> usize {
    // Skip what the server may send between updates: Bell (2) and ServerCutText (3, x11vnc's clipboard).
    let header = loop {
        let kind = t.take(1).await[0];
        match kind {
            0 => break [vec![0], t.take(3).await].concat(),
            2 => {}
            3 => {
                let head = t.take(7).await;
                let len = u32::from_be_bytes(head[3..7].try_into().unwrap()) as usize;
                t.take(len).await;
            }
            other => panic!("unexpected server message {other}"),
        }
    };
    let rects = u16::from_be_bytes([header[2], header[3]]);
    let mut bytes = 4;
    for _ in 0..rects {
        let rect = t.take(12).await;
        let (w, h) = (
            u16::from_be_bytes([rect[4], rect[5]]) as usize,
            u16::from_be_bytes([rect[6], rect[7]]) as usize,
        );
        let encoding = i32::from_be_bytes(rect[8..12].try_into().unwrap());
        assert_eq!(encoding, 0, "raw encoding only");
        t.take(w * h * 4).await;
        bytes += 12 + w * h * 4;
    }
    bytes
}

async fn request(t: &mut impl Transport, x: u16, y: u16, w: u16, h: u16) {
    let mut message = vec![3, 0];
    for v in [x, y, w, h] {
        message.extend_from_slice(&v.to_be_bytes());
    }
    t.send(&message).await;
}

struct Figures {
    mb_per_s: f64,
    p50_us: f64,
    p99_us: f64,
}

async fn measure(t: &mut impl Transport) -> Figures {
    let init = rfb::handshake(t, PASSWORD).await.unwrap();
    t.send(&[2, 0, 0, 1, 0, 0, 0, 0]).await; // SetEncodings: raw only
    let started = Instant::now();
    let mut bytes = 0;
    for _ in 0..FULL_UPDATES {
        request(t, 0, 0, init.width, init.height).await;
        bytes += read_update(t).await;
    }
    let mb_per_s = bytes as f64 / 1e6 / started.elapsed().as_secs_f64();
    let mut times = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..ROUND_TRIPS {
        let started = Instant::now();
        request(t, (i % 100) as u16, 0, 1, 1).await;
        read_update(t).await;
        times.push(started.elapsed());
    }
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    Figures { mb_per_s, p50_us: us(times[times.len() / 2]), p99_us: us(times[times.len() * 99 / 100]) }
}

fn start_websockify(program: &str, target: u16) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(program)
        .args([format!("127.0.0.1:{port}"), format!("127.0.0.1:{target}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("websockify");
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "websockify did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

fn print(name: &str, f: &Figures, tcp: &Figures) {
    println!(
        "{name:<12} {:>8.1} MB/s   1×1 update p50 {:>7.0} µs   p99 {:>7.0} µs  (TCP p50 {:.0} µs)",
        f.mb_per_s, f.p50_us, f.p99_us, tcp.p50_us
    );
}

/// A TCP server that sends back what it receives.
async fn echo_server() -> u16 {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            stream.set_nodelay(true).unwrap();
            tokio::spawn(async move {
                let (mut r, mut w) = stream.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    port
}

/// p50 and p99 of a 1 KiB frame's round trip through `t` to the echo server, in µs.
async fn echo_round_trips(t: &mut impl Transport) -> (f64, f64) {
    let frame = vec![7u8; 1024];
    let mut times = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        let started = Instant::now();
        t.send(&frame).await;
        t.take(frame.len()).await;
        times.push(started.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

async fn echo_figures(websockify: Option<&str>) {
    let port = echo_server().await;
    let mut tcp = Tcp(TcpStream::connect(("127.0.0.1", port)).await.unwrap(), Vec::new());
    tcp.0.set_nodelay(true).unwrap();
    let base = echo_round_trips(&mut tcp).await;
    let bridge = VncBridge::start("127.0.0.1", port).await.unwrap();
    let ours = echo_round_trips(&mut websocket(&bridge.url()).await).await;
    println!("1 KiB frame round trip to an echo server (p50 / p99):");
    println!("plain TCP    {:>6.0} / {:>6.0} µs", base.0, base.1);
    println!(
        "VMDeck       {:>6.0} / {:>6.0} µs   added p50 {:>4.0} µs (goal < 1000)",
        ours.0,
        ours.1,
        ours.0 - base.0
    );
    if let Some(program) = websockify {
        let (mut child, wport) = start_websockify(program, port);
        let theirs = echo_round_trips(&mut websocket(&format!("ws://127.0.0.1:{wport}/")).await).await;
        println!(
            "websockify   {:>6.0} / {:>6.0} µs   added p50 {:>4.0} µs",
            theirs.0,
            theirs.1,
            theirs.0 - base.0
        );
        let _ = child.kill();
    }
}

#[tokio::main]
async fn main() {
    let server = VncServer::start();
    let mut direct = Tcp(TcpStream::connect(("127.0.0.1", server.port)).await.unwrap(), Vec::new());
    direct.0.set_nodelay(true).unwrap();
    let tcp = measure(&mut direct).await;
    drop(direct);

    let bridge = VncBridge::start("127.0.0.1", server.port).await.unwrap();
    let vmdeck = measure(&mut websocket(&bridge.url()).await).await;

    println!("VNC bridge benchmark: x11vnc on Xvfb 800×600×24, raw encoding, {FULL_UPDATES} full updates, {ROUND_TRIPS} 1×1 round trips");
    print("plain TCP", &tcp, &tcp);
    print("VMDeck", &vmdeck, &tcp);
    match std::env::var("WEBSOCKIFY") {
        Ok(program) => {
            let (mut child, port) = start_websockify(&program, server.port);
            let websockify = measure(&mut websocket(&format!("ws://127.0.0.1:{port}/")).await).await;
            print("websockify", &websockify, &tcp);
            println!(
                "VMDeck / websockify throughput: {:.2}× (goal ≥ 1)",
                vmdeck.mb_per_s / websockify.mb_per_s
            );
            println!(
                "VMDeck / websockify 1×1 update p50: {:.2}× (goal ≤ 1; both on x11vnc without naps, see vnc_server.rs)",
                vmdeck.p50_us / websockify.p50_us
            );
            let _ = child.kill();
        }
        Err(_) => println!("websockify: not measured (set WEBSOCKIFY, as .ci/bench-vnc does)"),
    }
    echo_figures(std::env::var("WEBSOCKIFY").ok().as_deref()).await;
}
