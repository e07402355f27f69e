//! The VNC login done by the bridge when VMDeck holds the console's password (read from Vault, or set by
//! VMDeck on a local VM's QEMU): the bridge logs in to the server before the page connects, answering VNC
//! authentication (security type 2, DES challenge-response) itself, then plays the server's part of the
//! version and security steps for the page with only "None" on offer. The password never reaches the
//! webview, and a refused password is an error of `vnc_open`, before any console is shown.
//! RFC 6143 §7.1–7.2 (versions 3.8 and 3.7) and the 3.3 form of the security message.

use crate::error::{AppError, ErrorCode, Result};
use crate::secret::Secret;
use des::cipher::{BlockEncrypt, KeyInit};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

const SECURITY_NONE: u8 = 1;
const SECURITY_VNC: u8 = 2;

/// Reads whole RFB fields out of the page's WebSocket messages, whatever their framing; what it read
/// past the handshake goes to the server first.
pub(super) struct PageReader<S> {
    pub stream: S,
    pub buffered: Vec<u8>,
}

impl<S: Stream<Item = std::result::Result<Message, WsError>> + Unpin> PageReader<S> {
    async fn read_exact(&mut self, n: usize) -> std::result::Result<Vec<u8>, String> {
        while self.buffered.len() < n {
            match self.stream.next().await {
                Some(Ok(Message::Binary(data))) => self.buffered.extend_from_slice(&data),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    return Err("The console page left.".into())
                }
                Some(Ok(_)) => {}
            }
        }
        Ok(self.buffered.drain(..n).collect())
    }
}

fn protocol_error(what: &str) -> AppError {
    AppError::new(ErrorCode::ProviderError, format!("The VNC server broke off the login: {what}."))
}

async fn read_server(server: &mut TcpStream, n: usize) -> Result<Vec<u8>> {
    let mut bytes = vec![0u8; n];
    server.read_exact(&mut bytes).await.map_err(|_| protocol_error("it closed the connection"))?;
    Ok(bytes)
}

async fn write_server(server: &mut TcpStream, bytes: &[u8]) -> Result<()> {
    server.write_all(bytes).await.map_err(|_| protocol_error("the connection broke"))
}

/// A server's reason after a refusal (`u32` length, then text), cut to a readable size.
async fn reason(server: &mut TcpStream) -> String {
    let Ok(len) = read_server(server, 4).await else { return String::new() };
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]).min(1024) as usize;
    read_server(server, len).await.map(|r| String::from_utf8_lossy(&r).into_owned()).unwrap_or_default()
}

/// The protocol minor version of "RFB 003.00x\n"; versions this side does not know count as 3.3 (RFC
/// 6143 §7.1.1), and 3.8 is the most VMDeck speaks.
fn minor_of(version: &[u8]) -> u32 {
    let minor = std::str::from_utf8(&version[8..11]).ok().and_then(|m| m.parse::<u32>().ok()).unwrap_or(3);
    match minor {
        8.. => 8,
        7 => 7,
        _ => 3,
    }
}

/// Logs in to the VNC server with `password` (or with no login where the server asks none) and returns
/// the protocol version spoken, before the page connects.
pub(super) async fn login_server(server: &mut TcpStream, password: &Secret) -> Result<u32> {
    let version = read_server(server, 12).await?;
    if !version.starts_with(b"RFB ") {
        return Err(protocol_error("it does not speak RFB (is this a VNC port?)"));
    }
    let minor = minor_of(&version);
    write_server(server, format!("RFB 003.00{minor}\n").as_bytes()).await?;
    let chosen = if minor == 3 {
        let kind = read_server(server, 4).await?;
        u32::from_be_bytes([kind[0], kind[1], kind[2], kind[3]])
    } else {
        let count = read_server(server, 1).await?[0];
        let types = if count == 0 { Vec::new() } else { read_server(server, count as usize).await? };
        let pick = [SECURITY_VNC, SECURITY_NONE].into_iter().find(|t| types.contains(t));
        match (count, pick) {
            (0, _) => 0,
            (_, Some(pick)) => {
                write_server(server, &[pick]).await?;
                u32::from(pick)
            }
            (_, None) => {
                return Err(AppError::new(
                    ErrorCode::Unsupported,
                    format!("The VNC server wants a login VMDeck cannot answer for you (security types {types:?}); choose \u{201c}I type it\u{201d}."),
                ))
            }
        }
    };
    match chosen {
        0 => {
            let why = reason(server).await;
            Err(AppError::new(
                ErrorCode::ProviderError,
                format!("The VNC server refused the connection: {why}"),
            ))
        }
        1 => {
            // 3.8 sends a SecurityResult for "None" too.
            if minor == 8 {
                security_result(server, minor).await?;
            }
            Ok(minor)
        }
        2 => {
            let challenge: [u8; 16] = read_server(server, 16).await?.try_into().expect("16 bytes");
            write_server(server, &vnc_response(password.expose(), &challenge)).await?;
            security_result(server, minor).await?;
            Ok(minor)
        }
        other => Err(AppError::new(
            ErrorCode::Unsupported,
            format!("The VNC server wants a login VMDeck cannot answer for you (security type {other})."),
        )),
    }
}

