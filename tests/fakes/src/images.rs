//! An image mirror for the local-VM tests: serves a folder (the guest image, its kernel and initrd, the
//! `SHA256SUMS` file and `catalog.json` that `.ci/guest-image` writes) the way the publishers' servers
//! do: `Range: bytes=N-` answered with 206 and `Content-Range` (cloud.debian.org and
//! cloud-images.ubuntu.com both honour ranges). Faults a test can set: cut the next full download of a
//! file after some bytes (the connection drops mid-body), or flip one byte of a file (a corrupt mirror).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::net::TcpListener;

#[derive(Debug, Default)]
pub struct ImageFaults {
    /// The next full (non-range) download of this file stops after this many bytes.
    pub cut_once: Option<(String, u64)>,
    /// This file is served with one byte changed.
    pub corrupt: Option<String>,
}

#[derive(Default)]
pub struct ImageLog {
    /// Each request as `file` or `file@offset` when it asked for a range.
    pub requests: Vec<String>,
}

#[derive(Clone)]
struct Served {
    dir: PathBuf,
    faults: Arc<Mutex<ImageFaults>>,
    log: Arc<Mutex<ImageLog>>,
}

pub struct ImageServer {
    pub port: u16,
    pub faults: Arc<Mutex<ImageFaults>>,
    pub log: Arc<Mutex<ImageLog>>,
    task: tokio::task::JoinHandle<()>,
}

impl ImageServer {
    pub async fn start(dir: PathBuf) -> std::io::Result<Self> {
        let served = Served { dir, faults: Default::default(), log: Default::default() };
        let app = Router::new().route("/{file}", get(serve)).with_state(served.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { port, faults: served.faults, log: served.log, task })
    }

    pub fn url(&self, file: &str) -> String {
        format!("http://127.0.0.1:{}/{file}", self.port)
    }
}

impl Drop for ImageServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn range_start(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(header::RANGE)?.to_str().ok()?;
    value.strip_prefix("bytes=")?.strip_suffix('-')?.parse().ok()
}

async fn serve(State(served): State<Served>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    if file.contains("..") || file.contains('/') {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = served.dir.join(&file);
    let Ok(mut handle) = tokio::fs::File::open(&path).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let len = handle.metadata().await.map(|m| m.len()).unwrap_or(0);
    let start = range_start(&headers).filter(|s| *s <= len);
    served.log.lock().unwrap().requests.push(match start {
        Some(offset) => format!("{file}@{offset}"),
        None => file.clone(),
    });
    let (cut, corrupt) = {
        let mut faults = served.faults.lock().unwrap();
        let cut = match (&faults.cut_once, start) {
            (Some((name, bytes)), None) if *name == file => {
                let bytes = *bytes;
                faults.cut_once = None;
                Some(bytes)
            }
            _ => None,
        };
        (cut, faults.corrupt.as_deref() == Some(file.as_str()))
    };
    let offset = start.unwrap_or(0);
    if handle.seek(std::io::SeekFrom::Start(offset)).await.is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    // Streams the file in 256 KiB chunks; a cut ends the body with an error, which drops the connection.
    let stream = futures_util::stream::unfold(
        (handle, offset, cut, corrupt),
        move |(mut handle, pos, cut, corrupt)| async move {
            if cut.is_some_and(|c| pos >= c) {
                return Some((
                    Err(std::io::Error::other("cut by the test")),
                    (handle, u64::MAX, None, corrupt),
                ));
            }
            if pos >= len {
                return None;
            }
            let mut buf = vec![0u8; 256 * 1024];
            let want = cut.map_or(buf.len() as u64, |c| (c - pos).min(buf.len() as u64)) as usize;
            let n = handle.read(&mut buf[..want]).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.truncate(n);
            let middle = len / 2;
            if corrupt && pos <= middle && middle < pos + n as u64 {
                buf[(middle - pos) as usize] ^= 0xff;
            }
            Some((Ok::<_, std::io::Error>(buf), (handle, pos + n as u64, cut, corrupt)))
        },
    );
    let mut response = Response::new(Body::from_stream(stream));
    if start.is_some() {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, (len - offset).into());
    headers.insert(header::ACCEPT_RANGES, header::HeaderValue::from_static("bytes"));
    if let Some(start) = start {
        let range = format!("bytes {start}-{}/{len}", len.saturating_sub(1));
        headers.insert(header::CONTENT_RANGE, range.parse().expect("ascii"));
    }
    response
}
