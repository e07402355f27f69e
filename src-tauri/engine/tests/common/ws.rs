//! A WebSocket byte transport for the RFB test client: what noVNC does through the bridge.
#![allow(dead_code)]

use super::rfb::Transport;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

pub struct Ws {
    pub socket: WebSocketStream<TcpStream>,
    pub buffer: Vec<u8>,
}

impl Transport for Ws {
    async fn send(&mut self, bytes: &[u8]) {
        self.socket.send(Message::Binary(bytes.to_vec().into())).await.unwrap();
    }

    async fn take(&mut self, n: usize) -> Vec<u8> {
        while self.buffer.len() < n {
            match self.socket.next().await.expect("the bridge closed early").unwrap() {
                Message::Binary(data) => self.buffer.extend_from_slice(&data),
                other => panic!("unexpected message {other:?}"),
            }
        }
        self.buffer.drain(..n).collect()
    }
}

pub async fn open(url: &str) -> Result<Ws, tungstenite::Error> {
    let port = reqwest::Url::parse(url).unwrap().port().expect("a ws:// URL with a port");
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (socket, _) = tokio_tungstenite::client_async(url, tcp).await?;
    Ok(Ws { socket, buffer: Vec::new() })
}
