//! The console bridge against a real VNC server (Xvfb + x11vnc on 127.0.0.1): handshake, password
//! authentication and a framebuffer update through the WebSocket; a wrong or reused token refused; closing
//! frees the port. Ignored by default (needs Xvfb, x11vnc, xmessage); CI runs it with --include-ignored.
#[path = "common/rfb.rs"]
mod rfb;
#[path = "common/vnc_server.rs"]
mod vnc_server;
#[path = "common/ws.rs"]
mod ws;

use futures_util::StreamExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use vmdeck_engine::vnc::VncBridge;
use vmdeck_engine::{ErrorCode, Secret};
use vnc_server::{VncServer, PASSWORD};
use ws::{open, Ws};

fn refused_with_403(result: Result<Ws, tungstenite::Error>) {
    match result {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        Err(other) => panic!("expected 403, got {other}"),
        Ok(_) => panic!("the bridge accepted a connection it should refuse"),
    }
}

#[tokio::test]
#[ignore = "needs Xvfb and x11vnc; run by CI with --include-ignored"]
async fn novnc_style_client_authenticates_and_gets_a_framebuffer_update_through_the_bridge() {
    let server = VncServer::start();
    let bridge = VncBridge::start("127.0.0.1", server.port).await.unwrap();
    assert!(bridge.url().starts_with(&format!("ws://127.0.0.1:{}/vnc?token=", bridge.port())));
    let mut ws = open(&bridge.url()).await.unwrap();
    let init = rfb::handshake(&mut ws, PASSWORD).await.unwrap();
    assert_eq!((init.width, init.height), (800, 600), "the Xvfb screen");
    let (rects, first) = rfb::request_full_update(&mut ws, init.width, init.height).await;
    assert!(rects >= 1);
    assert!(first.0 > 0 && first.1 > 0, "a non-empty rectangle: {first:?}");
}

#[tokio::test]
#[ignore = "needs Xvfb and x11vnc; run by CI with --include-ignored"]
async fn with_the_password_the_bridge_logs_in_itself_and_the_page_is_offered_no_login() {
    let server = VncServer::start();
    let bridge = VncBridge::start_with("127.0.0.1", server.port, Some(Secret::new(PASSWORD))).await.unwrap();
    let mut ws = open(&bridge.url()).await.unwrap();
    // The page knows no password: it is offered "None" and gets the real screen.
    let init = rfb::handshake(&mut ws, "").await.unwrap();
    assert_eq!(init.security, 1, "the page was offered no login");
    assert_eq!((init.width, init.height), (800, 600), "the Xvfb screen");
    let (rects, first) = rfb::request_full_update(&mut ws, init.width, init.height).await;
    assert!(rects >= 1 && first.0 > 0 && first.1 > 0, "{rects} {first:?}");
    bridge.close().await;

    // A wrong fetched password fails at open, with a coded error, before any page connects.
    let err =
        VncBridge::start_with("127.0.0.1", server.port, Some(Secret::new("not-it"))).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::AuthFailed, "{err:?}");
    assert!(err.message.contains("refused the password"), "{}", err.message);
}

#[tokio::test]
#[ignore = "needs Xvfb and x11vnc; run by CI with --include-ignored"]
async fn a_wrong_password_is_refused_by_the_server_through_the_bridge() {
    let server = VncServer::start();
    let bridge = VncBridge::start("127.0.0.1", server.port).await.unwrap();
    let mut ws = open(&bridge.url()).await.unwrap();
    let err = rfb::handshake(&mut ws, "not-it").await.unwrap_err();
    assert!(err.starts_with("authentication failed"), "{err}");
}

#[tokio::test]
#[ignore = "needs Xvfb and x11vnc; run by CI with --include-ignored"]
async fn a_bad_token_and_a_second_use_of_the_token_are_refused() {
    let server = VncServer::start();
    let bridge = VncBridge::start("127.0.0.1", server.port).await.unwrap();
    let url = bridge.url();
    let (base, token) = url.split_once("token=").unwrap();
    refused_with_403(open(&format!("{base}token={}", "0".repeat(token.len()))).await);
    refused_with_403(open(base).await);
    let mut first = open(&url).await.unwrap();
    refused_with_403(open(&url).await);
    // The first client is unaffected by the refused ones.
    rfb::handshake(&mut first, PASSWORD).await.unwrap();
}

#[tokio::test]
#[ignore = "needs Xvfb and x11vnc; run by CI with --include-ignored"]
async fn closing_the_console_frees_its_port_and_ends_the_session() {
    let server = VncServer::start();
    let bridge = VncBridge::start("127.0.0.1", server.port).await.unwrap();
    let port = bridge.port();
    let mut ws = open(&bridge.url()).await.unwrap();
    rfb::handshake(&mut ws, PASSWORD).await.unwrap();
    bridge.close().await;
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err(), "the port is free");
    // The open WebSocket ends too.
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match ws.socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the session ended with the console");
}

#[tokio::test]
async fn an_unreachable_vnc_server_fails_at_open_with_a_coded_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = VncBridge::start("127.0.0.1", port).await.err().expect("nothing listens there");
    assert_eq!(err.code, ErrorCode::Unreachable);
    assert!(err.message.contains(&format!("127.0.0.1:{port}")), "{}", err.message);
}

/// A VNC "server" that accepts and holds connections: enough for the bridge's own rules.
async fn holding_server() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (port, task)
}

async fn open_with_origin(url: &str, origin: &str) -> Result<Ws, tungstenite::Error> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let port = reqwest::Url::parse(url).unwrap().port().unwrap();
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("origin", origin.parse().unwrap());
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (socket, _) = tokio_tungstenite::client_async(request, tcp).await?;
    Ok(Ws { socket, buffer: Vec::new() })
}

#[tokio::test]
async fn a_client_that_says_nothing_holds_up_neither_the_console_nor_close() {
    let (server, _task) = holding_server().await;
    let bridge = VncBridge::start("127.0.0.1", server).await.unwrap();
    let _silent = TcpStream::connect(("127.0.0.1", bridge.port())).await.unwrap();
    let started = std::time::Instant::now();
    let ws = open_with_origin(&bridge.url(), "tauri://localhost").await;
    assert!(ws.is_ok(), "the app's own page still connects");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "not queued behind the silent client");
    let started = std::time::Instant::now();
    bridge.close().await;
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "close is not held up");
}

#[tokio::test]
async fn a_page_from_another_origin_is_refused_and_does_not_use_up_the_token() {
    let (server, _task) = holding_server().await;
    let bridge = VncBridge::start("127.0.0.1", server).await.unwrap();
    refused_with_403(open_with_origin(&bridge.url(), "https://evil.example").await);
    refused_with_403(open_with_origin(&bridge.url(), "http://localhost:8080").await);
    assert!(open_with_origin(&bridge.url(), "tauri://localhost").await.is_ok());
}
