//! The fault matrix for every backend: wrong credentials, 403, 404, 429, 5xx, a hang, malformed JSON and an
//! HTML page each end in the right code and a message a user can act on; creates are never sent twice.
mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use vmdeck_engine::model::{CreateRequest, ProviderKind};
use vmdeck_engine::providers::Provider;
use vmdeck_engine::ErrorCode;
use vmdeck_fakes::credentials::*;
use vmdeck_fakes::{Fault, FaultRule};

fn status(status: u16) -> Fault {
    Fault::Status { status, retry_after_secs: None }
}

/// Lunanode sends failures as `success: "no"` inside a 200 (docs/providers/lunanode.md), so its fake
/// turns injected 4xx into that; those cases are checked separately below.
fn http_backends(
    cloud: &vmdeck_fakes::FakeCloud,
) -> Vec<(std::sync::Arc<dyn Provider>, vmdeck_fakes::Shared, &'static str)> {
    all(cloud).into_iter().filter(|(p, _, _)| p.kind() != ProviderKind::Lunanode).collect()
}

#[tokio::test]
async fn each_fault_maps_to_its_code_on_every_backend() {
    let cloud = cloud().await;
    let cases: Vec<(Fault, ErrorCode)> = vec![
        (status(403), ErrorCode::PermissionDenied),
        (status(404), ErrorCode::NotFound),
        (status(500), ErrorCode::ProviderError),
        (status(502), ErrorCode::ProviderError),
        (Fault::Hang, ErrorCode::Timeout),
        (Fault::MalformedJson, ErrorCode::MalformedResponse),
        (Fault::HtmlPage { status: 502 }, ErrorCode::ProviderError),
        (Fault::HtmlPage { status: 200 }, ErrorCode::MalformedResponse),
    ];
    for (provider, shared, path) in http_backends(&cloud) {
        for (fault, code) in &cases {
            shared.inject(FaultRule::new(path, fault.clone()).times(1));
            let err = provider.list_vms().await.expect_err(&format!("{:?} {fault:?}", provider.kind()));
            assert_eq!(err.code, *code, "{:?} {fault:?}: {err:?}", provider.kind());
            assert!(!err.message.is_empty());
            shared.clear_faults();
        }
    }
}

#[tokio::test]
async fn wrong_credentials_say_auth_failed_on_every_backend() {
    let cloud = cloud().await;
    let wrong: Vec<Box<dyn Provider>> = vec![
        Box::new(hyperstack(&cloud, "revoked-key")),
        Box::new(enclaive(&cloud, "wrong password")),
        Box::new(lunanode(&cloud, &"0".repeat(128))),
        Box::new(cloudvm(&cloud, "wrong secret")),
    ];
    for provider in wrong {
        let err = provider.list_vms().await.unwrap_err();
        assert_eq!(err.code, ErrorCode::AuthFailed, "{:?}: {err:?}", provider.kind());
        assert!(err.message.contains(provider.kind().display_name()), "{}", err.message);
    }
}

#[tokio::test]
async fn a_429_is_retried_for_reads_honouring_retry_after_and_reported_when_it_persists() {
    let cloud = cloud().await;
    let provider = hyperstack(&cloud, HYPERSTACK_API_KEY);
    let path = "/v1/core/virtual-machines";
    cloud
        .hyperstack
        .shared
        .inject(FaultRule::new(path, Fault::Status { status: 429, retry_after_secs: Some(1) }).times(1));
    let started = Instant::now();
    provider.list_vms().await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "waited as Retry-After said");
    assert_eq!(cloud.hyperstack.shared.count("GET", path), 2);

    cloud
        .hyperstack
        .shared
        .inject(FaultRule::new(path, Fault::Status { status: 429, retry_after_secs: Some(60) }));
    let err = provider.list_vms().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::RateLimited);
    assert_eq!(err.details.as_ref().unwrap()["retry_after_secs"], json!(60));
    assert!(err.message.contains("Wait 60 s"), "{}", err.message);
    assert_eq!(
        cloud.hyperstack.shared.count("GET", path),
        3,
        "a wait longer than the limit is not slept through"
    );

    cloud.hyperstack.shared.clear_faults();
    cloud.hyperstack.shared.inject(FaultRule::new(path, status(503)));
    assert_eq!(provider.list_vms().await.unwrap_err().code, ErrorCode::ProviderError);
    assert_eq!(cloud.hyperstack.shared.count("GET", path), 6, "three attempts for a read");
}

#[tokio::test]
async fn a_create_is_never_sent_twice_whatever_fails() {
    let cloud = cloud().await;
    let provider = hyperstack(&cloud, HYPERSTACK_API_KEY);
    let path = "/v1/core/virtual-machines";
    let request = CreateRequest {
        name: "once".into(),
        count: 1,
        region: Some("test1".into()),
        image: Some("Ubuntu Server 22.04 LTS R535 CUDA 12.2".into()),
        flavor: Some("n3-A100x1".into()),
        key_pair: Some("example-key".into()),
        ..Default::default()
    };
    for fault in [status(503), status(429), Fault::Hang, Fault::HtmlPage { status: 502 }] {
        cloud.hyperstack.shared.log.lock().unwrap().clear();
        cloud.hyperstack.shared.inject(FaultRule::new(path, fault.clone()).method("POST").times(1));
        let err = provider.create(&request).await.unwrap_err();
        assert_ne!(err.code, ErrorCode::Internal, "{fault:?}");
        assert_eq!(cloud.hyperstack.shared.count("POST", path), 1, "{fault:?} must not trigger a resend");
    }
    let provider = lunanode(&cloud, LUNANODE_API_KEY);
    cloud.lunanode.shared.inject(FaultRule::new("/api/vm/create/", status(503)).times(1));
    let request = CreateRequest {
        name: "a".into(),
        count: 1,
        flavor: Some("m.2".into()),
        image: Some("94953".into()),
        ..Default::default()
    };
    assert_eq!(provider.create(&request).await.unwrap_err().code, ErrorCode::ProviderError);
    assert_eq!(cloud.lunanode.shared.count("POST", "/api/vm/create/"), 1);
}

