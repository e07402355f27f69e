//! Just enough of an RFB (VNC) client to prove a console works end to end: version, VNC password
//! authentication (DES over the challenge), ServerInit and one framebuffer update. Speaks through any
//! byte transport, so the tests drive it over the bridge's WebSocket.
#![allow(dead_code)]

use des::cipher::{BlockEncrypt, KeyInit};

/// The 16-byte answer to a VNC authentication challenge: DES with the password (≤ 8 bytes, each byte's
/// bits reversed, as the RFB spec's reference implementation does) over the two 8-byte halves.
pub fn vnc_auth_response(password: &str, challenge: &[u8; 16]) -> [u8; 16] {
    let mut key = [0u8; 8];
    for (slot, byte) in key.iter_mut().zip(password.bytes()) {
        *slot = byte.reverse_bits();
    }
    let cipher = des::Des::new_from_slice(&key).unwrap();
    let mut out = *challenge;
    for half in out.chunks_mut(8) {
        cipher.encrypt_block(des::cipher::generic_array::GenericArray::from_mut_slice(half));
    }
    out
}

/// What ServerInit says about the remote screen.
#[derive(Debug)]
pub struct ServerInit {
    pub width: u16,
    pub height: u16,
    pub name: String,
    /// The security type used: 2 (VNC password) or 1 (none, when that is all that is offered).
    pub security: u8,
}

/// A byte transport the RFB steps run over (the bridge's WebSocket in the tests).
#[allow(async_fn_in_trait)]
pub trait Transport {
    async fn send(&mut self, bytes: &[u8]);
    /// Exactly `n` bytes, buffering whatever arrives in larger messages.
    async fn take(&mut self, n: usize) -> Vec<u8>;
}

/// Version → security type 2 → challenge/response → result → ClientInit → ServerInit. Where only "None"
/// is offered (VMDeck's bridge logged in already) it takes that, as noVNC does.
pub async fn handshake(t: &mut impl Transport, password: &str) -> Result<ServerInit, String> {
    let version = t.take(12).await;
    if !version.starts_with(b"RFB 003.") {
        return Err(format!("not an RFB server: {:?}", String::from_utf8_lossy(&version)));
    }
    t.send(b"RFB 003.008\n").await;
    let count = t.take(1).await[0] as usize;
    if count == 0 {
        return Err("the server refused the connection".into());
    }
    let types = t.take(count).await;
    let security = if types.contains(&2) {
        2
    } else if types == [1] {
        1
    } else {
        return Err(format!("no VNC authentication offered: {types:?}"));
    };
    t.send(&[security]).await;
    if security == 2 {
        let challenge: [u8; 16] = t.take(16).await.try_into().unwrap();
        t.send(&vnc_auth_response(password, &challenge)).await;
    }
    let result = u32::from_be_bytes(t.take(4).await.try_into().unwrap());
    if result != 0 {
        let len = u32::from_be_bytes(t.take(4).await.try_into().unwrap()) as usize;
        return Err(format!("authentication failed: {}", String::from_utf8_lossy(&t.take(len).await)));
    }
    t.send(&[1]).await; // ClientInit, shared
    let init = t.take(24).await;
    let width = u16::from_be_bytes([init[0], init[1]]);
    let height = u16::from_be_bytes([init[2], init[3]]);
    let name_len = u32::from_be_bytes(init[20..24].try_into().unwrap()) as usize;
    let name = String::from_utf8_lossy(&t.take(name_len).await).into_owned();
    Ok(ServerInit { width, height, name, security })
}

/// Asks for the whole screen (raw encoding only) and reads the FramebufferUpdate header and its first
/// rectangle header; returns (rectangles, first rectangle's width × height).
pub async fn request_full_update(t: &mut impl Transport, width: u16, height: u16) -> (u16, (u16, u16)) {
    // SetEncodings: raw (0) only, so the update's size is predictable.
    t.send(&[2, 0, 0, 1, 0, 0, 0, 0]).await;
    let mut request = vec![3, 0, 0, 0, 0, 0];
    request.extend_from_slice(&width.to_be_bytes());
    request.extend_from_slice(&height.to_be_bytes());
    t.send(&request).await;
    let header = t.take(4).await;
    assert_eq!(header[0], 0, "a FramebufferUpdate message");
    let rects = u16::from_be_bytes([header[2], header[3]]);
    let rect = t.take(12).await;
    (rects, (u16::from_be_bytes([rect[4], rect[5]]), u16::from_be_bytes([rect[6], rect[7]])))
}
