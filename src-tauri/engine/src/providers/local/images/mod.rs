//! The image catalog of local VMs: official cloud images, downloaded once into the cache (resumable,
//! checked against the publisher's checksum file: `download.rs`), or any local `.qcow2`/`.img` file.

mod download;
pub use download::{fetch_verified, DownloadProgress};

use crate::error::{AppError, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

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

pub(crate) fn io_error(path: &Path, err: std::io::Error) -> AppError {
    let code = if err.raw_os_error() == Some(28) { ErrorCode::Conflict } else { ErrorCode::Internal };
    let message = if code == ErrorCode::Conflict {
        format!("The disk is full: could not write {}.", path.display())
    } else {
        format!("{}: {err}", path.display())
    };
    AppError::new(code, message).with_detail("path", path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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
