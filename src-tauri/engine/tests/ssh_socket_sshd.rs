//! An SSH terminal on its one-time local WebSocket (`ssh::ShellSocket`), against a real OpenSSH sshd:
//! what the page types reaches the shell, the shell's output and its end reach the page, and only the
//! app's page with the token gets in. Ignored by a plain `cargo test` (needs /usr/sbin/sshd, root).

#[path = "common/sshd.rs"]
mod sshd;

use futures_util::{SinkExt, StreamExt};
use sshd::{current_user, Sshd};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use vmdeck_engine::ssh::{connect, HostKeyDecision, KnownHosts, ShellSocket};

type Page = WebSocketStream<TcpStream>;

async fn open_shell(sshd: &Sshd) -> (ShellSocket, tokio::sync::oneshot::Receiver<()>) {
    let known = KnownHosts::new(sshd.path("vmdeck_known_hosts"));
    let decision = HostKeyDecision::TrustOnce { fingerprint: sshd.fingerprint() };
    let session = connect(&sshd.login(&current_user(), sshd.key_auth()), &known, &decision).unwrap();
    let (closed, on_closed) = tokio::sync::oneshot::channel();
    let shell = ShellSocket::start(session, 80, 24, move || {
        let _ = closed.send(());
    })
    .await
    .unwrap();
    (shell, on_closed)
}

/// Opens `url` as a page from `origin` would (None: a native client, which sends no Origin).
async fn dial(url: &str, origin: Option<&'static str>) -> Result<Page, String> {
    let mut request = url.into_client_request().unwrap();
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", HeaderValue::from_static(origin));
    }
    let port = request.uri().port_u16().unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.map_err(|err| err.to_string())?;
    tokio_tungstenite::client_async(request, tcp).await.map(|(page, _)| page).map_err(|err| err.to_string())
}

/// Reads binary output until `marker` shows, and returns all text read.
async fn read_until(page: &mut Page, marker: &str) -> String {
    let mut seen = Vec::new();
    let read = async {
        while let Some(Ok(message)) = page.next().await {
            if let Message::Binary(bytes) = message {
                seen.extend_from_slice(&bytes);
                if String::from_utf8_lossy(&seen).contains(marker) {
                    return;
                }
            }
        }
    };
    let found = tokio::time::timeout(Duration::from_secs(20), read).await.is_ok();
    let text = String::from_utf8_lossy(&seen).into_owned();
    assert!(found, "no {marker:?} in:\n{text}");
    text
}

#[tokio::test]
#[ignore = "needs OpenSSH sshd; run by .ci/test"]
async fn the_page_types_into_the_shell_and_hears_its_output_and_its_end() {
    let sshd = Sshd::start();
    let (shell, on_closed) = open_shell(&sshd).await;
    let url = shell.url().to_owned();

    let wrong_token = url.split("token=").next().unwrap().to_owned() + "token=00";
    assert!(dial(&wrong_token, Some("tauri://localhost")).await.unwrap_err().contains("403"));
    let elsewhere = dial(&url, Some("https://example.com")).await.unwrap_err();
    assert!(elsewhere.contains("403"), "another site's page is refused: {elsewhere}");
    let mut page = dial(&url, Some("tauri://localhost")).await.expect("the app's page with the token");
    assert!(dial(&url, Some("tauri://localhost")).await.is_err(), "the token works once");

    // Keystrokes one message each, as the terminal sends them; the arithmetic shows the shell ran it.
    for key in "echo sock-$((6*7))\n".chars() {
        page.send(Message::Text(key.to_string().into())).await.unwrap();
    }
    read_until(&mut page, "sock-42").await;

    page.send(Message::Binary(b"exit 3\n".to_vec().into())).await.unwrap();
    let ended = async {
        while let Some(Ok(message)) = page.next().await {
            if let Message::Text(text) = message {
                return text.to_string();
            }
        }
        panic!("the socket ended without saying how the shell did");
    };
    let ended = tokio::time::timeout(Duration::from_secs(20), ended).await.expect("the shell's end");
    let ended: serde_json::Value = serde_json::from_str(&ended).unwrap();
    assert_eq!(ended["exit_status"], 3);
    assert!(ended["error"].is_null());
    tokio::time::timeout(Duration::from_secs(5), on_closed).await.unwrap().unwrap();
    tokio::task::spawn_blocking(move || shell.close()).await.unwrap();
}

#[tokio::test]
#[ignore = "needs OpenSSH sshd; run by .ci/test"]
async fn a_page_that_goes_away_ends_its_shell_and_close_does_not_wait_on_a_page_that_reads_nothing() {
    let sshd = Sshd::start();
    let (shell, on_closed) = open_shell(&sshd).await;
    let mut page = dial(shell.url(), None).await.unwrap();
    page.send(Message::Text("echo ready-$((1+1))\n".into())).await.unwrap();
    read_until(&mut page, "ready-2").await;
    drop(page);
    tokio::time::timeout(Duration::from_secs(10), on_closed).await.expect("the shell ended").unwrap();
    tokio::task::spawn_blocking(move || shell.close()).await.unwrap();

    // A page that asked for a flood and stopped reading: closing still returns promptly.
    let (shell, _on_closed) = open_shell(&sshd).await;
    let mut page = dial(shell.url(), None).await.unwrap();
    page.send(Message::Text("yes flood-flood-flood-flood\n".into())).await.unwrap();
    read_until(&mut page, "flood-flood\r\nflood").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let closing = tokio::task::spawn_blocking(move || shell.close());
    tokio::time::timeout(Duration::from_secs(10), closing).await.expect("close returned").unwrap();
}

#[tokio::test]
#[ignore = "needs OpenSSH sshd; run by .ci/test"]
async fn a_silent_local_connection_does_not_hold_up_the_page() {
    let sshd = Sshd::start();
    let (shell, _on_closed) = open_shell(&sshd).await;
    let port = shell.url().into_client_request().unwrap().uri().port_u16().unwrap();
    // Another local process connects first and says nothing: its handshake may take up to 5 s.
    let _silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut page = tokio::time::timeout(Duration::from_secs(2), dial(shell.url(), None))
        .await
        .expect("the page got in while the silent connection still waited")
        .unwrap();
    page.send(Message::Text("echo in-$((2+2))\n".into())).await.unwrap();
    read_until(&mut page, "in-4").await;
    tokio::task::spawn_blocking(move || shell.close()).await.unwrap();
}
