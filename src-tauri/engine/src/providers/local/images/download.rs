//! Fetching a catalog file into the cache: resumable, and checked against the publisher's checksum file
//! before it is used.

use super::{file_name, get, io_error, malformed, unreachable};
use crate::error::{AppError, ErrorCode, Result};
use serde::Serialize;
use sha2::Digest;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// A checksum, by its length: SHA-256 (64 hex digits) or SHA-512 (128).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    pub hex: String,
}

impl Checksum {
    fn algorithm(&self) -> &'static str {
        if self.hex.len() == 128 {
            "SHA-512"
        } else {
            "SHA-256"
        }
    }
}

/// Finds `name` in a checksum file: GNU lines (`<hex>  <name>`, `<hex> *<name>`) or BSD lines
/// (`SHA256 (<name>) = <hex>`).
pub fn checksum_for(file: &str, name: &str) -> Option<Checksum> {
    file.lines().find_map(|line| {
        let line = line.trim();
        let (hex, listed) = if let Some(rest) = line.strip_prefix("SHA") {
            let (_, rest) = rest.split_once(" (")?;
            let (listed, hex) = rest.split_once(") = ")?;
            (hex.trim(), listed)
        } else {
            let (hex, listed) = line.split_once(char::is_whitespace)?;
            (hex, listed.trim_start().trim_start_matches('*'))
        };
        let valid = matches!(hex.len(), 64 | 128) && hex.chars().all(|c| c.is_ascii_hexdigit());
        (valid && listed == name).then(|| Checksum { hex: hex.to_ascii_lowercase() })
    })
}

/// How a download is going, reported a few times a second.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DownloadProgress {
    pub done: u64,
    pub total: Option<u64>,
    pub bytes_per_sec: f64,
}

impl DownloadProgress {
    pub fn eta_secs(&self) -> Option<u64> {
        let left = self.total?.saturating_sub(self.done);
        (self.bytes_per_sec > 0.0).then(|| (left as f64 / self.bytes_per_sec).ceil() as u64)
    }

    /// "45 % · 120 of 300 MB · 12.0 MB/s · 15 s left"
    pub fn describe(&self) -> String {
        let mb = |b: u64| b as f64 / 1_000_000.0;
        let rate = format!("{:.1} MB/s", self.bytes_per_sec / 1_000_000.0);
        match (self.total, self.eta_secs()) {
            (Some(total), eta) if total > 0 => format!(
                "{} % · {:.0} of {:.0} MB · {rate}{}",
                self.done * 100 / total,
                mb(self.done),
                mb(total),
                eta.map(|s| format!(" · {s} s left")).unwrap_or_default()
            ),
            _ => format!("{:.0} MB · {rate}", mb(self.done)),
        }
    }
}

/// The file at `url` in the cache, verified: downloaded (resuming a `.part` left by an earlier try)
/// unless a verified copy is there. A file whose checksum does not match is deleted and refused.
pub async fn fetch_verified(
    http: &reqwest::Client,
    url: &str,
    checksums_url: &str,
    dest: &Path,
    progress: &(dyn Fn(DownloadProgress) + Send + Sync),
) -> Result<()> {
    let sums = get(http, checksums_url).await?.text().await.map_err(|err| malformed(checksums_url, err))?;
    let name = file_name(url);
    let expected = checksum_for(&sums, &name).ok_or_else(|| {
        AppError::new(
            ErrorCode::MalformedResponse,
            format!("The checksum file {checksums_url} lists no checksum for {name}: VMDeck does not use an image it cannot verify."),
        )
        .with_detail("url", checksums_url)
    })?;
    let marker = dest.with_extension("verified");
    if dest.is_file() && std::fs::read_to_string(&marker).is_ok_and(|m| m.trim() == expected.hex) {
        return Ok(());
    }
    if let Some(dir) = dest.parent() {
        crate::fsutil::create_private_dir(dir)?;
    }
    let part = dest.with_extension("part");
    download(http, url, &part, progress).await?;
    let actual = hash_file(&part, expected.hex.len()).await?;
    if actual != expected.hex {
        let _ = std::fs::remove_file(&part);
        return Err(AppError::new(
            ErrorCode::MalformedResponse,
            format!(
                "{name} does not match the publisher's {} checksum: the download is corrupt or was changed. It was deleted.",
                expected.algorithm()
            ),
        )
        .with_detail("expected", expected.hex)
        .with_detail("actual", actual)
        .with_detail("url", url));
    }
    std::fs::rename(&part, dest).map_err(|err| io_error(dest, err))?;
    std::fs::write(&marker, &expected.hex).map_err(|err| io_error(&marker, err))?;
    Ok(())
}