async fn security_result(server: &mut TcpStream, minor: u32) -> Result<()> {
    let result = read_server(server, 4).await?;
    if result == [0, 0, 0, 0] {
        return Ok(());
    }
    let why = if minor == 8 { reason(server).await } else { String::new() };
    let why = if why.trim().is_empty() { "the password is wrong".to_owned() } else { why };
    Err(AppError::new(
        ErrorCode::AuthFailed,
        format!("The VNC server refused the password VMDeck fetched for it: {why}."),
    ))
}

/// Plays the server's part of the version and security steps for the page, offering only "None" (the
/// bridge logged in already); the page then goes on with ClientInit. Err is why the page was dropped.
pub(super) async fn greet_page<K, S>(
    page: &mut K,
    from_page: &mut PageReader<S>,
    minor: u32,
) -> std::result::Result<(), String>
where
    K: Sink<Message> + Unpin,
    S: Stream<Item = std::result::Result<Message, WsError>> + Unpin,
{
    let send = |bytes: Vec<u8>| Message::Binary(bytes.into());
    page.send(send(format!("RFB 003.00{minor}\n").into_bytes()))
        .await
        .map_err(|_| "The console page left.".to_owned())?;
    let page_minor = minor_of(&from_page.read_exact(12).await?).min(minor);
    if page_minor == 3 {
        return page
            .send(send(u32::from(SECURITY_NONE).to_be_bytes().to_vec()))
            .await
            .map_err(|_| "The console page left.".to_owned());
    }
    page.send(send(vec![1, SECURITY_NONE])).await.map_err(|_| "The console page left.".to_owned())?;
    if from_page.read_exact(1).await?[0] != SECURITY_NONE {
        return Err("The console page chose a login VMDeck did not offer.".into());
    }
    if page_minor == 8 {
        page.send(send(vec![0, 0, 0, 0])).await.map_err(|_| "The console page left.".to_owned())?;
    }
    Ok(())
}

/// The 16-byte answer to a VNC authentication challenge: DES with the password's first 8 bytes (zero
/// padded), each key byte's bits reversed, as every VNC implementation does.
pub fn vnc_response(password: &str, challenge: &[u8; 16]) -> [u8; 16] {
    let mut key = [0u8; 8];
    for (k, b) in key.iter_mut().zip(password.bytes()) {
        *k = b.reverse_bits();
    }
    let cipher = des::Des::new_from_slice(&key).expect("an 8-byte DES key");
    let mut out = *challenge;
    for block in out.chunks_exact_mut(8) {
        cipher.encrypt_block(block.into());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_challenge_answer_matches_a_known_vnc_exchange() {
        // Password "password" and a challenge of 16 zero bytes; the expected answer is DES-ECB with the
        // bit-reversed key 0e 86 ce ce ee f6 4e 26, computed independently (openssl des-ecb).
        // `head -c 8 /dev/zero | openssl enc -des-ecb -K 0e86ceceeef64e26 -nopad -provider legacy` gives
        // ff 97 50 2e 94 22 f0 89.
        let answer = super::vnc_response("password", &[0u8; 16]);
        let block = [0xff, 0x97, 0x50, 0x2e, 0x94, 0x22, 0xf0, 0x89];
        assert_eq!(answer[..8], block);
        assert_eq!(answer[8..], block, "ECB: equal blocks give equal answers");
        // Only the first 8 characters count, as in every VNC server.
        assert_eq!(super::vnc_response("password-and-more", &[0u8; 16]), answer);
    }
}
