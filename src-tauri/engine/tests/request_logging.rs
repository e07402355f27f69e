//! Each provider request gets a tracing span (method, path, status, duration); no key, token or
//! signature ever reaches the log. Its own test binary, because it installs the global subscriber.
mod common;

use common::*;
use std::io::Write;
use std::sync::{Arc, Mutex};
use vmdeck_engine::providers::Provider;
use vmdeck_fakes::credentials::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn spans_name_the_request_and_never_a_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let cloud = cloud().await;
    for (provider, _, _) in all(&cloud) {
        provider.list_vms().await.unwrap();
    }
    hyperstack(&cloud, "revoked-but-secret-key").list_vms().await.unwrap_err();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("provider_request"), "{log}");
    assert!(log.contains("path=/v1/core/virtual-machines") && log.contains("status=200"), "{log}");
    assert!(log.contains("path=/api/vm/list/"), "{log}");
    assert!(log.contains("status=401"), "{log}");
    for secret in [
        HYPERSTACK_API_KEY,
        "revoked-but-secret-key",
        LUNANODE_API_KEY,
        &LUNANODE_API_KEY[..64],
        ENCLAIVE_PASSWORD,
        CLOUDVM_SECRET,
        "userToken",
        "signature=",
    ] {
        assert!(!log.contains(secret), "{secret} leaked into the log:\n{log}");
    }
}
