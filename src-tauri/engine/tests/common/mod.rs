//! Builds each provider client against the fakes of `tests/fakes`, with short timeouts for tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;
use vmdeck_engine::model::ProviderKind;
use vmdeck_engine::providers::cloudvm::CloudVm;
use vmdeck_engine::providers::enclaive::{Enclaive, EnclaiveAuth, EnclaiveScope};
use vmdeck_engine::providers::http::{json_message, text_message, Http, MessageOf, RetryPolicy};
use vmdeck_engine::providers::hyperstack::Hyperstack;
use vmdeck_engine::providers::lunanode::{error_text, Lunanode};
use vmdeck_engine::providers::Provider;
use vmdeck_engine::Secret;
use vmdeck_fakes::credentials::*;
use vmdeck_fakes::enclaive::{PROJECT_ID, TEAM_ID};
use vmdeck_fakes::{FakeCloud, Options, Shared};

pub const STEP: Duration = Duration::from_millis(100);
pub const TIMEOUT: Duration = Duration::from_millis(800);

pub async fn cloud() -> FakeCloud {
    FakeCloud::start(Options { step: STEP }).await.unwrap()
}

pub fn http(kind: ProviderKind, message_of: MessageOf) -> Http {
    let retry =
        RetryPolicy { attempts: 3, base_delay: Duration::from_millis(20), max_delay: Duration::from_secs(2) };
    Http::with(kind, message_of, TIMEOUT, retry).unwrap()
}

pub fn hyperstack(cloud: &FakeCloud, key: &str) -> Hyperstack {
    Hyperstack::with_http(
        &format!("{}/v1", cloud.hyperstack.url()),
        Secret::new(key),
        http(ProviderKind::Hyperstack, json_message),
    )
}

pub fn enclaive(cloud: &FakeCloud, password: &str) -> Enclaive {
    let scope = EnclaiveScope { team_id: TEAM_ID.into(), project_id: PROJECT_ID.into() };
    let auth = EnclaiveAuth::Login { email: ENCLAIVE_EMAIL.into(), password: Secret::new(password) };
    Enclaive::with_http(&cloud.enclaive.url(), scope, auth, http(ProviderKind::Enclaive, json_message))
}

pub fn lunanode(cloud: &FakeCloud, key: &str) -> Lunanode {
    Lunanode::with_http(
        &cloud.lunanode.url(),
        LUNANODE_API_ID,
        Secret::new(key),
        http(ProviderKind::Lunanode, error_text),
    )
}

pub fn cloudvm(cloud: &FakeCloud, secret: &str) -> CloudVm {
    let types = vec!["small-debian".to_owned(), "medium-debian".to_owned()];
    let http = http(ProviderKind::Cloudvm, text_message);
    CloudVm::with_http(&cloud.cloudvm.url(), "aws-test1", types, CLOUDVM_ACCESS, &Secret::new(secret), http)
}

/// Each backend with the right credentials, its fake's shared state, and the path its list call uses.
pub fn all(cloud: &FakeCloud) -> Vec<(Arc<dyn Provider>, Shared, &'static str)> {
    vec![
        (
            Arc::new(hyperstack(cloud, HYPERSTACK_API_KEY)),
            cloud.hyperstack.shared.clone(),
            "/v1/core/virtual-machines",
        ),
        (Arc::new(enclaive(cloud, ENCLAIVE_PASSWORD)), cloud.enclaive.shared.clone(), "/api/teams/"),
        (Arc::new(lunanode(cloud, LUNANODE_API_KEY)), cloud.lunanode.shared.clone(), "/api/vm/list/"),
        (Arc::new(cloudvm(cloud, CLOUDVM_SECRET)), cloud.cloudvm.shared.clone(), "/vm"),
    ]
}

/// An ingress SSH rule from one documentation address.
pub fn ssh_from_doc_address() -> vmdeck_engine::model::SecurityRule {
    use vmdeck_engine::model::{Direction, IpVersion, SecurityRule};
    SecurityRule {
        direction: Direction::Ingress,
        protocol: "tcp".into(),
        ethertype: IpVersion::V4,
        cidr: "203.0.113.7/32".into(),
        port_min: Some(22),
        port_max: Some(22),
    }
}

/// Waits until `vm` of `provider` reaches `state` (or gives up after many steps).
pub async fn wait_for(
    provider: &dyn Provider,
    id: &str,
    state: vmdeck_engine::model::VmState,
) -> vmdeck_engine::model::Vm {
    for _ in 0..60 {
        let vm = provider.get_vm(id).await.unwrap();
        if vm.state == state {
            return vm;
        }
        tokio::time::sleep(STEP / 2).await;
    }
    panic!("{id} never reached {state:?}");
}