/// Downloads into `part`, continuing where an earlier try stopped when the server honours `Range`.
async fn download(
    http: &reqwest::Client,
    url: &str,
    part: &Path,
    progress: &(dyn Fn(DownloadProgress) + Send + Sync),
) -> Result<()> {
    let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    let mut request = http.get(url);
    if have > 0 {
        request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
    }
    let mut response = request.send().await.map_err(|err| unreachable(url, err))?;
    let status = response.status();
    let resumed = status == reqwest::StatusCode::PARTIAL_CONTENT && have > 0;
    if !status.is_success() {
        return Err(AppError::new(ErrorCode::ProviderError, format!("{url} answered {status}."))
            .with_detail("url", url)
            .with_detail("status", status.as_u16()));
    }
    let start = if resumed { have } else { 0 };
    if have > 0 && !resumed {
        tracing::info!(url, "the server did not resume the download; starting over");
    }
    let total = response.content_length().map(|len| len + start);
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(resumed)
        .truncate(!resumed)
        .open(part)
        .await
        .map_err(|err| io_error(part, err))?;
    let began = Instant::now();
    let mut done = start;
    let mut last_report = Instant::now() - Duration::from_secs(1);
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(err) => {
                file.flush().await.ok();
                return Err(unreachable(url, err).with_detail("resumable", true));
            }
        };
        file.write_all(&chunk).await.map_err(|err| io_error(part, err))?;
        done += chunk.len() as u64;
        if last_report.elapsed() >= Duration::from_millis(250) {
            last_report = Instant::now();
            let secs = began.elapsed().as_secs_f64().max(0.001);
            progress(DownloadProgress { done, total, bytes_per_sec: (done - start) as f64 / secs });
        }
    }
    file.flush().await.map_err(|err| io_error(part, err))?;
    file.sync_all().await.map_err(|err| io_error(part, err))?;
    if let Some(total) = total.filter(|t| *t != done) {
        return Err(AppError::new(
            ErrorCode::Unreachable,
            format!("The download of {url} stopped at {done} of {total} bytes; it resumes on the next try."),
        )
        .with_detail("url", url));
    }
    let secs = began.elapsed().as_secs_f64().max(0.001);
    progress(DownloadProgress { done, total: Some(done), bytes_per_sec: (done - start) as f64 / secs });
    Ok(())
}

async fn hash_file(path: &Path, hex_len: usize) -> Result<String> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut file = std::fs::File::open(&path).map_err(|err| io_error(&path, err))?;
        let mut buf = vec![0u8; 1 << 20];
        let mut sha256 = sha2::Sha256::new();
        let mut sha512 = sha2::Sha512::new();
        loop {
            let n = file.read(&mut buf).map_err(|err| io_error(&path, err))?;
            if n == 0 {
                break;
            }
            if hex_len == 128 {
                sha512.update(&buf[..n]);
            } else {
                sha256.update(&buf[..n]);
            }
        }
        Ok(if hex_len == 128 { hex::encode(sha512.finalize()) } else { hex::encode(sha256.finalize()) })
    })
    .await
    .map_err(|err| AppError::internal(format!("checksum task: {err}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_files_in_gnu_and_bsd_form() {
        let h = "a".repeat(64);
        let gnu = format!("{h}  other.img\n{}  noble-server-cloudimg-amd64.img\n", "b".repeat(64));
        assert_eq!(checksum_for(&gnu, "noble-server-cloudimg-amd64.img").unwrap().hex, "b".repeat(64));
        let star = format!("{} *debian.qcow2\n", "C".repeat(128));
        assert_eq!(checksum_for(&star, "debian.qcow2").unwrap().hex, "c".repeat(128));
        let bsd = format!("SHA256 (base.qcow2) = {h}\n");
        assert_eq!(checksum_for(&bsd, "base.qcow2").unwrap().hex, h);
        assert_eq!(checksum_for(&gnu, "missing.img"), None);
        assert_eq!(checksum_for("nothex  base.qcow2", "base.qcow2"), None);
    }

    #[test]
    fn progress_reads_like_a_download_bar() {
        let p = DownloadProgress { done: 150_000_000, total: Some(300_000_000), bytes_per_sec: 10_000_000.0 };
        assert_eq!(p.eta_secs(), Some(15));
        assert_eq!(p.describe(), "50 % · 150 of 300 MB · 10.0 MB/s · 15 s left");
    }
}
