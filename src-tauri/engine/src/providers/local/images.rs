//! The image catalog of local VMs: official cloud images, downloaded once into the cache (resumable,
//! checked against the publisher's checksum file), or any local `.qcow2`/`.img` file.

use crate::error::{AppError, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// An image VMDeck knows how to fetch. URLs may be relative to the catalog's own address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogImage {
    pub id: String,
    pub name: String,
    pub distribution: String,
    pub version: String,
    /// `x86_64` or `aarch64`.
    pub arch: String,
    pub url: String,
    /// The publisher's checksum file (`SHA256SUMS`, `SHA512SUMS`), naming the image's file.
    pub checksums: String,
    /// The login user cloud-init creates on this image by default (VMDeck creates its own too).
    pub user: String,
    /// The image's own disk size: VMs get at least this.
    pub min_disk_gb: f64,
    /// About how much is downloaded, for the wizard before the first download.
    pub download_mb: Option<u64>,
    /// Direct kernel boot, for images without a bootloader (the test image); same checksum file.
    #[serde(default)]
    pub kernel: Option<String>,
    #[serde(default)]
    pub initrd: Option<String>,
    #[serde(default)]
    pub cmdline: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct CatalogFile {
    images: Vec<CatalogImage>,
}

/// The built-in catalog: current Ubuntu LTS and Debian stable from their publishers (docs/providers/local.md).
pub fn builtin() -> Vec<CatalogImage> {
    let debian = |arch: &str, deb_arch: &str| CatalogImage {
        id: format!("debian-12-{arch}"),
        name: "Debian 12 (bookworm)".into(),
        distribution: "debian".into(),
        version: "12".into(),
        arch: arch.into(),
        url: format!(
            "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-{deb_arch}.qcow2"
        ),
        checksums: "https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS".into(),
        user: "debian".into(),
        min_disk_gb: 2.0,
        download_mb: Some(350),
        kernel: None,
        initrd: None,
        cmdline: None,
    };
    let ubuntu = |arch: &str, deb_arch: &str| CatalogImage {
        id: format!("ubuntu-24.04-{arch}"),
        name: "Ubuntu 24.04 LTS (noble)".into(),
        distribution: "ubuntu".into(),
        version: "24.04".into(),
        arch: arch.into(),
        url: format!("https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-{deb_arch}.img"),
        checksums: "https://cloud-images.ubuntu.com/noble/current/SHA256SUMS".into(),
        user: "ubuntu".into(),
        min_disk_gb: 3.5,
        download_mb: Some(600),
        kernel: None,
        initrd: None,
        cmdline: None,
    };
    vec![
        ubuntu("x86_64", "amd64"),
        debian("x86_64", "amd64"),
        ubuntu("aarch64", "arm64"),
        debian("aarch64", "arm64"),
    ]
}

/// This machine's architecture in catalog terms.
pub fn host_arch() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "aarch64"
    } else {
        "x86_64"
    }
}

/// The catalog for this machine: `VMDECK_IMAGE_CATALOG` (a URL of a catalog JSON: a mirror, or the test
/// image) or the built-in one, filtered to this architecture.
pub async fn catalog(http: &reqwest::Client) -> Result<Vec<CatalogImage>> {
    let images = match std::env::var("VMDECK_IMAGE_CATALOG").ok().filter(|u| !u.trim().is_empty()) {
        Some(url) => {
            let base = reqwest::Url::parse(url.trim())
                .map_err(|err| AppError::invalid_input("catalog", format!("VMDECK_IMAGE_CATALOG: {err}")))?;
            let file: CatalogFile =
                get(http, base.as_str()).await?.json().await.map_err(|err| malformed(base.as_str(), err))?;
            file.images.into_iter().map(|image| resolve(&base, image)).collect()
        }
        None => builtin(),
    };
    Ok(images.into_iter().filter(|i| i.arch == host_arch()).collect())
}