#[tokio::test]
async fn lunanode_failures_inside_a_200_keep_the_providers_text() {
    let cloud = cloud().await;
    let provider = lunanode(&cloud, LUNANODE_API_KEY);
    let err = provider.get_vm("no-such-vm").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert_eq!(err.details.unwrap()["provider_message"], json!("vm not found"));
    cloud.lunanode.shared.inject(FaultRule::new("/api/vm/list/", Fault::MalformedJson).times(1));
    assert_eq!(provider.list_vms().await.unwrap_err().code, ErrorCode::MalformedResponse);
    cloud.lunanode.shared.inject(FaultRule::new("/api/vm/list/", Fault::Hang).times(1));
    assert_eq!(provider.list_vms().await.unwrap_err().code, ErrorCode::Timeout);
}

#[tokio::test]
async fn an_unreachable_host_says_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener); // nothing listens there any more
    let provider = vmdeck_engine::providers::hyperstack::Hyperstack::with_http(
        &format!("http://127.0.0.1:{port}/v1"),
        vmdeck_engine::Secret::new("k"),
        http(ProviderKind::Hyperstack, vmdeck_engine::providers::http::json_message),
    );
    let err = provider.list_vms().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unreachable);
    assert!(err.message.contains("Could not reach Hyperstack"), "{}", err.message);
}

#[tokio::test]
async fn an_expired_enclaive_session_logs_in_again_once() {
    let cloud = cloud().await;
    let provider = enclaive(&cloud, ENCLAIVE_PASSWORD);
    provider.list_vms().await.unwrap();
    assert_eq!(cloud.enclaive.shared.count("POST", "/api/login"), 1);
    // The next list gets a 401 as if the JWT had expired: VMDeck logs in again and repeats the read.
    cloud.enclaive.shared.inject(FaultRule::new("/api/teams/", status(401)).times(1));
    provider.list_vms().await.unwrap();
    assert_eq!(cloud.enclaive.shared.count("POST", "/api/login"), 2);
    cloud.enclaive.shared.inject(FaultRule::new("/api/teams/", status(401)));
    assert_eq!(provider.list_vms().await.unwrap_err().code, ErrorCode::AuthFailed, "no endless loop");
}

#[tokio::test]
async fn errors_keep_the_providers_own_message_and_never_a_secret() {
    let cloud = cloud().await;
    let provider = hyperstack(&cloud, "revoked-key");
    let err = provider.list_vms().await.unwrap_err();
    let json: Value = serde_json::to_value(&err).unwrap();
    assert_eq!(json["details"]["provider_message"], json!("Invalid API key"));
    assert_eq!(json["details"]["status"], json!(401));
    assert!(!json.to_string().contains("revoked-key"));
}

#[tokio::test]
async fn a_hyperstack_pricebook_that_fails_leaves_the_catalog_usable_without_prices() {
    let cloud = cloud().await;
    let provider = hyperstack(&cloud, HYPERSTACK_API_KEY);
    cloud.hyperstack.shared.inject(FaultRule::new("/v1/pricebook", status(500)));
    let catalog = provider.catalog().await.expect("the catalog without prices");
    assert!(!catalog.flavors.is_empty());
    assert!(catalog.flavors.iter().all(|f| f.price.is_none()), "{:?}", catalog.flavors);
    // Any other part failing still fails the catalog, with its own code.
    cloud.hyperstack.shared.clear_faults();
    cloud.hyperstack.shared.inject(FaultRule::new("/v1/core/flavors", status(403)));
    assert_eq!(provider.catalog().await.unwrap_err().code, ErrorCode::PermissionDenied);
}

/// A server that answers every request with `head` and then, when `stream` is set, 1 MiB chunks of a JSON
/// string for as long as the client reads.
async fn endless_server(head: &'static str, stream: bool) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                if socket.write_all(head.as_bytes()).await.is_err() || !stream {
                    return;
                }
                let chunk = format!("100000\r\n{}\r\n", "x".repeat(0x100000));
                while socket.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    url
}

#[tokio::test]
async fn an_answer_larger_than_the_limit_is_refused_not_read_into_memory() {
    let declared = endless_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000000000\r\n\r\n",
        false,
    )
    .await;
    let streamed = endless_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        true,
    )
    .await;
    for url in [declared, streamed] {
        let provider = vmdeck_engine::providers::hyperstack::Hyperstack::with_http(
            &format!("{url}/v1"),
            vmdeck_engine::Secret::new(HYPERSTACK_API_KEY),
            vmdeck_engine::providers::http::Http::with(
                ProviderKind::Hyperstack,
                vmdeck_engine::providers::http::json_message,
                Duration::from_secs(20),
                Default::default(),
            )
            .unwrap(),
        );
        let started = Instant::now();
        let err = provider.list_vms().await.unwrap_err();
        assert_eq!(err.code, ErrorCode::MalformedResponse, "{url}: {err:?}");
        assert!(err.message.contains("larger than 32 MiB"), "{}", err.message);
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    }
}