fn resolve(base: &reqwest::Url, mut image: CatalogImage) -> CatalogImage {
    let join = |u: &str| base.join(u).map(|u| u.to_string()).unwrap_or_else(|_| u.to_owned());
    image.url = join(&image.url);
    image.checksums = join(&image.checksums);
    image.kernel = image.kernel.as_deref().map(join);
    image.initrd = image.initrd.as_deref().map(join);
    image
}

fn malformed(url: &str, err: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::MalformedResponse, format!("{url} did not answer as expected: {err}"))
        .with_detail("url", url)
}

async fn get(http: &reqwest::Client, url: &str) -> Result<reqwest::Response> {
    let response = http.get(url).send().await.map_err(|err| unreachable(url, err))?;
    if !response.status().is_success() {
        return Err(AppError::new(
            ErrorCode::ProviderError,
            format!("{url} answered {}.", response.status()),
        )
        .with_detail("url", url)
        .with_detail("status", response.status().as_u16()));
    }
    Ok(response)
}

fn unreachable(url: &str, err: reqwest::Error) -> AppError {
    let code = if err.is_timeout() { ErrorCode::Timeout } else { ErrorCode::Unreachable };
    AppError::new(code, format!("Could not download {url}: {err}")).with_detail("url", url)
}

/// The last path segment of a URL: the name the checksum file lists.
pub fn file_name(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned()
}

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

/// One image in the cache, for Settings: its folder's size, and whether a download is unfinished.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CachedImage {
    pub id: String,
    #[ts(type = "number")]
    pub bytes: u64,
    pub partial: bool,
}

/// Every image folder in the cache.
pub fn cached(images_dir: &Path) -> Vec<CachedImage> {
    let Ok(entries) = std::fs::read_dir(images_dir) else { return Vec::new() };
    let mut out: Vec<CachedImage> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|entry| {
            let files: Vec<std::fs::DirEntry> =
                std::fs::read_dir(entry.path()).into_iter().flatten().flatten().collect();
            CachedImage {
                id: entry.file_name().to_string_lossy().into_owned(),
                bytes: files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum(),
                partial: files.iter().any(|f| f.path().extension().is_some_and(|x| x == "part")),
            }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// Removes one image from the cache (VMs made from it keep working only while their base stays, so the
/// caller refuses while a local VM uses it).
pub fn remove_cached(images_dir: &Path, id: &str) -> Result<()> {
    let dir = images_dir.join(sanitize(id));
    std::fs::remove_dir_all(&dir).map_err(|err| io_error(&dir, err))
}

/// Where one catalog file lives in the cache, and its `.part` while it downloads.
pub fn cached_path(cache: &Path, image_id: &str, url: &str) -> PathBuf {
    cache.join(sanitize(image_id)).join(sanitize(&file_name(url)))
}

fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
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

pub(crate) fn io_error(path: &Path, err: std::io::Error) -> AppError {
    let code = if err.raw_os_error() == Some(28) { ErrorCode::Conflict } else { ErrorCode::Internal };
    let message = if code == ErrorCode::Conflict {
        format!("The disk is full: could not write {}.", path.display())
    } else {
        format!("{}: {err}", path.display())
    };
    AppError::new(code, message).with_detail("path", path.display().to_string())
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

    #[test]
    fn relative_catalog_urls_resolve_against_the_catalog() {
        let base = reqwest::Url::parse("http://127.0.0.1:9/guest/catalog.json").unwrap();
        let mut image = builtin().remove(0);
        image.url = "base.qcow2".into();
        image.checksums = "SHA256SUMS".into();
        image.kernel = Some("vmlinuz".into());
        let image = resolve(&base, image);
        assert_eq!(image.url, "http://127.0.0.1:9/guest/base.qcow2");
        assert_eq!(image.kernel.as_deref(), Some("http://127.0.0.1:9/guest/vmlinuz"));
        assert_eq!(file_name(&image.checksums), "SHA256SUMS");
    }
}
